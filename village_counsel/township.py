"""Township scope (乡镇): a 司法所's store covers one township — the villages whose national code starts
with the township's 9 digits (or, for a village not in the list, that carry its name). The store's own
township is a local setting, chosen at ``keys office-init --township`` or in 设置; reports of an office
store print that township's villages, and any one township on request."""

from __future__ import annotations

from dataclasses import dataclass

from . import regions
from .errors import NotFound
from .store import Record, Store
from .villages import list_villages

LOCAL_KEY = "township"  # the store's township: its 9-digit code, or a name for one not in the list


@dataclass(frozen=True)
class Township:
    name: str
    code: str | None = None  # 9 digits, when the township is in the national list

    @property
    def office(self) -> str:
        """Its 司法所."""
        return f"{self.name}司法所"

    def holds(self, village: Record) -> bool:
        code = str(village.get("code") or "")
        if self.code and code:
            return code.startswith(self.code)
        return (village.get("township") or "") == self.name

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）" if self.code else self.name


def _from_village(village: Record) -> Township | None:
    code = str(village.get("code") or "")
    if len(code) == regions.VILLAGE:
        place = regions.township_of(code)
        return Township(place.name if place else str(village.get("township") or code[:9]), code[:9])
    name = village.get("township")
    return Township(str(name)) if name else None


def store_townships(store: Store) -> list[Township]:
    """The townships of the store's villages."""
    found: dict[tuple[str, str | None], Township] = {}
    for village in list_villages(store):
        town = _from_village(village)
        if town is not None:
            found.setdefault((town.name, town.code), town)
    # a township named by code by some villages and by name only by others is one township
    coded = {t.name for t in found.values() if t.code}
    return sorted(
        (t for t in found.values() if t.code or t.name not in coded), key=lambda t: (t.code or "", t.name)
    )


def resolve_township(store: Store, ref: str) -> Township:
    """A township of the store by its name or 9-digit code; NotFound (Chinese) naming those it has."""
    ref = ref.strip()
    towns = store_townships(store)
    picked = [t for t in towns if ref in (t.name, t.code)]
    if len(picked) == 1:
        return picked[0]
    if len(picked) > 1:
        raise NotFound(
            f"有 {len(picked)} 个乡镇名为“{ref}”："
            + "、".join(t.label for t in picked)
            + "。请用 9 位代码指定"
        )
    shown = "、".join(t.label for t in towns[:10]) + ("等" if len(towns) > 10 else "")
    raise NotFound(f"数据中没有乡镇“{ref}”" + (f"；现有：{shown}" if towns else "；数据中还没有村"))


def store_township(store: Store) -> Township | None:
    """The township this (office) store covers, or None."""
    value = store.get_local(LOCAL_KEY)
    if not value:
        return None
    if value.isdigit():
        place = regions.place(value)
        if place is not None:
            return Township(place.name, value)
    for town in store_townships(store):
        if value in (town.name, town.code):
            return town
    return Township(value)


def set_store_township(store: Store, ref: str | None) -> Township | None:
    """Choose the township this store covers (None or empty: none). A township of the national list (by
    9-digit code or unique name) or of the store's villages; NotFound otherwise."""
    if not ref or not ref.strip():
        store.set_local(LOCAL_KEY, "")
        return None
    ref = ref.strip()
    town: Township | None = None
    place = regions.township(ref)
    if place is not None:
        town = Township(place.name, place.code)
    else:
        try:
            town = resolve_township(store, ref)
        except NotFound:
            if ref.isdigit():
                raise NotFound(f"{ref} 不是浙江省乡镇（街道）的代码（乡镇代码为 9 位数字，例如 330225102）")
            raise NotFound(f"找不到乡镇“{ref}”：名单中没有或有多个同名，请用 9 位代码，例如 330225102")
    store.set_local(LOCAL_KEY, town.code or town.name)
    return town


def township_villages(store: Store, town: Township) -> list[Record]:
    return [v for v in list_villages(store) if town.holds(v)]


__all__ = [
    "Township",
    "resolve_township",
    "set_store_township",
    "store_township",
    "store_townships",
    "township_villages",
]
