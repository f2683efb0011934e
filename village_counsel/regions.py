"""The National Bureau of Statistics' division codes (统计用区划代码) for Zhejiang: counties, townships,
villages and communities (DOMAIN.md §7), shipped as ``resources/regions/zhejiang.tsv``.

A village's code has 12 digits: county 6 + township 3 + village 3 (西周镇 = 330225102). The list names
villages as their committees (弘瀛村委会, 振瀛居委会); the program shows 弘瀛村, 振瀛社区.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .errors import NotFound
from .paths import resource

COUNTY, TOWNSHIP, VILLAGE = 6, 9, 12
LEVEL_WORDS = {2: "省", 4: "市", COUNTY: "县（市、区）", TOWNSHIP: "乡镇（街道）", VILLAGE: "村（社区）"}


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # as the program shows it (村, 社区)
    listed: str  # as the list writes it (村委会, 居委会)

    @property
    def level(self) -> int:
        return len(self.code)


def display_name(listed: str) -> str:
    """弘瀛村委会 → 弘瀛村, 上张村村民委员会 → 上张村, 振瀛居委会 → 振瀛社区, 滨港社区居委会 → 滨港社区."""
    for suffix, word in (
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居民委员会", "社区"),
        ("居委会", "社区"),
        ("委员会", ""),
    ):
        if listed.endswith(suffix) and len(listed) > len(suffix):
            base = listed[: -len(suffix)]
            return base if not word or base.endswith(word) else base + word
    return listed


@lru_cache(maxsize=1)
def _places() -> dict[str, Place]:
    out: dict[str, Place] = {}
    path = resource("regions", "zhejiang.tsv")
    for line in path.read_text(encoding="utf-8").splitlines():
        code, _, listed = line.partition("\t")
        if code and listed:
            out[code] = Place(code, display_name(listed) if len(code) == VILLAGE else listed, listed)
    return out


def place(code: str) -> Place | None:
    return _places().get(code)


def counties() -> list[Place]:
    return [p for c, p in sorted(_places().items()) if len(c) == COUNTY]


def children(code: str) -> list[Place]:
    """The townships of a county, or the villages of a township, in code order."""
    want = {COUNTY: TOWNSHIP, TOWNSHIP: VILLAGE}.get(len(code))
    if want is None:
        return []
    return [p for c, p in sorted(_places().items()) if len(c) == want and c.startswith(code)]


def county_of(code: str) -> Place | None:
    return place(code[:COUNTY])


def township_of(code: str) -> Place | None:
    return place(code[:TOWNSHIP])


def village(code: str) -> Place:
    """The village or community of a 12-digit code; NotFound (Chinese) for an unknown code or one of
    another level."""
    code = code.strip()
    if not code.isdigit() or not code.isascii():
        raise NotFound(f"“{code}”不是统计用区划代码：村（社区）代码为 12 位数字，例如 330225102201")
    found = place(code)
    if len(code) != VILLAGE:
        level = LEVEL_WORDS.get(len(code))
        what = f"{found.name}（{level}）" if found and level else (level or f"{len(code)} 位数字")
        raise NotFound(f"{code} 是{what}的代码，不是村（社区）的：村（社区）代码为 12 位数字")
    if found is None:
        raise NotFound(f"浙江省的村（社区）名单中没有代码 {code}")
    return found


def township(ref: str) -> Place | None:
    """A township by its 9-digit code or its name (None when none or several have that name)."""
    ref = ref.strip()
    if ref.isdigit():
        found = place(ref)
        return found if found is not None and found.level == TOWNSHIP else None
    named = [p for c, p in _places().items() if len(c) == TOWNSHIP and p.name == ref]
    return named[0] if len(named) == 1 else None


def search(text: str, within: str = "", limit: int = 200) -> list[Place]:
    """Villages whose name (or listed name or code) contains ``text``, within a county or township code."""
    text = text.strip()
    out = []
    for code, p in sorted(_places().items()):
        if len(code) != VILLAGE or not code.startswith(within):
            continue
        if not text or text in p.name or text in p.listed or code.startswith(text):
            out.append(p)
            if len(out) >= limit:
                break
    return out


__all__ = ["Place", "children", "counties", "display_name", "place", "search", "township", "village"]
