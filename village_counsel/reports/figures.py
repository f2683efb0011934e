"""The figures of a monthly report (DOMAIN.md §4), computed only from the core queries the dashboard uses:
:func:`matters.figures`, :func:`powers.findings_by_exercise`, :func:`checklist.progress` and
:meth:`Store.list`. Nothing here is typed in; every number is counted from records."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from .. import checklist, days, matters, powers, regions, vocab
from ..backfill import late_entries
from ..catalog import load_catalog
from ..checklist import DutyProgress
from ..days import month_add
from ..errors import NotFound
from ..matters import MatterFigures
from ..powers import Finding
from ..store import Record, Store
from ..villages import ID_SHOWN, followed, get_profile, list_villages, village_by_code, village_labels

REMOTE_CHANNELS = ("电话", "微信")
ON_SITE = "现场"


def overdue_on(month: str, today: date | None = None) -> date:
    """The day a month's figures are judged on: its last day, or today while it runs (the same rule as
    :func:`matters.figures`)."""
    return days.as_of(month, today)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- mediation (人民调解, national statistics form) ---------------------------------------------------------


@dataclass
class MediationRow:
    received: int = 0
    success: int = 0
    amount: float = 0.0
    failed: int = 0

    @property
    def mediated(self) -> int:
        """调处: mediated to an outcome (调解成功 + 调解不成)."""
        return self.success + self.failed

    @property
    def success_rate(self) -> float | None:
        """调解成功率 = 成功 ÷ 调处 (the Zhejiang reports' basis)."""
        return rate(self.success, self.mediated)


@dataclass
class MediationFigures:
    """One month's mediation cases (counted by the date they were received), each outcome counted once
    the case was concluded by the end of the month (its 结案日期)."""

    month: str
    received: int = 0
    success: int = 0
    failed: int = 0
    terminated: int = 0
    amount: float = 0.0
    written: int = 0
    oral: int = 0
    criminal_cases: int = 0
    criminal_people: int = 0
    petition_cases: int = 0
    petition_people: int = 0
    suicide_cases: int = 0
    suicide_people: int = 0
    screenings: int = 0  # 排查: screenings held (service-log entries' 矛盾纠纷排查)
    disputes_found: int = 0  # and the disputes they found
    by_type: dict[str, MediationRow] = field(default_factory=dict)
    by_source: dict[str, MediationRow] = field(default_factory=dict)
    by_referrer: dict[str, MediationRow] = field(default_factory=dict)  # 受委托移送: 公安, 法院, 政府部门
    cases: list[Record] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.received - self.success - self.failed - self.terminated

    @property
    def concluded(self) -> int:
        """已结案: cases concluded, whatever the outcome (调解成功, 调解不成 or 终止)."""
        return self.success + self.failed + self.terminated

    @property
    def mediated(self) -> int:
        """调处: cases mediated to an outcome (调解成功 + 调解不成; 终止 is not)."""
        return self.success + self.failed

    @property
    def success_rate(self) -> float | None:
        """调解成功率 = 成功 ÷ 调处 (嵊州 2020: 1,696 of 1,717 = 98.8%)."""
        return rate(self.success, self.mediated)

    @property
    def mediation_rate(self) -> float | None:
        """调处率 = 调处 ÷ 受理."""
        return rate(self.mediated, self.received)


def mediation_cases(store: Store, month: str, village_id: str | None = None) -> list[Record]:
    return store.list(
        "service_entry",
        village_id=village_id,
        month=month,
        where="json_extract(data, '$.duty') = ?",
        params=[checklist.MEDIATION_DUTY],
    )


def screening_figures(store: Store, month: str, village_id: str | None = None) -> tuple[int, int]:
    """排查 of the month: screenings held and disputes found, from the service log's fields."""
    rows = store.select(
        "SELECT coalesce(sum(json_extract(data, '$.screenings')), 0),"
        " coalesce(sum(json_extract(data, '$.disputes_found')), 0) FROM records"
        " WHERE kind = 'service_entry' AND deleted = 0 AND month = ?"
        + (" AND village_id = ?" if village_id else ""),
        [month, village_id] if village_id else [month],
    )
    return int(rows[0][0] or 0), int(rows[0][1] or 0)


def mediation_figures(
    store: Store, month: str, village_id: str | None = None, *, today: date | None = None
) -> MediationFigures:
    """The month's cases as they stood at its end: a case concluded later is still 正在调解 in it."""
    on = days.as_of(month, today).isoformat()
    cases = mediation_cases(store, month, village_id)
    fig = MediationFigures(
        month,
        by_type={t: MediationRow() for t in vocab.DISPUTE_TYPES},
        by_source={s: MediationRow() for s in vocab.CASE_SOURCES},
        by_referrer={r: MediationRow() for r in vocab.REFERRERS},
        cases=cases,
    )
    fig.screenings, fig.disputes_found = screening_figures(store, month, village_id)
    for case in cases:
        closed = checklist.case_closed_on(case)
        outcome = case.get("outcome") if closed is not None and closed <= on else None
        amount = float(case.get("amount") or 0)
        success = outcome == "调解成功"
        fig.received += 1
        fig.success += success
        fig.failed += outcome == "调解不成"
        fig.terminated += outcome == "终止"
        fig.amount += amount
        fig.written += case.get("case_form") == "书面"
        fig.oral += case.get("case_form") == "口头"
        if outcome:  # what a mediation prevented is known once it is concluded
            fig.criminal_cases += int(case.get("prevented_criminal_cases") or 0)
            fig.criminal_people += int(case.get("prevented_criminal_people") or 0)
            fig.petition_cases += int(case.get("prevented_petition_cases") or 0)
            fig.petition_people += int(case.get("prevented_petition_people") or 0)
            fig.suicide_cases += int(case.get("prevented_suicide_cases") or 0)
            fig.suicide_people += int(case.get("prevented_suicide_people") or 0)
        referred = case.get("source") == vocab.CASE_REFERRED
        for table, key in (
            (fig.by_type, case.get("dispute_type") or "其他"),
            (fig.by_source, case.get("source")),
            (fig.by_referrer, (case.get("referred_by") or "未注明") if referred else None),
        ):
            if key is None:
                continue
            row = table.setdefault(key, MediationRow())
            row.received += 1
            row.success += success
            row.failed += outcome == "调解不成"
            row.amount += amount
    return fig


# --- the service log (工作台账) -------------------------------------------------------------------------------


@dataclass
class ServiceFigures:
    entries: int = 0
    onsite_visits: int = 0  # 驻村服务
    days: int = 0  # distinct days of in-person service in the village
    hours: float = 0.0  # hours of in-person service
    duty_shifts: int = 0  # 公共法律服务点值班
    home_visits: int = 0  # 走访 entries
    households: int = 0  # households reached by 走访 (its 走访户数)
    visit_people: int = 0  # people reached by 走访
    sessions_attended: int = 0  # 参与村民说事
    consultations: int = 0
    consultation_people: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, int] = field(default_factory=dict)
    reviews: int = 0
    reviews_by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # doc type → outcome → n
    lectures: int = 0
    lecture_attendees: int = 0
    training: int = 0
    trainees: int = 0
    legal_aid: int = 0
    legal_aid_people: int = 0


def is_on_site(entry: Record) -> bool:
    """Presence in the village: an entry given 现场 (one that does not say how — a desk review, a
    mediation logged without a channel — claims no day on site)."""
    return entry.get("channel") == ON_SITE


def service_figures(
    entries: list[Record],
    reviewed: list[tuple[Record, list[Finding]]] = (),  # type: ignore[assignment]
) -> ServiceFigures:
    """The service log's figures; ``reviewed``: the 小微权力 exercises the advisor reviewed in the month,
    each with its findings then — a written review is a 合法性审查 of its month (DOMAIN.md §7)."""
    fig = ServiceFigures(entries=len(entries))
    fig.by_channel = dict.fromkeys(vocab.CHANNELS, 0)
    fig.by_topic = dict.fromkeys(vocab.TOPICS, 0)
    fig.reviews_by_type = {d: dict.fromkeys(vocab.REVIEW_OUTCOMES, 0) for d in vocab.REVIEW_DOC_TYPES}
    on_site: set[str] = set()
    for e in entries:
        duty, people = e.get("duty"), int(e.get("people") or 0)
        if is_on_site(e):
            on_site.add(e["date"])
            fig.hours += float(e.get("hours") or 0)
        if duty == "驻村服务":
            fig.onsite_visits += 1
        elif duty == "公共法律服务点值班":
            fig.duty_shifts += 1
        elif duty == "走访":
            fig.home_visits += 1
            fig.households += int(e.get("households") or 0)
            fig.visit_people += people
        elif duty == checklist.SESSION_DUTY:
            fig.sessions_attended += 1
        elif duty == "法律咨询":
            fig.consultations += 1
            fig.consultation_people += people
            channel = e.get("channel") or "未注明"  # (a quick entry may not say how)
            fig.by_channel[channel] = fig.by_channel.get(channel, 0) + 1
            topic = e.get("topic") or "其他"
            fig.by_topic[topic] = fig.by_topic.get(topic, 0) + 1
        elif duty == checklist.REVIEW_DUTY:
            fig.reviews += 1
            row = fig.reviews_by_type.setdefault(e.get("doc_type") or "其他文件", {})
            outcome = e.get("review_outcome") or "未出结论"
            row[outcome] = row.get(outcome, 0) + 1
        elif duty == "普法讲座":
            fig.lectures += 1
            fig.lecture_attendees += people
        elif duty == "培育法律明白人":
            fig.training += 1
            fig.trainees += people
        elif duty == "法律援助转介":
            fig.legal_aid += 1
            fig.legal_aid_people += people
    catalog = load_catalog() if reviewed else None
    for exercise, found in reviewed:
        fig.reviews += 1
        row = fig.reviews_by_type.setdefault(powers.review_doc_type(exercise.get("item", ""), catalog), {})
        outcome = "建议修改" if found else "通过"
        row[outcome] = row.get(outcome, 0) + 1
    fig.days = len(on_site)
    fig.hours = round(fig.hours, 1)
    return fig


# --- 小微权力 ------------------------------------------------------------------------------------------------


@dataclass
class PowerItemRow:
    code: str
    name: str
    exercises: int = 0  # that belong to the month: started, a step taken or reviewed in it
    started: int = 0  # started in the month
    completed: int = 0
    with_findings: int = 0
    findings: int = 0
    objections: int = 0


def power_rows(exercises: list[tuple[Record, list[Finding]]], month: str | None = None) -> list[PowerItemRow]:
    catalog = load_catalog()
    rows: dict[str, PowerItemRow] = {}
    for e, found in exercises:
        code = e.get("item", "")
        item = catalog.item(code)
        row = rows.setdefault(code, PowerItemRow(code, item.name if item else code))
        row.exercises += 1
        row.started += month is None or str(e.get("date") or "")[:7] == month
        row.completed += e.get("status") == "已完成"
        row.with_findings += bool(found)
        row.findings += len(found)
        row.objections += powers.objections(e)
    order = list(catalog.items)
    return sorted(rows.values(), key=lambda r: (order.index(r.code) if r.code in order else 999, r.code))


# --- one village (or the whole store) in one month ----------------------------------------------------------


@dataclass
class Section:
    """The figures of one village-month (``village`` None: every village of the store together), each
    as it stood at the end of the month (:attr:`on`: its last day, or today while it runs)."""

    month: str
    village: Record | None
    matters: MatterFigures
    matter_list: list[Record]  # the month's matters, each as of ``on`` (matters.matter_on)
    carried: list[Record]  # matters of earlier months still open on ``on``, as of then
    overdue_ids: set[str]
    sessions: list[Record]
    exercises: list[tuple[Record, list[Finding]]]
    power: list[PowerItemRow]
    checklist: list[DutyProgress]
    services: ServiceFigures
    mediation: MediationFigures
    mediation_last_month: MediationFigures
    mediation_last_year: MediationFigures
    notes: list[Record]
    label: str | None = None  # the printed name, telling same-name villages apart (see village_labels)
    advisor: dict[str, Any] = field(default_factory=dict)  # the village's advisor profile (advisor_of)
    store: Any = None  # what printing needs beyond the figures: case numbers (cases.CaseNumbers)
    masker: Any = None  # the village's party names, masked wherever they recur (mask.NameMasker)
    officials: list[str] = field(default_factory=list)  # named by office: never masked
    on: date | None = None  # the day the figures count to
    late_ids: set[str] = field(default_factory=set)  # 逾期办结: handled after the deadline
    entries: list[Record] = field(default_factory=list)  # the month's service log
    late: list[Any] = field(default_factory=list)  # 补录: backfill.LateEntry, in a village's section
    submitted: Any = None  # a submitted month: submission.Submitted

    @property
    def name(self) -> str:
        if self.village is None:
            return "全部村"
        return self.label or self.village["name"]

    @property
    def findings(self) -> int:
        return sum(len(f) for _, f in self.exercises)

    @property
    def objections(self) -> int:
        return sum(r.objections for r in self.power)

    @property
    def checklist_required(self) -> int:
        return sum(p.required for p in self.checklist if p.required is not None)

    @property
    def checklist_done(self) -> int:
        return sum(p.met for p in self.checklist if p.required is not None)

    @property
    def checklist_rate(self) -> float | None:
        return rate(self.checklist_done, self.checklist_required)


def carried_matters(store: Store, month: str, village_id: str | None, on: date) -> list[Record]:
    """Matters raised before ``month`` and still open at the end of ``on``: open now, or closed after it."""
    candidates = store.list(
        "matter",
        village_id=village_id,
        where="month < ? AND (json_extract(data, '$.stage') != '评事'"
        " OR json_extract(data, '$.events[#-1].date') > ?)",
        params=[month, on.isoformat()],
    )
    return [m for m in matters.as_of_views(candidates, on) if not matters.is_closed(m)]


def section(store: Store, month: str, village: Record | None, *, today: date | None = None) -> Section:
    """Every figure of one village's month (or, with ``village`` None, of all villages together), as the
    month stood at its end (DOMAIN.md §7): printed any day after, it gives the same numbers."""
    on = days.as_of(month, today)
    vid = village.id if village is not None else None
    matter_list = matters.as_of_views(
        store.list(
            "matter",
            village_id=vid,
            month=month,
            order="json_extract(data, '$.date'), json_extract(data, '$.session_id'), rev",
        ),
        on,
    )
    carried = carried_matters(store, month, vid, on)
    exercises = powers.findings_by_exercise(store, vid, month, today=today)
    reviewed = [(e, f) for e, f in exercises if powers.reviewed_in(e, month)]
    entries = store.list("service_entry", village_id=vid, month=month)
    notes = store.list(
        "monthly_note",
        village_id=vid,
        where="json_extract(data, '$.month') = ?",
        params=[month],
        order="village_id, rev",
    )
    listed = (*matter_list, *carried)
    return Section(
        month=month,
        village=village,
        matters=matters.figures(store, month, vid, today=today),
        matter_list=matter_list,
        carried=carried,
        overdue_ids={m.id for m in listed if matters.is_overdue(m, on)},
        sessions=store.list("session", village_id=vid, month=month),
        exercises=exercises,
        power=power_rows(exercises, month),
        checklist=checklist.progress(store, month, vid, today=today),
        services=service_figures(entries, reviewed),
        mediation=mediation_figures(store, month, vid, today=today),
        mediation_last_month=mediation_figures(store, month_add(month, -1), vid, today=today),
        mediation_last_year=mediation_figures(store, month_add(month, -12), vid, today=today),
        notes=notes,
        on=on,
        late_ids={m.id for m in listed if matters.handled_late(m, on) and not matters.is_overdue(m, on)},
        entries=entries,
    )


def _add(into: Any, other: Any) -> None:
    """Add the numbers (and dicts of numbers, and dicts of rows) of ``other`` into ``into``."""
    for name, value in vars(other).items():
        mine = getattr(into, name)
        if isinstance(value, bool) or name == "month":
            continue
        if isinstance(value, int | float):
            setattr(into, name, mine + value)
        elif isinstance(value, dict):
            for key, v in value.items():
                if isinstance(v, int | float):
                    mine[key] = mine.get(key, 0) + v
                elif isinstance(v, dict):
                    row = mine.setdefault(key, {})
                    for k, n in v.items():
                        row[k] = row.get(k, 0) + n
                else:
                    if key not in mine:
                        mine[key] = type(v)()
                    _add(mine[key], v)


def _by_date(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (str(r.get("date") or ""), r.id))


def merge_sections(month: str, sections: list[Section]) -> Section:
    """The villages of a report together (a township's 合计): every figure the sum of theirs."""
    matter_total = MatterFigures(by_stage={s: 0 for s in vocab.STAGES})
    services = ServiceFigures()
    mediation = [MediationFigures(m) for m in (month, month_add(month, -1), month_add(month, -12))]
    power: dict[str, PowerItemRow] = {}
    duties: dict[str, DutyProgress] = {}
    for sec in sections:
        _add(matter_total, sec.matters)
        _add(services, sec.services)
        for total, part in zip(
            mediation, (sec.mediation, sec.mediation_last_month, sec.mediation_last_year), strict=True
        ):
            cases = total.cases + part.cases
            _add(total, part)
            total.cases = cases
        for row in sec.power:
            if row.code not in power:
                power[row.code] = PowerItemRow(row.code, row.name)
            _add(power[row.code], row)
        for p in sec.checklist:
            have = duties.get(p.duty.code)
            if have is None:
                duties[p.duty.code] = replace(p)
            else:
                have.done += p.done
                have.due += p.due
                have.overdue += p.overdue
                have.met += p.met
                if p.required is not None:
                    have.required = (have.required or 0) + p.required
    for fig in mediation:
        fig.cases = _by_date(fig.cases)
    order = list(load_catalog().items)
    return Section(
        month=month,
        village=None,
        matters=matter_total,
        matter_list=[m for s in sections for m in s.matter_list],
        carried=[m for s in sections for m in s.carried],
        overdue_ids=set().union(*(s.overdue_ids for s in sections)),
        sessions=_by_date([x for s in sections for x in s.sessions]),
        exercises=sorted(
            (x for s in sections for x in s.exercises), key=lambda x: (str(x[0].get("date") or ""), x[0].id)
        ),
        power=sorted(power.values(), key=lambda r: (order.index(r.code) if r.code in order else 999, r.code)),
        checklist=list(duties.values()),
        services=services,
        mediation=mediation[0],
        mediation_last_month=mediation[1],
        mediation_last_year=mediation[2],
        notes=[n for s in sections for n in s.notes],
        on=sections[0].on if sections else None,
        late_ids=set().union(*(s.late_ids for s in sections)),
        entries=[e for s in sections for e in s.entries],
        late=[e for s in sections for e in s.late],
    )


@dataclass
class MonthReport:
    """A monthly report: one village's, or a township's (a summary of all, then each village)."""

    month: str
    today: date
    profile: dict[str, Any]
    sections: list[Section]
    total: Section | None  # township reports only: all villages together
    scope: Any = None  # township.Township: the one township this report covers

    @property
    def township(self) -> bool:
        return self.total is not None

    @property
    def townships(self) -> list[str]:
        if self.scope is not None:
            return [self.scope.name]
        return sorted({s.village.get("township") or "" for s in self.sections if s.village} - {""})

    @property
    def advisors(self) -> list[tuple[dict[str, Any], list[str]]]:
        """The distinct advisors of the villages in this report, each with the villages it serves (a
        township store holds one profile per advisor's laptop)."""
        out: list[tuple[dict[str, Any], list[str]]] = []
        for s in self.sections:
            for advisor, villages in out:
                if advisor == s.advisor:
                    villages.append(s.name)
                    break
            else:
                out.append((s.advisor, [s.name]))
        return [(a, v) for a, v in out if a] or [(self.profile, [s.name for s in self.sections])]

    @property
    def judicial_office(self) -> str:
        if self.scope is not None:
            return str(self.scope.office)
        offices = sorted({s.village.get("judicial_office") or "" for s in self.sections if s.village} - {""})
        if len(offices) == 1:
            return offices[0]
        return self.profile.get("judicial_office") or "、".join(offices[:3]) + (
            "等" if len(offices) > 3 else ""
        )


def village_choice(village: Record) -> str:
    """How a person picks this village on the command line: 名称@ID前8位."""
    return f"{village['name']}@{village.id[:ID_SHOWN]}"


def _describe(village: Record) -> str:
    town = village.get("township") or "乡镇未填"
    return f"{village['name']}（{town}，ID {village.id[:ID_SHOWN]}）"


def resolve_village(store: Store, ref: str | None) -> Record | None:
    """The village ``ref`` names (None for all villages).

    ``ref`` is a village name; when two villages share the name (two advisors' files imported into one
    township store), it must be told apart as ``名称@ID前缀`` (``上张村@1a2b3c4d``) or ``名称@乡镇``
    (``上张村@西周镇``), or given as the village's id (or a unique start of it, at least 6 characters).
    :class:`NotFound` lists the villages on offer, or the candidates when the name is ambiguous."""
    if not ref or not ref.strip():
        return None
    ref = ref.strip()
    record = store.find(ref)
    if record is not None and record.kind == "village":
        live = followed(store, record)  # a village merged into another resolves to that one
        if live is not None:
            return live
    if ref.isdigit() and ref.isascii():  # a national code
        found = village_by_code(store, ref)
        if found is not None:
            return found
        place = regions.village(ref)  # NotFound for a code of another level or not in the list
        raise NotFound(f"数据中没有{place.name}（{ref}）；可用 village-counsel villages add {ref} 添加")
    name, _, which = ref.partition("@")
    name, which = name.strip(), which.strip()
    same = store.list("village", where="json_extract(data, '$.name') = ?", params=[name], order="id")
    if which and same:
        picked = [
            v for v in same if v.id.lower().startswith(which.lower()) or (v.get("township") or "") == which
        ]
        if len(picked) == 1:
            return picked[0]
        if not picked:
            raise NotFound(
                f"“{name}”中没有 ID 以“{which}”开头或属于“{which}”的村；可选："
                + "、".join(f"{_describe(v)} → --village {village_choice(v)}" for v in same)
            )
        same = picked
    if len(same) == 1:
        return same[0]
    if len(same) > 1:
        raise NotFound(
            f"有 {len(same)} 个村名为“{name}”："
            + "、".join(_describe(v) for v in same)
            + f"。请用“村名@ID前缀”指定，例如 --village {village_choice(same[0])}"
        )
    if not which and len(ref) >= 6 and all(c in "0123456789abcdef-" for c in ref.lower()):
        by_prefix = store.list(
            "village", where="id LIKE ? ESCAPE '\\'", params=[ref.lower().replace("_", "\\_") + "%"]
        )
        if len(by_prefix) == 1:
            return by_prefix[0]
    everyone = list_villages(store)
    labels = village_labels(everyone)
    names = [labels[v.id] for v in everyone]
    shown = "、".join(names[:10]) + ("等" if len(names) > 10 else "")
    raise NotFound(f"没有名为“{name}”的村" + (f"；现有：{shown}" if names else "；数据中还没有村"))


def advisor_of(store: Store, village: Record, profiles: list[Record] | None = None) -> dict[str, Any]:
    """The advisor profile of ``village``: the profile made on the device (``origin``) that holds the
    village's record — the advisor who keeps that village's file. Before a match is given up, the device
    that first made the village is tried; a store with a single profile serves every village with it."""
    profiles = store.list("profile", order="id") if profiles is None else profiles
    by_origin = {p.origin: p for p in profiles}
    current = store.find(village.id)
    origin = current.origin if current is not None else village.origin
    if origin in by_origin:
        return dict(by_origin[origin].data)
    for revision in store.history(village.id):
        if revision.origin in by_origin:
            return dict(by_origin[revision.origin].data)
    if len(profiles) == 1:
        return dict(profiles[0].data)
    return {}


def find_submission(store: Store, village_id: str, month: str) -> Record | None:
    from .submission import find_submission as find

    return find(store, village_id, month)


def mediation_as_submitted(sub: Record, computed: MediationFigures) -> MediationFigures:
    from .submission import mediation_as_submitted as submitted

    return submitted(sub, computed)  # type: ignore[no-any-return]


def frozen_section(
    store: Store, month: str, village: Record, sec: Section, sub: Record, **kw: Any
) -> Section:
    from .submission import frozen_section as frozen

    return frozen(store, month, village, sec, sub, **kw)


def month_report(
    store: Store,
    month: str,
    village: Record | str | None = None,
    *,
    today: date | None = None,
    progress: Any = None,
    township: Any = None,
) -> MonthReport:
    """The figures of a month's report. ``village`` (a record or a name) limits it to one village; without
    it, a store of several villages gives a township report — of ``township`` (a township.Township), or of
    the store's own township (an office store), else of every village. ``progress(n, total)`` is called
    per village."""
    from ..township import store_township, township_villages

    today = today or days.today()
    if isinstance(village, str):
        village = resolve_village(store, village)
    every = list_villages(store)
    scope = None
    if village is None:
        scope = township or store_township(store)
    if village is not None:
        villages = [village]
    elif scope is not None:
        villages = township_villages(store, scope)
    else:
        villages = every
    labels = village_labels(every)
    profiles = store.list("profile", order="id")
    profile = get_profile(store)
    sections = []
    for n, v in enumerate(villages):
        sec = section(store, month, v, today=today)
        sec.label = labels.get(v.id)
        sec.advisor = advisor_of(store, v, profiles)
        if days.month_over(month, today):  # work entered after the month ended (补录), and the submission
            sec.late = late_entries(store, month, v.id)
            sub = find_submission(store, v.id, month)
            if sub is not None:
                sec = frozen_section(store, month, v, sec, sub, today=today)
        for attr, earlier in (("mediation_last_month", -1), ("mediation_last_year", -12)):
            before = find_submission(store, v.id, month_add(month, earlier))
            if before is not None:  # 上月 and 去年同期 as they were reported
                setattr(sec, attr, mediation_as_submitted(before, getattr(sec, attr)))
        _for_print(store, sec)
        sections.append(sec)
        if progress is not None:
            progress(n + 1, len(villages) + 1)
    total = merge_sections(month, sections) if len(villages) > 1 or (scope and sections) else None
    if total is not None:
        total.store = store
    return MonthReport(month, today, dict(profile.data) if profile else {}, sections, total, scope)


def _for_print(store: Store, sec: Section) -> None:
    """What a village's printed section needs besides its figures: the store (case numbers), the names
    its party fields hold (masked wherever they recur) and its officials (never masked)."""
    from .mask import NameMasker, party_names

    sec.store = store
    village = sec.village
    sec.officials = [
        str(n)
        for n in (
            village.get("secretary") if village else None,
            village.get("director") if village else None,
            village.get("supervisor") if village else None,
            sec.advisor.get("name"),
        )
        if n
    ]
    sec.masker = NameMasker(party_names(store, village.id if village else None), sec.officials)


def has_records(sec: Section) -> bool:
    """Does the section count anything of its month (a session, matter, exercise, log entry or note)?"""
    return bool(
        sec.matter_list
        or sec.sessions
        or sec.exercises
        or sec.services.entries
        or sec.mediation.received
        or sec.notes
    )


def empty_month_warning(store: Store, report: MonthReport, shown: int = 12) -> str | None:
    """A warning when the report's month has no records at all (the PDF would be all zeros), naming the
    months that do have records — of the one village, or of the whole store. None when there is data."""
    if any(has_records(s) for s in report.sections):
        return None
    if len(report.sections) == 1 and not report.township and report.sections[0].village is not None:
        sec = report.sections[0]
        rows = store.select(
            "SELECT DISTINCT month FROM records WHERE village_id = ? AND deleted = 0 AND month IS NOT NULL"
            " AND kind != 'village' ORDER BY month",
            [sec.village.id],
        )
        months = [r[0] for r in rows if r[0]]
        where = sec.name
    else:
        months = store.months()
        where = ""
    month = f"{int(report.month[:4])}年{int(report.month[5:7])}月"
    head = f"警告：{month}{where}没有任何记录，生成的月报各项均为 0。"
    if not months:
        return head + f"{where or '数据中'}还没有任何月份的记录。"
    listed = "、".join(months[-shown:])
    more = f"（共 {len(months)} 个月，此处列出最近 {shown} 个）" if len(months) > shown else ""
    return head + f"{where}有记录的月份：{listed}{more}。请检查 --month。"


def stage_counts(sections: list[Section]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for s in sections:
        out.update(s.matters.by_stage or {})
    return {stage: out.get(stage, 0) for stage in vocab.STAGES}


__all__ = [
    "MediationFigures",
    "MonthReport",
    "Section",
    "ServiceFigures",
    "mediation_figures",
    "month_report",
    "resolve_village",
    "advisor_of",
    "empty_month_warning",
    "section",
    "service_figures",
    "village_choice",
    "village_labels",
]
