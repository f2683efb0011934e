"""Finding the record to print from what a person types: its id, a unique start of its id, or its number
(a power exercise's P01-2026-001; a matter's session number and position, 说事-2026-11-01-2)."""

from __future__ import annotations

from ..errors import NotFound
from ..matters import session_matters
from ..store import Record, Store
from ..villages import village_names
from .figures import resolve_village

MIN_PREFIX = 6


def _by_id(store: Store, kind: str, ref: str, village: Record | None) -> list[Record]:
    record = store.find(ref)
    if record is not None and record.kind == kind and not record.deleted:
        return [record]
    if len(ref) < MIN_PREFIX or not all(c in "0123456789abcdef-" for c in ref.lower()):
        return []
    return store.list(
        kind,
        village_id=village.id if village else None,
        where="id LIKE ? ESCAPE '\\'",
        params=[ref.lower().replace("%", "\\%").replace("_", "\\_") + "%"],
    )


# How to narrow an ambiguous number down to one village: the window's words by default; the command line
# passes its own (--village).
CHOOSE_VILLAGE = "请先选定所在的村"


def _one(
    store: Store, found: list[Record], what: str, ref: str, village: Record | None, choose: str
) -> Record:
    """The one record found, else NotFound saying why (``choose``: how to name the village)."""
    if not found:
        within = f"在{village.get('name') or '所选村'}中" if village else ""
        raise NotFound(f"{within}找不到{what}“{ref}”（可输入记录编号或 ID）")
    if len(found) > 1:
        names = village_names(store)
        where = "、".join(sorted({names.get(r.village_id or "", "?") for r in found}))
        raise NotFound(f"“{ref}”对应多条{what}（{where}）：{choose}，或输入完整 ID")
    return found[0]


def find_exercise(
    store: Store, ref: str, village_name: str | None = None, *, choose: str = CHOOSE_VILLAGE
) -> Record:
    """A power exercise by id, id prefix or number."""
    ref = ref.strip()
    village = resolve_village(store, village_name)
    found = _by_id(store, "power_exercise", ref, village)
    if not found:
        found = store.list(
            "power_exercise",
            village_id=village.id if village else None,
            where="json_extract(data, '$.number') = ?",
            params=[ref],
        )
    return _one(store, found, "小微权力事项", ref, village, choose)


def matter_number(store: Store, matter: Record) -> str:
    """A matter's printable number: its session's number and its place in the session."""
    session = store.find(matter.get("session_id") or "")
    if session is None or session.deleted:  # (no hex id on paper: the day it was raised)
        return f"{matter.get('date') or ''}提出事项"
    ids = [m.id for m in session_matters(store, session.id)]
    position = ids.index(matter.id) + 1 if matter.id in ids else 0
    return f"{session.get('number') or session.id[:8]}-{position}"


def find_matter(
    store: Store, ref: str, village_name: str | None = None, *, choose: str = CHOOSE_VILLAGE
) -> Record:
    """A 说事 matter by id, id prefix or number (说事-2026-11-01-2)."""
    ref = ref.strip()
    village = resolve_village(store, village_name)
    found = _by_id(store, "matter", ref, village)
    if not found and "-" in ref:
        session_number, _, position = ref.rpartition("-")
        if position.isdigit():
            sessions = store.list(
                "session",
                village_id=village.id if village else None,
                where="json_extract(data, '$.number') = ?",
                params=[session_number],
            )
            for session in sessions:
                items = session_matters(store, session.id)
                if 1 <= int(position) <= len(items):
                    found.append(items[int(position) - 1])
    return _one(store, found, "说事事项", ref, village, choose)


def find_case(
    store: Store, ref: str, village_name: str | None = None, *, choose: str = CHOOSE_VILLAGE
) -> Record:
    """A mediation case (a service-log entry of duty 矛盾纠纷调解) by its case number （2026）上张人调字第 3 号,
    its id or an id prefix."""
    from ..cases import find_by_number

    ref = ref.strip()
    village = resolve_village(store, village_name)
    found = [r for r in find_by_number(store, ref) if village is None or r.village_id == village.id]
    if not found:
        found = [r for r in _by_id(store, "service_entry", ref, village) if r.get("duty") == "矛盾纠纷调解"]
    return _one(store, found, "调解案件", ref, village, choose)
