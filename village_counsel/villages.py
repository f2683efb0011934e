"""Villages (村) and the advisor's profile (法律顾问) — records like every other, synced with the rest.

A village from the national list (DOMAIN.md §7) carries its 12-digit code, and its record id is derived
from the code: two stores that add the same village hold one village, and sync merges them. Villages made
before (random ids, the same village twice) are joined by :func:`merge_villages`."""

from __future__ import annotations

import uuid
from typing import Any

from . import regions
from .errors import NotFound, RuleError, ValidationError
from .forms import form_for, validate
from .store import KINDS, Changes, Record, Store

# Village ids derived from national codes: the same code gives the same id on every device.
CODE_NAMESPACE = uuid.UUID("0b6c1d52-8f0e-4a4e-9a7c-3d5e2f1a9c60")


def village_id_for_code(code: str) -> str:
    return str(uuid.uuid5(CODE_NAMESPACE, f"village/{code}"))


def _same_name(store: Store, clean: dict[str, Any], village_id: str | None) -> Record | None:
    """Another village of this name in the same township (two townships may each have a 东村)."""
    for other in store.list("village", where="json_extract(data, '$.name') = ?", params=[clean["name"]]):
        if other.id == village_id:
            continue
        if other.get("code") and clean.get("code"):
            continue  # two places of the national list: told apart by their codes (the list repeats names)
        if (other.get("township") or "") == (clean.get("township") or "") or not (
            other.get("township") and clean.get("township")
        ):
            return other
    return None


def values_for_code(code: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A village's values from the national list (name, township, county, 司法所), ``extra`` over them;
    NotFound (Chinese) for an unknown code or one of another level."""
    place = regions.village(code)
    town = regions.township_of(place.code)
    county = regions.county_of(place.code)
    values: dict[str, Any] = {"name": place.name, "code": place.code}
    if town is not None:
        values.update(township=town.name, judicial_office=f"{town.name}司法所")
    if county is not None:
        values["county"] = county.name
    return {**values, **{k: v for k, v in (extra or {}).items() if v not in (None, "")}}


def create_village(
    store: Store, values: dict[str, Any], *, at_ms: int | None = None, id: str | None = None
) -> Record:
    """A village. With a national ``code`` its record id comes from the code (name, township and county
    from the list unless given); a village not in the list gets a random id."""
    code = str(values.get("code") or "").strip()
    if code:
        try:
            values = values_for_code(code, values)
        except NotFound as exc:
            raise ValidationError({"code": str(exc)}, form_for("village").labels) from None
    clean = validate(form_for("village"), values)
    if code:
        existing = store.find(village_id_for_code(code))
        if existing is not None and not existing.deleted:
            raise ValidationError(
                {"code": f"“{existing.get('name')}”（{code}）已经添加过"}, form_for("village").labels
            )
    if _same_name(store, clean, None) is not None:
        raise ValidationError({"name": f"已有名为“{clean['name']}”的村"}, form_for("village").labels)
    village_id = village_id_for_code(code) if code else (id or store.new_id())
    return store.put("village", clean, id=village_id, village_id=village_id, at_ms=at_ms)


def update_village(store: Store, village_id: str, values: dict[str, Any]) -> Record:
    current = store.get("village", village_id)
    clean = validate(form_for("village"), {**current.data, **values})
    if (clean.get("code") or None) != (current.get("code") or None) and current.get("code"):
        raise ValidationError(
            {"code": "村的统计用区划代码不能修改（记录编号由它而来）"}, form_for("village").labels
        )
    if _same_name(store, clean, village_id) is not None:
        raise ValidationError({"name": f"已有名为“{clean['name']}”的村"}, form_for("village").labels)
    return store.put("village", clean, id=village_id)


def village_by_code(store: Store, code: str) -> Record | None:
    """The store's village of a national code (by its derived id, else by the code it carries)."""
    record = store.find(village_id_for_code(code))
    if record is None or record.kind != "village":
        found = store.list("village", where="json_extract(data, '$.code') = ?", params=[code])
        return found[0] if found else None
    return followed(store, record)


def followed(store: Store, village: Record) -> Record | None:
    """A village, or — for one merged into another (:func:`merge_villages`) — the one it lives on as."""
    seen = set()
    while village.deleted and village.get("merged_into") and village.id not in seen:
        seen.add(village.id)
        target = store.find(village["merged_into"])
        if target is None or target.kind != "village":
            return None
        village = target
    return None if village.deleted else village


MOVED_KINDS = tuple(k for k in KINDS if k not in ("village", "profile"))


def merge_villages(store: Store, keep_id: str, other_id: str) -> Changes:
    """Join a village made twice (before villages had national codes, or by two advisors) into one:
    every record of ``other`` moves to ``keep``; ``other`` becomes a tombstone that names ``keep``, so
    both ids keep resolving (to ``keep``). Run again after records of ``other`` arrive from a device that
    had not seen the merge. RuleError for a village merged into itself."""
    keep = store.get("village", keep_id)
    other = store.get("village", other_id, include_deleted=True)
    if keep.id == other.id:
        raise RuleError(f"不能把“{keep.get('name')}”合并到它自己")
    if other.deleted and other.get("merged_into") not in (None, keep.id):
        raise RuleError(f"“{other.get('name')}”已合并到另一个村，不能再合并到“{keep.get('name')}”")
    if other.deleted and not other.get("merged_into"):
        raise RuleError(f"“{other.get('name')}”已删除")
    changes = Changes()
    with store.transaction():
        for kind in MOVED_KINDS:
            for record in store.list(kind, village_id=other.id, include_deleted=True):
                if kind == "submission":
                    _move_submission(store, record, keep.id, changes)
                    continue
                changes.add(
                    store.put(kind, record.data, id=record.id, village_id=keep.id, deleted=record.deleted)
                )
        filled = {k: v for k, v in other.data.items() if v not in (None, "") and keep.get(k) in (None, "")}
        filled.pop("merged_into", None)
        if filled and not (filled.get("code") and keep.get("code")):
            changes.add(store.put("village", {**keep.data, **filled}, id=keep.id))
        if not other.deleted:
            changes.add(
                store.put("village", {**other.data, "merged_into": keep.id}, id=other.id, deleted=True)
            )
    return changes


def _move_submission(store: Store, record: Record, keep_id: str, changes: Changes) -> None:
    """A submission's id comes from its village and month: it is written anew under the kept village
    (unless that village submitted the month itself), and the old one becomes a tombstone."""
    from .reports.submission import submission_id

    target = submission_id(keep_id, str(record.get("month")))
    if not record.deleted and store.find(target) is None:
        changes.add(store.put("submission", record.data, id=target, village_id=keep_id))
    changes.add(store.put("submission", record.data, id=record.id, village_id=keep_id, deleted=True))


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


def village_rows(store: Store) -> list[dict[str, Any]]:
    """``villages list --json``: each village's id, code, name, township and county."""
    return [
        {
            "id": v.id,
            "code": v.get("code"),
            "name": v.get("name"),
            "township": v.get("township"),
            "county": v.get("county"),
        }
        for v in list_villages(store)
    ]


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
