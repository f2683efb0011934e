"""法律顾问工作清单: the service log (服务台账) and, per period, what the duties require, what is done and due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from . import days, vocab
from .catalog import Duty, load_catalog
from .days import month_bounds
from .errors import ValidationError
from .forms import form_for, validate
from .store import Record, Store
from .villages import require_village

MEDIATION_DUTY = "矛盾纠纷调解"
REVIEW_DUTY = "合法性审查"
SESSION_DUTY = "参与村民说事"


# Duties that claim presence in the village: an entry says how it was given (现场, 电话, 微信), and only
# the ones given 现场 count as days and hours on site.
PRESENCE_DUTIES = ("驻村服务", "公共法律服务点值班", "走访")


def required_for(duty: Any) -> tuple[str, ...]:
    """The fields an entry of ``duty`` must have besides the form's own (a mediation case's dispute type
    and source, for the national statistics; a review's document type; how a presence was given)."""
    if duty == MEDIATION_DUTY:
        return ("dispute_type", "source")
    if duty == REVIEW_DUTY:
        return ("doc_type",)
    if duty in PRESENCE_DUTIES:
        return ("channel",)
    return ()


# Every field some duty requires besides the form's own (required_for), once each.
DUTY_REQUIRED = tuple(
    dict.fromkeys(f for d in (MEDIATION_DUTY, REVIEW_DUTY, *PRESENCE_DUTIES) for f in required_for(d))
)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    catalog = load_catalog()
    form = form_for("service_entry")
    required = list(required_for(values.get("duty")))
    if values.get("duty") == MEDIATION_DUTY and values.get("source") == vocab.CASE_REFERRED:
        required.append("referred_by")  # 公安, 法院 or 政府部门: the statistics split them
    clean = validate(form, values, required=required)
    if catalog.duty_by_name(clean["duty"]) is None:
        raise ValidationError({"duty": f"应为以下之一：{'、'.join(catalog.duty_names)}"}, form.labels)
    from .cases import clean_parties

    clean.update(clean_parties(clean))
    return clean


def _number_case(store: Store, village_id: str, clean: dict[str, Any], before: Record | None) -> None:
    """A mediation case takes its place in its committee-year's numbers (案号) when first logged, and
    again when its year or village changes."""
    from .cases import next_seq

    if clean.get("duty") != MEDIATION_DUTY:
        return
    same = (
        before is not None
        and before.get("case_seq")
        and str(before.get("date") or "")[:4] == str(clean.get("date") or "")[:4]
        and before.village_id == village_id
    )
    if not same:
        clean["case_seq"] = next_seq(store, village_id, clean, before.id if before else None)


def _closing_day(clean: dict[str, Any], before: Record | None) -> None:
    """A case given its outcome is closed on a day (结案日期, by which month-end figures count it): the
    day given, else the case's own date when it is logged with its outcome, else today (an outcome
    recorded later). Without an outcome there is no closing day."""
    if not clean.get("outcome"):
        clean.pop("closed_on", None)
        return
    if clean.get("closed_on"):
        return
    kept = before.get("closed_on") if before is not None and before.get("outcome") else None
    clean["closed_on"] = kept or (clean["date"] if before is None else max(clean["date"], days.iso_today()))


def case_closed_on(entry: Record | dict[str, Any]) -> str | None:
    """The day a mediation case was concluded (调解成功, 调解不成 or 终止), or None while it is open. A
    case recorded before closing days were kept counts as concluded on its own date."""
    data = entry.data if isinstance(entry, Record) else entry
    if not data.get("outcome"):
        return None
    return str(data.get("closed_on") or data.get("date") or "") or None


def log_service(
    store: Store,
    village_id: str,
    values: dict[str, Any],
    *,
    at_ms: int | None = None,
    _link_back: bool = True,
) -> Record:
    """Log one service entry (一次一记)."""
    require_village(store, village_id)
    clean = _clean(values)
    _closing_day(clean, None)
    with store.transaction():
        _number_case(store, village_id, clean, None)
        record = store.put("service_entry", clean, village_id=village_id, at_ms=at_ms)
        if _link_back:
            _close_linked_matter(store, None, record, at_ms)
    return record


def update_service(
    store: Store, entry_id: str, values: dict[str, Any], *, at_ms: int | None = None
) -> Record:
    current = store.get("service_entry", entry_id)
    clean = _clean({**current.data, **values})
    _closing_day(clean, current)
    with store.transaction():
        _number_case(store, current.village_id or "", clean, current)
        record = store.put("service_entry", clean, id=entry_id, at_ms=at_ms)
        _close_linked_matter(store, current, record, at_ms)
    return record


def _close_linked_matter(store: Store, before: Record | None, after: Record, at_ms: int | None) -> None:
    """A mediation entry from a 说事 matter that gets its outcome moves the matter on (enter once)."""
    from .matters import linked_record_closed

    matter_id = after.get("matter_id")
    if not matter_id or not after.get("outcome") or (before is not None and before.get("outcome")):
        return
    result = f"转人民调解：{after['outcome']}" + (f"（{after['result']}）" if after.get("result") else "")
    linked_record_closed(
        store, matter_id, result, after.get("closed_on") or after["date"], source_id=after.id, at_ms=at_ms
    )


def mediation_from_matter(matter: dict[str, Any], day: str, matter_id: str) -> dict[str, Any]:
    """A mediation entry pre-filled from a matter routed 转调解 (enter once)."""
    return {
        "date": day,
        "duty": MEDIATION_DUTY,
        "people": 1,
        "names": matter.get("raiser"),
        "applicants": [
            {k: v for k, v in (("name", matter.get("raiser")), ("phone", matter.get("raiser_phone"))) if v}
        ]
        if matter.get("raiser")
        else [],
        "content": matter.get("content"),
        "dispute_type": vocab.CATEGORY_TO_DISPUTE.get(matter.get("category", ""), "其他"),
        "source": "主动调解",
        "case_form": "口头",
        "matter_id": matter_id,
    }


# --- progress -----------------------------------------------------------------------------------------------


@dataclass
class DutyProgress:
    duty: Duty
    period: str  # e.g. 2026-11, 2026-Q4, 2026
    required: int | None  # None for on-demand duties
    done: int
    due: int  # still to do in the period
    overdue: int  # what should have been done by now and was not
    # what counts towards ``required``: per village at most its own share (a village that did more than
    # its share does not make up for one that did nothing); equal to ``done`` when no village did more
    met: int

    @property
    def complete(self) -> bool:
        """Every village has done its share (summed over villages: none still owes anything)."""
        return self.required is None or self.due == 0


def _period(duty: Duty, month: str) -> tuple[str, date, date]:
    first, last = month_bounds(month)
    if duty.frequency == "quarterly":
        q = (first.month - 1) // 3
        start = date(first.year, q * 3 + 1, 1)
        return f"{first.year}年第{q + 1}季度", start, month_bounds(f"{first.year}-{q * 3 + 3:02d}")[1]
    if duty.frequency == "yearly":
        return f"{first.year}年", date(first.year, 1, 1), date(first.year, 12, 31)
    return f"{first.year}年{first.month}月", first, last


def _mondays(start: date, end: date) -> list[date]:
    day = start + timedelta(days=(7 - start.weekday()) % 7)
    out = []
    while day <= end:
        out.append(day)
        day += timedelta(days=7)
    return out


def counted_span(duty: Duty, month: str) -> tuple[date, date]:
    """The days whose entries count for ``duty`` in ``month``'s view: the month; for a quarterly or yearly
    duty its quarter or year up to the month's end; for a weekly duty the weeks that start in the month,
    each whole (a week belongs to the month of its Monday: one running into the next month is neither
    lost nor counted twice)."""
    _, start, end = _period(duty, month)
    if duty.frequency == "weekly":
        weeks = _mondays(start, end)
        return weeks[0], weeks[-1] + timedelta(days=6)
    return start, min(end, month_bounds(month)[1])


def progress(
    store: Store, month: str, village_id: str | None = None, *, today: date | None = None
) -> list[DutyProgress]:
    """Each duty's required / done / due / overdue for the month (for the whole quarter or year for
    quarterly and yearly duties, counted up to the month's end; for weekly duties, the weeks that start in
    the month). With no village: summed over villages."""
    today = today or days.today()
    catalog = load_catalog()
    village_ids = (
        [village_id]
        if village_id
        else [v[0] for v in store.select("SELECT id FROM records WHERE kind = 'village' AND deleted = 0")]
    )
    _, month_end = month_bounds(month)
    out = []
    began: dict[str, date | None] = {}
    for duty in catalog.duties.values():
        label, _, end = _period(duty, month)
        start, counted_to = counted_span(duty, month)
        weeks = _mondays(start, counted_to) if duty.frequency == "weekly" else []
        # what is owed is judged as of the counted period's end (or today, if earlier), as matters.figures
        # does: a past month's view must not count as late a quarterly duty whose quarter was still running
        as_of = min(today, counted_to + timedelta(days=1))
        # one village: filter on it, so the (kind, village_id, month) index is used (a township report
        # asks for each of its 400 villages in turn)
        rows = store.select(
            "SELECT village_id, json_extract(data, '$.date'), count(*) FROM records"
            " WHERE kind = 'service_entry' AND deleted = 0"
            + (" AND village_id = ?" if village_id else "")
            + " AND month BETWEEN ? AND ? AND json_extract(data, '$.duty') = ?"
            " AND json_extract(data, '$.date') BETWEEN ? AND ? GROUP BY 1, 2",
            [
                *([village_id] if village_id else []),
                start.isoformat()[:7],
                counted_to.isoformat()[:7],
                duty.name,
                start.isoformat(),
                counted_to.isoformat(),
            ],
        )
        if duty.name == REVIEW_DUTY:  # the advisor's written review of a 小微权力 exercise is one too
            rows += store.select(
                "SELECT village_id, json_extract(data, '$.reviewed_on'), count(*) FROM records"
                " WHERE kind = 'power_exercise' AND deleted = 0"
                + (" AND village_id = ?" if village_id else "")
                + " AND json_extract(data, '$.advisor_opinion') IS NOT NULL"
                " AND json_extract(data, '$.reviewed_on') BETWEEN ? AND ? GROUP BY 1, 2",
                [*([village_id] if village_id else []), start.isoformat(), counted_to.isoformat()],
            )
        done_by_village: dict[str, int] = {}
        # a weekly duty is owed week by week: three shifts in one week do not make up for two missed
        by_week: dict[str, dict[date, int]] = {}
        for vid, day, n in rows:
            done_by_village[vid] = done_by_village.get(vid, 0) + n
            if weeks:
                monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
                week = by_week.setdefault(vid, {})
                week[monday] = week.get(monday, 0) + n
        required_total: int | None = None if duty.frequency == "on_demand" else 0
        done_total = due_total = overdue_total = met_total = 0
        for vid in village_ids:
            done = done_by_village.get(vid, 0)
            done_total += done
            if duty.frequency == "on_demand":
                continue
            if vid not in began:
                began[vid] = activity_start(store, vid)
            since = began[vid]
            assert required_total is not None
            if duty.frequency == "weekly":
                q = duty.quantity
                per_week = by_week.get(vid, {})
                required = len(weeks) * q
                met = sum(min(per_week.get(w, 0), q) for w in weeks)
                # a week is owed once it has ended, and only since the advisor began work in the village
                late = sum(
                    max(0, q - per_week.get(w, 0))
                    for w in weeks
                    if w + timedelta(days=6) < as_of and since and w + timedelta(days=6) >= since
                )
            else:
                required = duty.quantity
                met = min(done, required)
                owed = required if end < as_of and since and end >= since else 0
                late = max(0, owed - done)
            required_total += required
            met_total += met
            due_total += required - met
            overdue_total += late
        out.append(DutyProgress(duty, label, required_total, done_total, due_total, overdue_total, met_total))
    return out


def activity_start(store: Store, village_id: str) -> date | None:
    """The first day anything was recorded for a village: nothing is owed for the time before it
    (a new store must not open with weeks of 逾期 duties). Walks the (kind, village_id, month) index."""
    first: str | None = None
    for kind in ("session", "matter", "power_exercise", "service_entry"):
        month = store.select(
            "SELECT min(month) FROM records WHERE kind = ? AND village_id = ? AND deleted = 0",
            [kind, village_id],
        )[0][0]
        if month is None:
            continue
        day = store.select(
            "SELECT min(json_extract(data, '$.date')) FROM records"
            " WHERE kind = ? AND village_id = ? AND month = ? AND deleted = 0",
            [kind, village_id, month],
        )[0][0]
        if day and (first is None or day < first):
            first = day
    return date.fromisoformat(first) if first else None


def entries(
    store: Store, month: str | None = None, village_id: str | None = None, duty: str | None = None
) -> list[Record]:
    where, params = "", []
    if duty:
        where, params = "json_extract(data, '$.duty') = ?", [duty]
    return store.list("service_entry", village_id=village_id, month=month, where=where, params=params)


def counted_entries(store: Store, month: str, village_id: str | None, duty_name: str) -> list[Record]:
    """The entries that count for a duty in ``month``'s view (:func:`counted_span`): what its progress
    counts, so a figure and the list behind it agree."""
    duty = next((d for d in load_catalog().duties.values() if d.name == duty_name), None)
    if duty is None:
        return entries(store, month, village_id, duty_name)
    start, end = counted_span(duty, month)
    return store.list(
        "service_entry",
        village_id=village_id,
        where="month BETWEEN ? AND ? AND json_extract(data, '$.duty') = ?"
        " AND json_extract(data, '$.date') BETWEEN ? AND ?",
        params=[start.isoformat()[:7], end.isoformat()[:7], duty_name, start.isoformat(), end.isoformat()],
    )
