"""The audit trail of a record: who changed which field when, from what to what, computed from the
revisions the store keeps (its own and imported ones, so the trail syncs with the record)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .forms import FORMS
from .store import Store


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
