"""Villages (村) and the advisor's profile (法律顾问) — records like every other, synced with the rest."""

from __future__ import annotations

from typing import Any

from .errors import NotFound, RuleError, ValidationError
from .forms import form_for, validate
from .store import Record, Store


def create_village(
    store: Store, values: dict[str, Any], *, at_ms: int | None = None, id: str | None = None
) -> Record:
    clean = validate(form_for("village"), values)
    if village_by_name(store, clean["name"]) is not None:
        raise ValidationError({"name": f"已有名为“{clean['name']}”的村"}, form_for("village").labels)
    village_id = id or store.new_id()
    return store.put("village", clean, id=village_id, village_id=village_id, at_ms=at_ms)


def update_village(store: Store, village_id: str, values: dict[str, Any]) -> Record:
    current = store.get("village", village_id)
    clean = validate(form_for("village"), {**current.data, **values})
    other = village_by_name(store, clean["name"])
    if other is not None and other.id != village_id:
        raise ValidationError({"name": f"已有名为“{clean['name']}”的村"}, form_for("village").labels)
    return store.put("village", clean, id=village_id)


def why_not_delete(store: Store, village_id: str) -> str | None:
    """Why a village cannot be deleted here, or None: it holds records (deleting it would leave them without
    a village, on every device the deletion syncs to), or it came from another device (which may hold
    records of it this store has not seen)."""
    village = store.get("village", village_id)
    first = store.select(
        "SELECT origin FROM revisions WHERE id = ? ORDER BY rev, origin LIMIT 1", [village_id]
    )
    if first and first[0][0] != store.device_id:
        return (
            f"“{village.get('name')}”是从其他设备的同步文件导入的：在这里删除，同步后也会删掉对方的村"
            "（对方的记录都在那个村下），所以不能在本机删除"
        )
    held = store.select(
        "SELECT count(*) FROM records WHERE village_id = ? AND kind != 'village' AND deleted = 0",
        [village_id],
    )[0][0]
    if held:
        return f"“{village.get('name')}”还有 {held} 条记录（说事、小微权力、台账等），不能删除"
    return None


def delete_village(store: Store, village_id: str) -> Record:
    """Delete a village added here by mistake that holds nothing; RuleError saying why not otherwise
    (:func:`why_not_delete`)."""
    reason = why_not_delete(store, village_id)
    if reason:
        raise RuleError(reason)
    return store.delete("village", village_id)


def list_villages(store: Store) -> list[Record]:
    return store.list("village", order="json_extract(data, '$.name'), id")


def village_by_name(store: Store, name: str) -> Record | None:
    found = store.list("village", where="json_extract(data, '$.name') = ?", params=[name])
    return found[0] if found else None


def village_names(store: Store) -> dict[str, str]:
    """village id → the name to show (same-name villages told apart, see :func:`village_labels`),
    tombstoned villages included (their records may still be listed)."""
    return village_labels(store.list("village", include_deleted=True, order="id"))


def require_village(store: Store, village_id: str) -> Record:
    try:
        return store.get("village", village_id)
    except NotFound:
        raise ValidationError({"village_id": "所选村不存在"}, {"village_id": "村"})


def get_profile(store: Store) -> Record | None:
    """This device's advisor profile, or None before the first-run welcome."""
    profile_id = store.get_local("profile_id")
    if profile_id:
        record = store.find(profile_id)
        if record is not None and not record.deleted:
            return record
    return None


def set_profile(store: Store, values: dict[str, Any], *, at_ms: int | None = None) -> Record:
    current = get_profile(store)
    clean = validate(form_for("profile"), {**(current.data if current else {}), **values})
    with store.transaction():
        record = store.put("profile", clean, id=current.id if current else None, at_ms=at_ms)
        store.set_local("profile_id", record.id)
    return record


ID_SHOWN = 8  # characters of a village id shown to tell same-name villages apart


def village_labels(villages: list[Record]) -> dict[str, str]:
    """village id → the name to print: the name, or, where several villages share it, the name with its
    township (or, when that does not tell them apart either, the first characters of its id)."""
    by_name: dict[str, list[Record]] = {}
    for v in villages:
        by_name.setdefault(v["name"], []).append(v)
    labels: dict[str, str] = {}
    for name, group in by_name.items():
        if len(group) == 1:
            labels[group[0].id] = name
            continue
        towns = [v.get("township") or "" for v in group]
        for v, town in zip(group, towns, strict=True):
            if town and towns.count(town) == 1:
                labels[v.id] = f"{name}（{town}）"
            else:
                labels[v.id] = f"{name}（{town + ' ' if town else ''}{v.id[:ID_SHOWN]}）"
    return labels
