"""The audit trail of a record: who changed which field when, from what to what, computed from the
revisions the store keeps (its own and imported ones, so the trail syncs with the record)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import RuleError
from .forms import FORMS
from .store import Changes, Store


@dataclass(frozen=True)
class FieldChange:
    rev: str
    origin: str
    updated_at: str
    field: str
    label: str
    before: Any
    after: Any


def field_changes(store: Store, record_id: str) -> list[FieldChange]:
    """Every field change of a record, oldest first; a revision is compared with the one it was edited
    from (its base), so concurrent edits from two devices each show their own changes."""
    revisions = store.history(record_id)
    by_key = {(r.rev, r.origin): r for r in revisions}
    out: list[FieldChange] = []
    for r in revisions:
        base = by_key.get((r.base_rev, r.base_origin)) if r.base_rev else None
        before = base.data if base else {}
        labels = FORMS[r.kind].labels if r.kind in FORMS else {}
        for key in sorted(set(before) | set(r.data)):
            if before.get(key) != r.data.get(key):
                out.append(
                    FieldChange(
                        r.rev,
                        r.origin,
                        r.updated_at,
                        key,
                        labels.get(key, key),
                        before.get(key),
                        r.data.get(key),
                    )
                )
        if base is not None and base.deleted != r.deleted:
            out.append(
                FieldChange(r.rev, r.origin, r.updated_at, "deleted", "已删除", base.deleted, r.deleted)
            )
        elif base is None and r.deleted:
            out.append(FieldChange(r.rev, r.origin, r.updated_at, "deleted", "已删除", False, True))
    return out


def undo_last(store: Store) -> Changes:
    """Undo the last operation made through this store object: every record it wrote goes back to the
    revision it was edited from (a record it created becomes a tombstone). The undo is itself an
    operation, so undoing again redoes. Refused when a record was changed since (e.g. by an import)."""
    if store.last_operation is None:
        raise RuleError("没有可以撤销的修改")
    first: dict[str, tuple[str | None, str | None]] = {}
    last: dict[str, tuple[str, str, str]] = {}
    for id_, rev, origin in store.last_operation:
        row = store.select(
            "SELECT kind, base_rev, base_origin FROM revisions WHERE id = ? AND rev = ? AND origin = ?",
            [id_, rev, origin],
        )
        if not row:  # a restore replaced the store's revisions since
            raise RuleError("无法撤销：相关记录之后又被修改过（例如从备份恢复了数据）")
        kind, base_rev, base_origin = row[0]
        first.setdefault(id_, (base_rev, base_origin))
        last[id_] = (kind, rev, origin)
    changes = Changes()
    with store.transaction():
        for id_, (kind, rev, origin) in last.items():
            current = store.find(id_)
            if current is None or (current.rev, current.origin) != (rev, origin):
                raise RuleError("无法撤销：相关记录之后又被修改过（例如导入了新的同步文件）")
            base_rev, base_origin = first[id_]
            if base_rev is None:
                changes.add(store.put(kind, current.data, id=id_, deleted=True))
                continue
            base = next((r for r in store.history(id_) if (r.rev, r.origin) == (base_rev, base_origin)), None)
            if base is None:
                raise RuleError("无法撤销：找不到修改前的版本")
            changes.add(store.put(kind, base.data, id=id_, deleted=base.deleted))
    return changes
