"""村民说事: sessions and their matters, moving 说事 → 议事 → 办事 → 评事.

``stage`` is the last stage a matter completed. The rules:
- 说事 → 议事 (deliberate): a discussion and a decision route. 村内办理 and 上报乡镇 need a responsible
  person and a deadline (7 days by default); 不予采纳 needs reasons; 转调解 and 转五议决策 create the linked
  mediation entry or major-decision exercise (enter once).
- 议事 → 办事 (handle): a result and a feedback date. For the linked routes this happens when the linked
  record is closed; 不予采纳 skips 办事.
- 办事 → 评事 (evaluate): 满意 / 基本满意 close the matter; 不满意 reopens it for a new deliberation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from . import days, vocab
from .errors import RuleError, ValidationError
from .forms import form_for, validate
from .forms.definitions import MATTER_STAGE_FIELDS
from .store import Changes, Record, Store
from .villages import require_village

DEFAULT_DEADLINE_DAYS = 7
ACTION_LABELS = {"deliberate": "议事", "handle": "办事", "evaluate": "评事"}


# --- sessions ---------------------------------------------------------------------------------------------


def next_session_number(store: Store, village_id: str, day: str) -> str:
    month = day[:7]
    count = store.select(
        "SELECT count(*) FROM records WHERE kind = 'session' AND village_id = ? AND month = ?",
        [village_id, month],
    )[0][0]
    return f"说事-{month}-{count + 1:02d}"


def create_session(
    store: Store,
    village_id: str,
    values: dict[str, Any],
    matters: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    at_ms: int | None = None,
) -> tuple[Record, list[Record]]:
    """A 说事 session with its matters, saved together or not at all."""
    require_village(store, village_id)
    clean = validate(form_for("session"), values)
    cleaned_matters = []
    for n, raw in enumerate(matters, start=1):
        try:
            cleaned_matters.append(_clean_new_matter({"date": clean["date"], **raw}))
        except ValidationError as exc:
            raise ValidationError({f"事项{n}·{k}": v for k, v in exc.errors.items()}) from None
    if not clean.get("number"):
        clean["number"] = next_session_number(store, village_id, clean["date"])
    with store.transaction():
        session_id = store.new_id()
        _sync_attendance_entry(store, village_id, session_id, clean, at_ms)
        session = store.put("session", clean, id=session_id, village_id=village_id, at_ms=at_ms)
        created = [
            store.put("matter", {**m, "session_id": session.id}, village_id=village_id, at_ms=at_ms)
            for m in cleaned_matters
        ]
    return session, created


def update_session(store: Store, session_id: str, values: dict[str, Any]) -> Record:
    current = store.get("session", session_id)
    clean = validate(form_for("session"), {**current.data, **values})
    with store.transaction():
        _sync_attendance_entry(store, current.village_id or "", session_id, clean, None)
        return store.put("session", clean, id=session_id)


ADVISOR_ROLE = "法律顾问"


def _sync_attendance_entry(
    store: Store, village_id: str, session_id: str, session: dict[str, Any], at_ms: int | None
) -> None:
    """Enter once: the advisor's presence at a session is the checklist's 参与村民说事 entry, kept in the
    service log and linked both ways; it follows the session's date and goes when the advisor does."""
    from . import checklist

    present = int((session.get("attendance") or {}).get(ADVISOR_ROLE) or 0) > 0
    entry_id = session.get("service_id")
    entry = store.find(entry_id) if entry_id else None
    if entry is not None and entry.deleted:
        entry = None
    if present:
        people = sum(int(v) for v in (session.get("attendance") or {}).values())
        values = {
            "date": session["date"],
            "duty": checklist.SESSION_DUTY,
            "hours": (entry.get("hours") if entry else None) or 2,
            "people": people or None,
            "channel": "现场",
            "content": f"参加村民说事（{session.get('number') or session['date']}）",
            "session_id": session_id,
        }
        if entry is None:
            entry = checklist.log_service(store, village_id, values, at_ms=at_ms)
        elif entry.get("date") != session["date"] or entry.get("people") != values["people"]:
            entry = checklist.update_service(store, entry.id, {**entry.data, **values}, at_ms=at_ms)
        session["service_id"] = entry.id
    elif entry is not None:
        store.delete("service_entry", entry.id)
        session["service_id"] = None


def delete_session(store: Store, session_id: str) -> Changes:
    """Delete a 说事会 that no longer holds matters, with the advisor's attendance entry in the service log
    (enter once: it went in with the session). One operation: an undo brings both back. A session that
    still holds matters is refused (RuleError): each matter is deleted on its own first — deleting them
    along with the session would hide that from sync, where another device may keep the session (a
    conflict resolved for it) and would then find its matters gone."""
    session = store.get("session", session_id)
    held = session_matters(store, session_id)
    if held:
        raise RuleError(
            f"说事会“{session.get('number') or session.get('date')}”中还有 {len(held)} 个事项："
            "请先删除这些事项，再删除说事会"
        )
    changes = Changes()
    with store.transaction():
        entry_id = session.get("service_id")
        entry = store.find(entry_id) if entry_id else None
        if entry is not None and not entry.deleted and entry.get("session_id") == session_id:
            changes.add(store.delete("service_entry", entry.id))
        changes.add(store.delete("session", session_id))
    return changes


def session_matters(store: Store, session_id: str) -> list[Record]:
    return store.list(
        "matter",
        where="json_extract(data, '$.session_id') = ?",
        params=[session_id],
        order="json_extract(data, '$.seq'), json_extract(data, '$.date'), rev",
    )


def _clean_new_matter(values: dict[str, Any]) -> dict[str, Any]:
    clean = validate(form_for("matter"), values, required=MATTER_STAGE_FIELDS["说事"])
    for later in (f.name for f in form_for("matter").fields if f.name not in EDITABLE["说事"]):
        clean.pop(later, None)  # what later stages record cannot be given when a matter is raised
    clean["stage"] = "说事"
    clean["events"] = [{"stage": "说事", "date": clean["date"]}]
    clean.setdefault("legal_aspect", False)
    return clean


def add_matter(store: Store, session_id: str, values: dict[str, Any], *, at_ms: int | None = None) -> Record:
    session = store.get("session", session_id)
    clean = _clean_new_matter({"date": session["date"], **values})
    clean["session_id"] = session_id
    return store.put("matter", clean, village_id=session.village_id, at_ms=at_ms)


# --- the stage machine -------------------------------------------------------------------------------------


def allowed_actions(matter: Record | dict[str, Any]) -> list[str]:
    """What may be done next to a matter: a subset of deliberate, handle, evaluate."""
    data = matter.data if isinstance(matter, Record) else matter
    stage, route = data.get("stage"), data.get("route")
    if stage == "说事":
        return ["deliberate"]
    if stage == "议事":
        if route == vocab.ROUTE_REJECT:
            return ["evaluate"]
        if route in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP):
            return ["handle"]
        return []  # waits for its linked mediation entry or decision exercise
    if stage == "办事":
        return ["evaluate"]
    return []


def status_stage(matter: Record | dict[str, Any]) -> str:
    """The stage whose status the matter shows (:data:`vocab.STAGE_STATUS`): its stage, except that a
    matter not taken up (不予采纳) waits for the villagers' evaluation like one handled: 待评议. The stage
    charts count matters by this, so they agree with the lists' 状态."""
    data = matter.data if isinstance(matter, Record) else matter
    stage = data.get("stage", "说事")
    if stage == "议事" and data.get("route") == vocab.ROUTE_REJECT:
        return "办事"
    return stage


def status_label(matter: Record | dict[str, Any]) -> str:
    data = matter.data if isinstance(matter, Record) else matter
    stage = data.get("stage", "说事")
    if stage == "议事" and data.get("route") in (vocab.ROUTE_MEDIATION, vocab.ROUTE_DECISION):
        return "调解中" if data.get("route") == vocab.ROUTE_MEDIATION else "决策中"
    if stage == "议事" and data.get("route") == vocab.ROUTE_REJECT:
        return "待评议"
    return vocab.STAGE_STATUS.get(stage, stage)


def _check(matter: Record, action: str) -> None:
    if action not in allowed_actions(matter):
        stage = matter.get("stage")
        hint = {
            "deliberate": "只有尚未议事（或被评为不满意而重新打开）的事项才能议事",
            "handle": "只有已议事、且处理方式为村内办理或上报乡镇的事项才能登记办理结果"
            + (
                "；转调解或转五议决策的事项在关联记录办结时自动办结"
                if matter.get("route") in (vocab.ROUTE_MEDIATION, vocab.ROUTE_DECISION)
                else ""
            ),
            "evaluate": "事项尚未办理，不能评事",
        }[action]
        raise RuleError(f"当前阶段为“{stage}”，不能{ACTION_LABELS[action]}：{hint}")


def _last_event(matter: Record) -> tuple[str, str] | None:
    """The stage and date of the matter's latest step so far (the next one cannot come before it)."""
    events = [e for e in matter.get("events") or [] if isinstance(e, dict) and e.get("date")]
    if not events:
        return None
    latest = max(str(e["date"]) for e in events)
    last = [e for e in events if str(e["date"]) == latest][-1]  # of steps on one day, the later one
    return str(last.get("stage") or ""), latest


def _action_day(
    values: dict[str, Any],
    key: str,
    label: str,
    today: date | None,
    raised: str | None,
    after: tuple[str, str] | None = None,
) -> str:
    """The date an action took place (``decided_on``, ``evaluated_on``, ``feedback_date``): today unless
    given; a bad date, one still to come, or one before the matter was raised or before its previous step
    (``after``: its stage and date) is a validation error, not a traceback."""
    text = values.get(key)
    now = (today or days.today()).isoformat()
    if text in (None, ""):
        return now
    try:
        day = date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise ValidationError({key: "日期格式应为 年-月-日，例如 2026-11-05"}, {key: label}) from None
    if day > now:
        raise ValidationError({key: f"不能晚于今天（{now}）：记录的是已经发生的事"}, {key: label})
    if raised and day < raised:
        raise ValidationError({key: "不能早于提出日期"}, {key: label})
    if after and day < after[1]:
        raise ValidationError({key: f"不能早于上一环节（{after[0]} {after[1]}）"}, {key: label})
    return day


def _event(data: dict[str, Any], stage: str, day: str, **extra: Any) -> None:
    data["events"] = [*data.get("events", []), {"stage": stage, "date": day, **extra}]


def deliberate(
    store: Store,
    matter_id: str,
    values: dict[str, Any],
    *,
    today: date | None = None,
    at_ms: int | None = None,
) -> tuple[Record, Changes]:
    """议事: record the discussion and the decision route. Returns the matter and what changed."""
    from . import checklist, powers  # the linked kinds, created here for "enter once"

    matter = store.get("matter", matter_id)
    _check(matter, "deliberate")
    decided_on = _action_day(values, "decided_on", "议事日期", today, matter.get("date"), _last_event(matter))
    route = values.get("route")
    required = list(MATTER_STAGE_FIELDS["议事"])
    if route in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP):
        required.append("responsible")
    if route == vocab.ROUTE_REJECT:
        required.append("reject_reason")
    merged = {**matter.data, **values, "decided_on": decided_on}
    if route in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP) and not merged.get("deadline"):
        base = date.fromisoformat(decided_on)
        merged["deadline"] = (base + timedelta(days=DEFAULT_DEADLINE_DAYS)).isoformat()
    clean = validate(form_for("matter"), merged, required=required)
    clean["stage"] = "议事"
    extra = {"deadline": clean["deadline"]} if clean.get("deadline") else {}
    _event(clean, "议事", decided_on, route=route, **extra)
    changes = Changes()
    with store.transaction():
        if route == vocab.ROUTE_MEDIATION and not clean.get("mediation_id"):
            entry = checklist.log_service(
                store,
                matter.village_id,
                checklist.mediation_from_matter(clean, decided_on, matter_id),
                at_ms=at_ms,
                _link_back=False,
            )
            clean["mediation_id"] = entry.id
            changes.add(entry)
        if route == vocab.ROUTE_DECISION and not clean.get("exercise_id"):
            exercise = powers.create_exercise(
                store,
                matter.village_id,
                powers.decision_from_matter(clean, decided_on, matter_id),
                at_ms=at_ms,
            )
            clean["exercise_id"] = exercise.id
            changes.add(exercise)
        record = store.put("matter", clean, id=matter_id, at_ms=at_ms)
    return record, changes.add(record)


def handle(
    store: Store,
    matter_id: str,
    values: dict[str, Any],
    *,
    today: date | None = None,
    at_ms: int | None = None,
    _linked: bool = False,
) -> Record:
    """办事: the handling result and the date villagers were told (not after ``today``)."""
    matter = store.get("matter", matter_id)
    if not _linked:
        _check(matter, "handle")
    elif matter.get("stage") != "议事":
        return matter  # the linked record was closed again; the matter has moved on already
    clean = validate(form_for("matter"), {**matter.data, **values}, required=MATTER_STAGE_FIELDS["办事"])
    decided = next((e["date"] for e in reversed(clean.get("events", [])) if e["stage"] == "议事"), None)
    if not _linked and decided and clean["feedback_date"] < decided:
        raise ValidationError({"feedback_date": f"不能早于议事日期 {decided}"}, form_for("matter").labels)
    now = (today or days.today()).isoformat()
    if not _linked and clean["feedback_date"] > now:
        raise ValidationError(
            {"feedback_date": f"不能晚于今天（{now}）：记录的是已经发生的事"}, form_for("matter").labels
        )
    clean["stage"] = "办事"
    _event(clean, "办事", clean["feedback_date"])
    return store.put("matter", clean, id=matter_id, at_ms=at_ms)


def evaluate(
    store: Store,
    matter_id: str,
    values: dict[str, Any],
    *,
    today: date | None = None,
    at_ms: int | None = None,
) -> Record:
    """评事: villagers' evaluation. 不满意 reopens the matter for a new deliberation."""
    matter = store.get("matter", matter_id)
    _check(matter, "evaluate")
    clean = validate(form_for("matter"), {**matter.data, **values}, required=MATTER_STAGE_FIELDS["评事"])
    day = _action_day(values, "evaluated_on", "评议日期", today, matter.get("date"), _last_event(matter))
    if "evaluated_on" in clean:
        clean["evaluated_on"] = day
    verdict = clean["evaluation"]
    clean["evaluations"] = [
        *matter.get("evaluations", []),
        {"date": day, "evaluation": verdict, "note": clean.get("evaluation_note")},
    ]
    if verdict in vocab.SATISFIED:
        clean["stage"] = "评事"
        _event(clean, "评事", day, evaluation=verdict)
    else:
        # reopened: back to 说事, awaiting a new deliberation; the old route, deadline and result stay in
        # the events. The old deadline must go, or the next deliberation would inherit a date long past.
        clean["stage"] = "说事"
        clean["reopened"] = int(matter.get("reopened") or 0) + 1
        _keep_round(clean)
        _event(clean, "评事", day, evaluation=verdict, reopened=True)
        for key in _ROUND_FIELDS:
            clean[key] = None
    return store.put("matter", clean, id=matter_id, at_ms=at_ms)


# What one round of 议事 and 办事 writes on the matter: cleared when a 不满意 evaluation reopens it (the
# next deliberation starts afresh), after _keep_round has written it into that round's events.
_ROUND_FIELDS = (
    "route",
    "responsible",
    "discussion",
    "result",
    "feedback_date",
    "evaluation",
    "reject_reason",
    "deadline",
    "mediation_id",
    "exercise_id",
)


def _keep_round(data: dict[str, Any]) -> None:
    """Before a reopened matter's round is cleared: its last 议事 event keeps who was responsible and
    what was discussed and decided, its last 办事 event what was done — the 一事一档 page shows every round."""
    events = [dict(e) for e in data.get("events", [])]
    last = {stage: n for n, e in enumerate(events) for stage in (e.get("stage"),)}
    keep = {
        "议事": ("responsible", "discussion", "reject_reason", "mediation_id", "exercise_id"),
        "办事": ("result",),
    }
    for stage, keys in keep.items():
        n = last.get(stage)
        if n is None:
            continue
        for key in keys:
            if data.get(key) not in (None, "") and key not in events[n]:
                events[n][key] = data[key]
    data["events"] = events


def linked_record_closed(
    store: Store,
    matter_id: str,
    result: str,
    day: str,
    *,
    source_id: str | None = None,
    at_ms: int | None = None,
) -> Record | None:
    """A matter's mediation entry or decision exercise was closed: the matter counts as handled.

    ``source_id`` is the closed record; a record the matter no longer links to (it was reopened and
    routed anew) does not move it."""
    matter = store.find(matter_id)
    if matter is None or matter.deleted or matter.kind != "matter":
        return None
    if source_id is not None and source_id not in (matter.get("mediation_id"), matter.get("exercise_id")):
        return None
    return handle(store, matter_id, {"result": result, "feedback_date": day}, at_ms=at_ms, _linked=True)


# --- figures -----------------------------------------------------------------------------------------------


def handled_on(data: dict[str, Any]) -> str | None:
    """The date a matter was handled (办事) or, for a rejected one, answered; None while open."""
    for event in reversed(data.get("events", [])):
        if event["stage"] == "办事":
            return event["date"]
        if event["stage"] == "评事" and event.get("evaluation") in vocab.SATISFIED:
            return event["date"]
        if event.get("reopened"):
            return None
    return None


def matter_on(matter: Record | dict[str, Any], day: date | None) -> dict[str, Any] | None:
    """The matter as it stood at the end of ``day``, from the dates of its events: its stage, route and
    deadline then, and only the events and evaluations dated by then (None: not raised yet). ``day``
    None: as it is now. Every figure of a month reads matters through this (DOMAIN.md §7)."""
    data = matter.data if isinstance(matter, Record) else matter
    if day is None:
        return data
    iso = day.isoformat()
    if str(data.get("date") or "") > iso:
        return None
    all_events = data.get("events") or []
    events = [e for e in all_events if str(e.get("date") or "") <= iso]
    all_evaluations = data.get("evaluations") or []
    evaluations = [e for e in all_evaluations if str(e.get("date") or "") <= iso]
    if len(events) == len(all_events) and len(evaluations) == len(all_evaluations):
        return data  # nothing happened to it after that day
    stage, route, deadline, evaluation = "说事", None, None, None
    for event in events:
        kind = event.get("stage")
        if kind == "议事":
            stage, route = "议事", event.get("route") or data.get("route")
            deadline = event.get("deadline")
        elif kind == "办事":
            stage = "办事"
        elif kind == "评事":
            if event.get("reopened") or event.get("evaluation") not in vocab.SATISFIED:
                stage, route, deadline = "说事", None, None
            else:
                stage, evaluation = "评事", event.get("evaluation")
        elif kind == "说事":
            stage = "说事"
    view = {**data, "events": events, "evaluations": evaluations}
    view.update(stage=stage, route=route, deadline=deadline, evaluation=evaluation)
    if stage not in ("办事", "评事"):
        view.update(result=None, feedback_date=None)
    return view


def as_of_views(records: list[Record], on: date) -> list[Record]:
    """Matters as they stood at the end of ``on`` (:func:`matter_on`; those not raised by then left out)."""
    out = []
    for m in records:
        view = matter_on(m, on)
        if view is not None:
            out.append(m if view is m.data else replace(m, data=view))
    return out


def is_closed(matter: Record | dict[str, Any], day: date | None = None) -> bool:
    """已办结: evaluated 满意 or 基本满意 (and not reopened since) by the end of ``day`` (now, by default)."""
    view = matter_on(matter, day)
    return view is not None and view.get("stage") == "评事"


def _rounds(data: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(deadline, handled date or None) of each deliberation round with a deadline, oldest first. A matter
    reopened by 不满意 has several rounds; each 议事 event keeps its deadline for this history."""
    rounds: list[list[Any]] = []
    for event in data.get("events", []):
        if event["stage"] == "议事":
            rounds.append([event.get("deadline"), None])
        elif event["stage"] == "办事" and rounds and rounds[-1][1] is None:
            rounds[-1][1] = event["date"]
    routed = data.get("route") in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP)
    if routed and data.get("deadline") and data.get("stage") in ("议事", "办事", "评事"):
        # the current round, also for records written before events carried their deadline
        if not rounds:
            handled = None if data.get("stage") == "议事" else handled_on(data)
            rounds.append([data["deadline"], handled])
        elif not rounds[-1][0]:
            rounds[-1][0] = data["deadline"]
    return [(r[0], r[1]) for r in rounds if r[0]]


def is_overdue(matter: Record | dict[str, Any], on: date | None = None) -> bool:
    """逾期未办 as of the end of ``on`` (today by default): a deadline before that day and the round not
    handled by then. Historical: a matter handled late was overdue between its deadline and the day it
    was handled, even if it was reopened since. A matter closed by then never is."""
    on = on or days.today()
    view = matter_on(matter, on)
    if view is None or is_closed(view):
        return False
    on_iso = on.isoformat()
    return any(deadline < on_iso and (done is None or done > on_iso) for deadline, done in _rounds(view))


def handled_late(matter: Record | dict[str, Any], on: date | None = None) -> bool:
    """逾期办结 by the end of ``on`` (now, by default): a round handled (办事) after its deadline."""
    view = matter_on(matter, on)
    if view is None:
        return False
    return any(done is not None and done > deadline for deadline, done in _rounds(view))


def overdue_label(matter: Record | dict[str, Any], on: date | None = None) -> str:
    """What a list prints in its 逾期 column: 逾期 (逾期未办), 逾期办结, or nothing."""
    if is_overdue(matter, on):
        return "逾期"
    return "逾期办结" if handled_late(matter, on) else ""


@dataclass
class MatterFigures:
    sessions: int = 0
    raised: int = 0
    closed: int = 0
    overdue: int = 0
    legal: int = 0
    evaluated: int = 0
    satisfied: int = 0
    by_stage: dict[str, int] | None = None
    handled_late: int = 0  # 逾期办结: handled, but after the deadline

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.raised if self.raised else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.evaluated if self.evaluated else None


def figures(
    store: Store, month: str, village_id: str | None = None, *, today: date | None = None
) -> MatterFigures:
    """The 村民说事 figures of a month as they stood at its end (today, while it runs): the dashboard
    and the monthly report both use this. Matters raised in the month, each read as of that day."""
    on = days.as_of(month, today)
    sessions = store.list("session", village_id=village_id, month=month)
    matters = store.list("matter", village_id=village_id, month=month)
    result = MatterFigures(sessions=len(sessions), raised=len(matters), by_stage={s: 0 for s in vocab.STAGES})
    for m in matters:
        view = matter_on(m, on) or m.data
        shown = status_stage(view)
        result.by_stage[shown] = result.by_stage.get(shown, 0) + 1
        if is_closed(view):
            result.closed += 1
        if m.get("legal_aspect"):
            result.legal += 1
        if is_overdue(view, on):
            result.overdue += 1
        elif handled_late(view, on):
            result.handled_late += 1
        for ev in view.get("evaluations", []):
            result.evaluated += 1
            result.satisfied += ev.get("evaluation") in vocab.SATISFIED
    return result


def overdue_matters(
    store: Store, village_id: str | None = None, *, today: date | None = None
) -> list[Record]:
    today = today or days.today()
    candidates = store.list(
        "matter",
        village_id=village_id,
        where="json_extract(data, '$.stage') = '议事' AND json_extract(data, '$.deadline') < ?",
        params=[today.isoformat()],
    )
    return [m for m in candidates if is_overdue(m, today)]


# --- corrections -------------------------------------------------------------------------------------------

# What may be corrected once a stage is reached; the stage, route and evaluation change only by the actions.
EDITABLE = {
    "说事": ("date", "raiser", "raiser_phone", "content", "category", "legal_aspect"),
    "议事": ("discussion", "responsible", "deadline", "reject_reason"),
    "办事": ("result", "feedback_date"),
    "评事": ("evaluation_note",),
}


def editable_fields(matter: Record | dict[str, Any]) -> list[str]:
    data = matter.data if isinstance(matter, Record) else matter
    reached = vocab.STAGES[: vocab.STAGES.index(data.get("stage", "说事")) + 1]
    return [name for stage in reached for name in EDITABLE[stage]]


def update_matter(store: Store, matter_id: str, values: dict[str, Any]) -> Record:
    """Correct what was recorded of a matter (a typo in the content, a wrong phone) without moving it."""
    matter = store.get("matter", matter_id)
    allowed = set(editable_fields(matter))
    refused = [k for k, v in values.items() if k not in allowed and v != matter.get(k)]
    if refused:
        labels = form_for("matter").labels
        raise RuleError(
            f"“{'、'.join(labels.get(k, k) for k in refused)}”不能直接修改：阶段、处理方式和评价只能通过议事、办事、评事改变"
        )
    required = [f for f in MATTER_STAGE_FIELDS["说事"]]
    stage = matter.get("stage")
    if stage in ("办事", "评事"):
        required += ["result", "feedback_date"]
    clean = validate(form_for("matter"), {**matter.data, **values}, required=required)
    if clean.get("deadline") != matter.get("deadline"):
        # the current round's deadline lives in its 议事 event too (overdue history reads it there)
        events = [dict(e) for e in clean.get("events", [])]
        for event in reversed(events):
            if event.get("stage") == "议事":
                event["deadline"] = clean.get("deadline")
                break
        clean["events"] = events
    return store.put("matter", clean, id=matter_id)
