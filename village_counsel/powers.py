"""小微权力: exercises of the village's small powers, and the advisor's legality review (合法性审查).

An exercise records the catalogue item, its steps (each with a date; publicity steps also with an end
date) and the rest of DOMAIN.md §2. :func:`review` computes the compliance findings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from . import days, vocab
from .catalog import Catalog, PowerItem, load_catalog
from .errors import ValidationError
from .forms import form_for, validate
from .forms.definitions import EXERCISE_STEP
from .store import Record, Store
from .villages import require_village

DECISION_ITEM = "P01"


@dataclass(frozen=True)
class Finding:
    """One compliance finding, explained in Chinese."""

    code: str  # missing_step, out_of_order, publicity_too_short, publicity_end_missing,
    #            decided_during_publicity, tender_skipped, future_date, counts_inconsistent
    step: str | None
    message: str

    LABELS = {
        "missing_step": "缺少步骤",
        "out_of_order": "顺序颠倒",
        "publicity_too_short": "公示期不足",
        "publicity_end_missing": "公示期未记录",
        "decided_during_publicity": "公示期内决策",
        "tender_skipped": "应招标未招标",
        "future_date": "日期在未来",
        "counts_inconsistent": "人数票数不符",
    }

    @property
    def label(self) -> str:
        return self.LABELS.get(self.code, self.code)


def next_number(store: Store, village_id: str, item: str, day: str) -> str:
    """The village's next number for ``item`` in ``day``'s year (P13-2026-003): one above the highest
    given so far — deleted records and records since moved to another item included, so a number is
    never given twice."""
    year = day[:4]
    prefix = f"{item}-{year}-"
    taken = store.select(
        "SELECT json_extract(data, '$.number') FROM records WHERE kind = 'power_exercise' AND village_id = ?"
        " AND substr(json_extract(data, '$.number'), 1, ?) = ?",
        [village_id, len(prefix), prefix],
    )
    highest = max((int(n[len(prefix) :]) for (n,) in taken if str(n)[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:03d}"


def _item(catalog: Catalog, code: str) -> PowerItem:
    item = catalog.item(code)
    if item is None:
        raise ValidationError({"item": f"权力清单中没有事项 {code}"}, {"item": "权力事项"})
    return item


def count_problems(step: dict[str, Any]) -> dict[str, str]:
    """A meeting step's counts that cannot all be true (cleaned values): more present than expected, more
    votes than people present. Refused when entered here; on data from elsewhere (an older version, another
    device) a review finding — the import keeps accepting what the forms accept, so files stay importable."""
    out: dict[str, str] = {}
    expected, present = step.get("expected"), step.get("present")
    if isinstance(expected, int) and isinstance(present, int) and present > expected:
        out["present"] = f"实到 {present} 人，多于应到 {expected} 人"
    votes = [step.get(k) for k in ("votes_for", "votes_against", "votes_abstain")]
    cast = sum(v for v in votes if isinstance(v, int) and not isinstance(v, bool))
    if isinstance(present, int) and cast > present:
        out["votes_for"] = f"赞成、反对、弃权合计 {cast} 票，多于实到 {present} 人"
    return out


def _clean_steps(item: PowerItem, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out, seen, errors = [], set(), {}
    for raw in steps:
        try:
            step = validate(EXERCISE_STEP, raw)
        except ValidationError as exc:
            name = item.step(str(raw.get("key"))).name if item.step(str(raw.get("key"))) else raw.get("key")
            errors.update({f"{name}·{EXERCISE_STEP.labels.get(k, k)}": v for k, v in exc.errors.items()})
            continue
        if item.step(step["key"]) is None:
            errors[str(step["key"])] = f"“{item.name}”没有这个步骤"
            continue
        if step["key"] in seen:
            errors[str(step["key"])] = "步骤重复"
            continue
        spec = item.step(step["key"])
        for key, message in count_problems(step).items():
            errors[f"{spec.name if spec else step['key']}·{EXERCISE_STEP.labels.get(key, key)}"] = message
        seen.add(step["key"])
        out.append({k: v for k, v in step.items() if v not in (None, "")})
    if errors:
        raise ValidationError(errors)
    order = {s.key: n for n, s in enumerate(item.steps)}
    return sorted(out, key=lambda s: order[s["key"]])


def clean_exercise(values: dict[str, Any], catalog: Catalog | None = None) -> dict[str, Any]:
    catalog = catalog or load_catalog()
    clean = validate(form_for("power_exercise"), values)
    item = _item(catalog, clean["item"])
    clean["steps"] = _clean_steps(item, clean.get("steps") or [])
    clean["status"] = clean.get("status") or "进行中"
    from .notices import clean_notice

    clean.update(clean_notice(item, clean))  # (the notice's content: the lines its item declares)
    # the advisor's written review (a 合法性审查 of its month): dated the day it is written unless given
    if clean.get("advisor_opinion"):
        clean["reviewed_on"] = clean.get("reviewed_on") or days.iso_today()
    else:
        clean.pop("reviewed_on", None)
    return clean


def create_exercise(
    store: Store, village_id: str, values: dict[str, Any], *, at_ms: int | None = None
) -> Record:
    require_village(store, village_id)
    clean = clean_exercise(values)
    if not clean.get("number"):
        clean["number"] = next_number(store, village_id, clean["item"], clean["date"])
    return store.put("power_exercise", clean, village_id=village_id, at_ms=at_ms)


def update_exercise(
    store: Store, exercise_id: str, values: dict[str, Any], *, at_ms: int | None = None
) -> Record:
    """Change an exercise; completing one whose origin is a 说事 matter moves that matter to 办事."""
    from .matters import linked_record_closed

    current = store.get("power_exercise", exercise_id)
    clean = clean_exercise({**current.data, **values})
    old_prefix = f"{current.get('item')}-"
    if clean["item"] != current.get("item") and str(clean.get("number") or "").startswith(old_prefix):
        # moved to another item: numbered in that item's series (a P14 record must not keep P13-2026-001)
        clean["number"] = next_number(store, current.village_id or "", clean["item"], clean["date"])
    with store.transaction():
        record = store.put("power_exercise", clean, id=exercise_id, at_ms=at_ms)
        closed = ("已完成", "已终止")
        if clean["status"] in closed and current.get("status") not in closed and clean.get("matter_id"):
            # a terminated decision closes the matter's route too: villagers evaluate the outcome either way
            # handled when its last step was taken; with no step recorded, now (when it is closed)
            day = max([s["date"] for s in clean["steps"]] or [max(clean["date"], days.today().isoformat())])
            outcome = (
                f"经五议决策办结：{clean.get('result') or '已完成'}"
                if clean["status"] == "已完成"
                else f"五议决策终止：{clean.get('result') or '已终止'}"
            )
            linked_record_closed(
                store,
                clean["matter_id"],
                outcome,
                day,
                source_id=exercise_id,
                at_ms=at_ms,
            )
    return record


def record_step(store: Store, exercise_id: str, step: dict[str, Any], *, at_ms: int | None = None) -> Record:
    """Add a step to an exercise, or replace the step of the same key."""
    current = store.get("power_exercise", exercise_id)
    steps = [s for s in current.get("steps", []) if s["key"] != step.get("key")] + [step]
    return update_exercise(store, exercise_id, {"steps": steps}, at_ms=at_ms)


def decision_from_matter(matter: dict[str, Any], day: str, matter_id: str) -> dict[str, Any]:
    """A major-decision exercise pre-filled from a matter routed 转五议决策 (enter once)."""
    return {
        "item": DECISION_ITEM,
        "date": day,
        "trigger": "村民建议",
        "subject": matter.get("content"),
        "status": "进行中",
        "matter_id": matter_id,
        "steps": [],
    }


# --- the legality review -----------------------------------------------------------------------------------


def _d(text: str) -> date:
    return date.fromisoformat(text)


def review(
    exercise: Record | dict[str, Any], *, catalog: Catalog | None = None, today: date | None = None
) -> list[Finding]:
    """Compliance findings of one exercise: what a careful advisor would flag, in catalogue order."""
    data = exercise.data if isinstance(exercise, Record) else exercise
    catalog = catalog or load_catalog()
    item = catalog.item(data.get("item", ""))
    if item is None:
        return [Finding("missing_step", None, f"权力清单中没有事项“{data.get('item')}”，无法审查")]
    today = today or days.today()
    amount = data.get("amount") or 0
    steps = {s["key"]: s for s in data.get("steps", []) if s.get("date")}
    order = [s.key for s in item.steps]
    recorded = [k for k in order if k in steps]
    complete = data.get("status") == "已完成"
    last_index = max((order.index(k) for k in recorded), default=-1)
    findings: list[Finding] = []

    for n, spec in enumerate(item.steps):
        if spec.key in steps:
            continue
        reached = complete or n < last_index
        if not reached:
            continue
        if spec.min_amount is not None and amount < spec.min_amount:
            continue
        if spec.key == "tender" and item.tender_threshold is not None:
            findings.append(
                Finding(
                    "tender_skipped",
                    spec.key,
                    f"金额 {amount:,.0f} 元，达到 {item.tender_threshold:,.0f} 元应公开招投标，但未记录招投标",
                )
            )
            continue
        findings.append(Finding("missing_step", spec.key, f"缺少必经步骤“{spec.name}”"))

    latest: tuple[str, str] | None = None  # (date, step name) of the latest earlier step
    for key in recorded:
        spec = item.step(key)
        assert spec is not None
        day = steps[key]["date"]
        if latest and day < latest[0]:
            findings.append(
                Finding(
                    "out_of_order",
                    key,
                    f"“{spec.name}”（{day}）早于前一步骤“{latest[1]}”（{latest[0]}），顺序颠倒",
                )
            )
        if latest is None or day >= latest[0]:
            latest = (day, spec.name)

    for n, key in enumerate(recorded):
        spec = item.step(key)
        assert spec is not None
        if not spec.is_publicity:
            continue
        step = steps[key]
        start = _d(step["date"])
        end = _d(step["end_date"]) if step.get("end_date") else None
        following = recorded[n + 1] if n + 1 < len(recorded) else None
        needed = spec.publicity_days or 0
        if end is None:
            if needed and (following or complete):
                findings.append(
                    Finding(
                        "publicity_end_missing",
                        key,
                        f"“{spec.name}”未记录公示截止日期，无法确认公示满 {needed} 天",
                    )
                )
            end = start + timedelta(days=max(needed, 1) - 1)
        else:
            length = (end - start).days + 1
            if needed and length < needed:
                findings.append(
                    Finding(
                        "publicity_too_short",
                        key,
                        f"“{spec.name}”公示 {length} 天（{start} 至 {end}），少于规定的 {needed} 天",
                    )
                )
        if following and needed:
            nxt = item.step(following)
            assert nxt is not None
            nday = _d(steps[following]["date"])
            required_end = max(end, start + timedelta(days=needed - 1))
            if nday <= required_end:
                findings.append(
                    Finding(
                        "decided_during_publicity",
                        following,
                        f"“{nxt.name}”（{nday}）在“{spec.name}”公示期满（{required_end}）之前进行",
                    )
                )

    for key in recorded:
        spec = item.step(key)
        assert spec is not None
        for message in count_problems(steps[key]).values():
            findings.append(Finding("counts_inconsistent", key, f"“{spec.name}”{message}"))
    for key in recorded:
        spec = item.step(key)
        assert spec is not None
        if steps[key]["date"] > today.isoformat():
            findings.append(Finding("future_date", key, f"“{spec.name}”的日期 {steps[key]['date']} 晚于今天"))
    if data.get("date", "") > today.isoformat():
        findings.append(Finding("future_date", None, f"启动日期 {data['date']} 晚于今天"))
    return findings


CLOSED = ("已完成", "已终止")


def closed_on(exercise: Record | dict[str, Any]) -> str | None:
    """The day an exercise was completed or terminated (its last step, or its start without steps);
    None while it runs."""
    data = exercise.data if isinstance(exercise, Record) else exercise
    if data.get("status") not in CLOSED:
        return None
    return max([str(s.get("date") or "") for s in data.get("steps") or []] + [str(data.get("date") or "")])


def exercise_on(exercise: Record | dict[str, Any], day: date) -> dict[str, Any]:
    """The exercise as it stood at the end of ``day``: the steps dated by then, 进行中 if it closed later,
    the advisor's review only once written."""
    data = exercise.data if isinstance(exercise, Record) else exercise
    iso = day.isoformat()
    steps = [s for s in data.get("steps") or [] if str(s.get("date") or "") <= iso]
    closing = closed_on(data)
    reviewed = data.get("reviewed_on")
    if len(steps) == len(data.get("steps") or []) and (closing or "") <= iso and (reviewed or "") <= iso:
        return data
    view = {**data, "steps": steps}
    if closing and closing > iso:
        view["status"] = "进行中"
    if reviewed and reviewed > iso:
        view.update(advisor_opinion=None, reviewed_on=None)
    return view


def reviewed_in(exercise: Record | dict[str, Any], month: str) -> bool:
    """Did the advisor write the review of this exercise in ``month`` (a 合法性审查 of that month)?"""
    data = exercise.data if isinstance(exercise, Record) else exercise
    return bool(data.get("advisor_opinion")) and str(data.get("reviewed_on") or "")[:7] == month


def review_doc_type(item_code: str, catalog: Catalog | None = None) -> str:
    """The 合法性审查 document type an exercise's review counts as: village rules, contracts (tenders,
    purchases, disposals), other major decisions of the collective, or other documents (services)."""
    if item_code == "P09":
        return "村规民约"
    if item_code in ("P03", "P04", "P05"):
        return "合同"
    item = (catalog or load_catalog()).item(item_code)
    return "重大决策" if item is not None and item.kind == "collective" else "其他文件"


# Exercises of a month: started in it, a step dated in it, or the advisor's review written in it.
IN_MONTH = (
    "month <= ? AND (month = ? OR substr(json_extract(data, '$.reviewed_on'), 1, 7) = ?"
    " OR EXISTS (SELECT 1 FROM json_each(data, '$.steps') WHERE substr(json_extract(value, '$.date'), 1, 7) = ?))"
)


def exercises_in_month(store: Store, village_id: str | None, month: str) -> list[Record]:
    """The exercises that belong to ``month`` (DOMAIN.md §7): started, a step taken or reviewed in it."""
    return store.list(
        "power_exercise", village_id=village_id, where=IN_MONTH, params=[month, month, month, month]
    )


def findings_by_exercise(
    store: Store, village_id: str | None, month: str, *, today: date | None = None
) -> list[tuple[Record, list[Finding]]]:
    """Every exercise of the month with its findings, each as it stood at the month's end (the dashboard
    and the report share this). The records carry the exercise as of then."""
    catalog = load_catalog()
    end, on = days.month_end(month), days.as_of(month, today)
    out = []
    for e in exercises_in_month(store, village_id, month):
        view = exercise_on(e, end)
        shown = e if view is e.data else Record(**{**e.__dict__, "data": view})
        out.append((shown, review(view, catalog=catalog, today=on)))
    return out


def objections(exercise: Record | dict[str, Any]) -> int:
    data = exercise.data if isinstance(exercise, Record) else exercise
    return sum(1 for s in data.get("steps", []) if has_objection(s.get("objections")))


# The ways advisors write in 异议情况 that there was none — the whole text, not a part of it (a real
# objection often says "无" somewhere too: 截至10日有1户提出异议，无书面意见):
# 无 / 无异议 / 公示期间无异议 / 经公示无异议 / 公示7天无异议 / 截至10月20日未收到异议 / 异议：无 /
# 未收到村民异议 / 公示期内未收到任何书面或口头异议 / 群众无异议，公示通过 / — …
_NONE_SAID = re.compile(
    r"(?:异议情况|异议)?"
    r"(?:公示期[内间满]?|公示结束|公示[0-9一二三四五六七八九十]+天|经公示|公示|期间|期内|全体|群众|村民代表|村民|"
    r"截至(?:[0-9〇一二三四五六七八九十]+[年月日号]?)+|截至(?:目前|公示期满|公示结束))*"
    r"(?:均|都|皆)?"
    r"(?:(?:无人提出|无人反对|未收到任何|暂未收到|没有收到|未收到|未接到|未发现|没有人提出|没有|未有|暂无|无)"
    r"(?:任何)?(?:村民|群众)?(?:人)?(?:提出)?(?:的)?(?:书面或口头|书面|口头)?(?:异议|意见|反馈|问题)?)?"
    r"(?:已公示|公示(?:已)?(?:通过|期满|结束|完成)|情况正常|正常)?"
)


def has_objection(text: Any) -> bool:
    """Whether a step's 异议情况 reports an objection: any text but one of the ways of saying, as a whole,
    that there was none (see :data:`_NONE_SAID`)."""
    words = re.sub(r"[\s。.，,；;！!、：:—–\-/／]+", "", str(text or ""))
    return bool(words) and _NONE_SAID.fullmatch(words) is None


__all__ = ["DECISION_ITEM", "Finding", "create_exercise", "record_step", "review", "update_exercise", "vocab"]
