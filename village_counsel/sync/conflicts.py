"""Conflicts (同步冲突): edits of one record made on two devices from the same starting point.

The highest ``(rev, origin)`` becomes current everywhere; the other edit is never dropped. A revision is
an *open conflict* when it is a leaf of the record's history (no revision was edited from it), is not
the current revision and no later revision resolved it. This is computed from the revisions a store holds,
so two stores that saw the same files list the same conflicts; a stale copy or an ancestor never shows,
and every losing concurrent edit does until a person keeps one version (:func:`resolve`) — which writes
a new revision that names the versions it settles, so the resolution syncs like any edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import RuleError
from ..jsontext import canonical
from ..store import Record, Store

_OPEN = """
FROM revisions r JOIN records c ON c.id = r.id
WHERE (r.rev != c.rev OR r.origin != c.origin)
  AND NOT EXISTS (SELECT 1 FROM revisions k WHERE k.id = r.id AND k.base_rev = r.rev AND k.base_origin = r.origin)
  AND NOT EXISTS (SELECT 1 FROM resolutions s WHERE s.id = r.id AND s.rev = r.rev AND s.origin = r.origin)
"""
_REV_COLUMNS = (
    "r.kind, r.id, r.village_id, r.rev, r.origin, r.updated_at, r.deleted, r.data, r.base_rev, r.base_origin"
)


@dataclass(frozen=True)
class Conflict:
    """One losing version of a record, beside the record's current version."""

    current: Record
    losing: Record
    # a revision that collides with one held (same id, rev and origin, other content): kept aside, shown
    # for a person to look at; ``current`` is then the revision held under that identity
    quarantined: bool = False

    @property
    def id(self) -> str:
        return self.current.id

    @property
    def kind(self) -> str:
        return self.current.kind

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.losing.id, self.losing.rev, self.losing.origin)


def open_conflict_keys(store: Store, id: str | None = None) -> list[tuple[str, str, str]]:
    """(id, rev, origin) of every open losing version, sorted: equal on stores that saw the same files."""
    where, params = ("AND r.id = ?", [id]) if id else ("", [])
    return [
        tuple(r)
        for r in store.select(f"SELECT r.id, r.rev, r.origin {_OPEN} {where} ORDER BY 1, 2, 3", params)
    ]


def count_open_conflicts(store: Store, ids_sql: str | None = None, params: list[Any] | None = None) -> int:
    """How many open conflicts there are, optionally among the ids an SQL subquery returns."""
    where = f"AND r.id IN ({ids_sql})" if ids_sql else ""
    return int(store.select(f"SELECT count(*) {_OPEN} {where}", params or [])[0][0])


def _filters(
    village_column: str, id_column: str, village_id: str | None, id: str | None
) -> tuple[str, list[str]]:
    clauses, params = [], []
    for column, value in ((village_column, village_id), (id_column, id)):
        if value:
            clauses.append(f"AND {column} = ?")
            params.append(value)
    return " ".join(clauses), params


def list_conflicts(store: Store, *, village_id: str | None = None, id: str | None = None) -> list[Conflict]:
    """Every open conflict with both versions, newest first (and the quarantined revisions after them)."""
    where, params = _filters("c.village_id", "r.id", village_id, id)
    rows = store.select(f"SELECT {_REV_COLUMNS} {_OPEN} {where} ORDER BY r.rev DESC, r.origin, r.id", params)
    out = []
    currents: dict[str, Record] = {}
    for row in rows:
        losing = Store._row_to_record(row)
        if losing.id not in currents:
            found = store.find(losing.id)
            assert found is not None
            currents[losing.id] = found
        out.append(Conflict(currents[losing.id], losing))
    return out + list_quarantined(store, village_id=village_id, id=id)


def list_quarantined(store: Store, *, village_id: str | None = None, id: str | None = None) -> list[Conflict]:
    """Revisions quarantined on import, each beside the revision held under the same identity."""
    where, params = _filters("q.village_id", "q.id", village_id, id)
    rows = store.select(
        f"SELECT {_REV_COLUMNS.replace('r.', 'q.')}, {_REV_COLUMNS} FROM quarantine q JOIN revisions r"
        f" ON r.id = q.id AND r.rev = q.rev AND r.origin = q.origin WHERE 1 {where}"
        " ORDER BY q.received_at DESC, q.id",
        params,
    )
    return [
        Conflict(Store._row_to_record(row[10:]), Store._row_to_record(row[:10]), quarantined=True)
        for row in rows
    ]


def resolve(store: Store, id: str, keep: tuple[str, str]) -> Record:
    """Settle every open conflict of record ``id`` by keeping the version ``keep = (rev, origin)`` — the
    current one or one of the losing ones. Writes a new revision (edited from the current one) with the
    kept data, which names every losing version it settles."""
    current = store.find(id)
    open_keys = [(rev, origin) for _, rev, origin in open_conflict_keys(store, id)]
    if current is None or not open_keys:
        raise RuleError("这条记录没有待处理的同步冲突（可能已在别处处理）。")
    if keep != (current.rev, current.origin) and keep not in open_keys:
        raise RuleError("所选版本不是这条记录当前或冲突中的版本。")
    kept = next(r for r in store.history(id) if (r.rev, r.origin) == keep)
    with store.transaction():
        return store.put(
            current.kind,
            kept.data,
            id=id,
            village_id=kept.village_id,
            deleted=kept.deleted,
            resolves=open_keys,
        )


def _quarantine_digest(store: Store, conflict: Conflict) -> list[str]:
    """The quarantine rows of a quarantined conflict's version (by its content)."""
    losing = conflict.losing
    return [
        r[0]
        for r in store.select(
            "SELECT digest FROM quarantine WHERE id = ? AND rev = ? AND origin = ? AND data = ?",
            [losing.id, losing.rev, losing.origin, canonical(losing.data)],
        )
    ]


def adopt_quarantined(store: Store, conflict: Conflict) -> Record:
    """Keep a quarantined version after all (a person checked it with the device): a new revision,
    edited from the current one, with its content; the quarantine row goes."""
    if not conflict.quarantined:
        raise RuleError("这不是被隔离的版本。")
    digests = _quarantine_digest(store, conflict)
    if not digests:
        raise RuleError("这个被隔离的版本已不在隔离列表中（可能已处理）。")
    current = store.find(conflict.id)
    assert current is not None
    with store.transaction():
        store.db.execute(
            "DELETE FROM quarantine WHERE id = ? AND rev = ? AND origin = ? AND digest IN"
            " (SELECT value FROM json_each(?))",
            [conflict.losing.id, conflict.losing.rev, conflict.losing.origin, canonical(digests)],
        )
        return store.put(
            current.kind,
            conflict.losing.data,
            id=conflict.id,
            village_id=conflict.losing.village_id,
            deleted=conflict.losing.deleted,
        )


def dismiss_quarantined(store: Store, conflict: Conflict) -> None:
    """Drop a quarantined version from the list (it stays out of the records, as it was)."""
    if not conflict.quarantined:
        raise RuleError("这不是被隔离的版本。")
    digests = _quarantine_digest(store, conflict)
    if not digests:
        raise RuleError("这个被隔离的版本已不在隔离列表中（可能已处理）。")
    with store.transaction():
        store.db.execute(
            "DELETE FROM quarantine WHERE id = ? AND rev = ? AND origin = ? AND digest IN"
            " (SELECT value FROM json_each(?))",
            [conflict.losing.id, conflict.losing.rev, conflict.losing.origin, canonical(digests)],
        )
