"""补录: work dated in a month but entered after it ended (or after the month was submitted).

A month's figures count what had happened by its last day, whenever they are printed (DOMAIN.md §7).
Work keyed in later for that month changes them, and is shown as such: a record is 补录 for a month when
what the month's figures read of it (its date, a stage reached, a case's outcome, a step, a review, as
they stood at the month's end) differs between the revision it had when the month ended — judged by the
revisions' own times, not by the dates typed in them — and the revision it has now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import checklist, days, matters, powers
from .jsontext import loads_strict
from .store import Record, Store

KIND_WORDS = {
    "session": "说事会",
    "matter": "说事事项",
    "power_exercise": "小微权力",
    "service_entry": "服务台账",
}
_ENTRY_FIGURES = (
    "duty",
    "hours",
    "people",
    "topic",
    "channel",
    "doc_type",
    "review_outcome",
    "dispute_type",
    "source",
    "case_form",
    "amount",
    "prevented_criminal_cases",
    "prevented_criminal_people",
    "prevented_petition_cases",
    "prevented_petition_people",
)


@dataclass(frozen=True)
class LateEntry:
    """A record whose part in a month's figures was entered or changed after ``since`` (the month's end,
    or its submission)."""

    record: Record
    entered: date  # the local day of the first such revision
    what: str  # 补录 (new to the month), 修改 (changed), 删除 (deleted)


def month_facts(kind: str, data: dict[str, Any] | None, month: str) -> Any:
    """What the figures of ``month`` read of a record, as it stood at the month's end; None when the
    record does not count in that month."""
    if data is None:
        return None
    end = days.month_end(month)
    in_month = str(data.get("date") or "")[:7] == month
    if kind == "session":
        if not in_month:
            return None
        return (data.get("date"), data.get("format"), sorted((data.get("attendance") or {}).items()))
    if kind == "service_entry":
        if not in_month:
            return None
        closed = checklist.case_closed_on(data)
        concluded = closed is not None and closed <= end.isoformat()
        return (
            data.get("date"),
            tuple(data.get(k) for k in _ENTRY_FIGURES),
            data.get("outcome") if concluded else None,
        )
    if kind == "matter":
        if str(data.get("date") or "")[:7] > month:
            return None
        view = matters.matter_on(data, end)
        if view is None:
            return None
        events = tuple((e.get("stage"), e.get("date"), e.get("deadline")) for e in view.get("events") or [])
        if not in_month and matters.is_closed(view) and max(e[1] for e in events) < f"{month}-01":
            return None  # closed before the month began: not in its figures
        evaluations = tuple((e.get("date"), e.get("evaluation")) for e in view.get("evaluations") or [])
        own = (data.get("date"), data.get("category"), bool(data.get("legal_aspect"))) if in_month else None
        return (own, view.get("stage"), view.get("route"), events, evaluations)
    if kind == "power_exercise":
        steps_in = any(str(s.get("date") or "")[:7] == month for s in data.get("steps") or [])
        if not (in_month or steps_in or powers.reviewed_in(data, month)):
            return None
        view = powers.exercise_on(data, end)
        steps = tuple(
            sorted(
                (s.get("key"), s.get("date"), s.get("end_date"), powers.has_objection(s.get("objections")))
                for s in view.get("steps") or []
            )
        )
        return (
            view.get("item"),
            view.get("date"),
            view.get("amount"),
            view.get("status"),
            steps,
            view.get("reviewed_on") if view.get("advisor_opinion") else None,
        )
    return None


def _candidates(store: Store, month: str, village_id: str | None, since: str) -> list[Record]:
    """Records written at or after ``since`` (a revision string) that may count in ``month``: the month's
    sessions and log entries, and matters and exercises begun by its end."""
    where = (
        "rev >= ? AND ((kind IN ('session', 'service_entry') AND month = ?)"
        " OR (kind IN ('matter', 'power_exercise') AND month <= ?))"
    )
    params: list[Any] = [since, month, month]
    if village_id is not None:
        where = "village_id = ? AND " + where
        params.insert(0, village_id)
    rows = store.select(
        f"SELECT {store._COLUMNS} FROM records WHERE {where} ORDER BY json_extract(data, '$.date'), id",
        params,
    )
    return [store._row_to_record(r) for r in rows]


def _histories(store: Store, ids: Iterable[str]) -> dict[str, list[tuple[str, bool, str]]]:
    """Every revision of each record: (rev, deleted, data text), oldest first."""
    out: dict[str, list[tuple[str, bool, str]]] = {}
    wanted = list(ids)
    for n in range(0, len(wanted), 500):
        chunk = wanted[n : n + 500]
        marks = ",".join("?" * len(chunk))
        for id_, rev, deleted, data in store.select(
            f"SELECT id, rev, deleted, data FROM revisions WHERE id IN ({marks}) ORDER BY id, rev, origin",
            chunk,
        ):
            out.setdefault(id_, []).append((rev, bool(deleted), data))
    return out


def late_entries(
    store: Store, month: str, village_id: str | None = None, *, since_ms: int | None = None
) -> list[LateEntry]:
    """The records whose part in ``month``'s figures was entered or changed after the month ended (or
    after ``since_ms``, a submission's time). Empty while the month runs."""
    cutoff = since_ms if since_ms is not None else days.day_end_ms(days.month_end(month))
    since = f"{cutoff:013d}-00000"
    candidates = [
        r for r in _candidates(store, month, village_id, since) if r.kind in KIND_WORDS and not r.deleted
    ]
    deleted = store.select(
        f"SELECT {store._COLUMNS} FROM records WHERE deleted = 1 AND rev >= ? AND month = ?"
        + (" AND village_id = ?" if village_id is not None else ""),
        [since, month, *([village_id] if village_id is not None else [])],
    )
    candidates += [r for r in map(store._row_to_record, deleted) if r.kind in KIND_WORDS]
    now_facts = {r.id: month_facts(r.kind, None if r.deleted else r.data, month) for r in candidates}
    wanted = [r for r in candidates if now_facts[r.id] is not None or r.deleted]
    if not wanted:
        return []
    histories = _histories(store, (r.id for r in wanted))
    out = []
    for record in wanted:
        revisions = histories.get(record.id, [])
        before = [r for r in revisions if r[0] < since]
        then = None
        if before and not before[-1][1]:
            then = month_facts(record.kind, loads_strict(before[-1][2]), month)
        now = now_facts[record.id]
        if then == now:
            continue
        entered = record.rev
        for rev, was_deleted, text in revisions:
            if rev < since:
                continue
            facts = None if was_deleted else month_facts(record.kind, loads_strict(text), month)
            if facts != then:
                entered = rev
                break
        what = "补录" if then is None else ("删除" if now is None else "修改")
        out.append(LateEntry(record, days.local_day(days.rev_ms(entered)), what))
    return out


__all__ = ["KIND_WORDS", "LateEntry", "late_entries", "month_facts"]
