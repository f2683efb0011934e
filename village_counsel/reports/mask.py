"""Masking of personal data in print (DOMAIN.md §6): 330225********1234, 138****5678, 王*明.

Printed pages carry masked names, phones and ID-card numbers by default; free text is scrubbed of
anything that looks like an ID-card or phone number, and of the names the record itself holds."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import Store

# Numbers as people type them: ASCII or full-width digits, grouped by spaces or dashes (330225 19800101
# 1234, 139-1234-5678), a mobile with +86 in front. Separators only where people put them, so a date
# followed by a number (2026-11-05 1391234) is not taken for an ID.
_D = "[0-9０-９]"
_S = "[ \u00a0\u3000\\-－]?"
_NOT_DIGIT_BEFORE = "(?<![0-9０-９])"
_NOT_DIGIT_AFTER = "(?![0-9０-９])"
_ID_RE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}({_D}{{6}}{_S}{_D}{{4}}{_S}{_D}{{4}}{_S}{_D}{{3}}[0-9０-９XxＸｘ]){_NOT_DIGIT_AFTER}"
)
_ID15_RE = re.compile(rf"{_NOT_DIGIT_BEFORE}({_D}{{6}}{_S}{_D}{{6}}{_S}{_D}{{3}}){_NOT_DIGIT_AFTER}")
_MOBILE_RE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}((?:[+＋]?(?:86|８６)[ \u3000\\-－]?)?)([1１][3-9３-９]{_D}{_S}{_D}{{4}}{_S}{_D}{{4}}){_NOT_DIGIT_AFTER}"
)
_LANDLINE_RE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}([0０]{_D}{{2,3}}{_S})({_D}{{3,4}}{_S}{_D}{{4}}){_NOT_DIGIT_AFTER}"
)
_BANK_RE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}({_D}{{4}}(?:{_S}{_D}{{4}}){{3}}(?:{_S}{_D}{{1,3}})?){_NOT_DIGIT_AFTER}"
)
_ASCII = str.maketrans("０１２３４５６７８９ＸｘＸ＋", "0123456789XXX+")
_NOT_DIGITS = re.compile(r"[^0-9X]")
OMITTED = "（略）"


def _digits(text: str) -> str:
    return _NOT_DIGITS.sub("", text.translate(_ASCII).upper())


def _mask_numbers(text: str, drop: bool = False) -> str:
    """ID-card, phone and bank-account numbers in ``text`` masked (330225********1234, 138****5678,
    6222********1234), or with ``drop`` left out altogether (a notice prints none of them)."""

    def ident(m: re.Match[str]) -> str:
        if drop:
            return OMITTED
        d = _digits(m.group(1))
        return d[:6] + "*" * (len(d) - 10) + d[-4:] if len(d) == 18 else d[:6] + "*" * 6 + d[-3:]

    def mobile(m: re.Match[str]) -> str:
        if drop:
            return OMITTED
        prefix = "+86 " if m.group(1) else ""
        d = _digits(m.group(2))
        return prefix + d[:3] + "****" + d[-4:]

    def landline(m: re.Match[str]) -> str:
        if drop:
            return OMITTED
        d = _digits(m.group(2))
        return _digits(m.group(1)) + "-" + "*" * (len(d) - 4) + d[-4:]

    def bank(m: re.Match[str]) -> str:
        d = _digits(m.group(1))
        return OMITTED if drop else d[:4] + "*" * (len(d) - 8) + d[-4:]

    if not any(c.isdigit() for c in text):  # (full-width digits are digits too)
        return text
    text = _ID_RE.sub(ident, text)
    text = _ID15_RE.sub(ident, text)
    text = _MOBILE_RE.sub(mobile, text)
    text = _BANK_RE.sub(bank, text)
    return _LANDLINE_RE.sub(landline, text)


_SEPARATORS = re.compile(r"([、，,；;/\s]+)")


def mask_id(value: str | None) -> str:
    """An ID-card number as 330225********1234 (region and last four kept), however it was typed."""
    if not value:
        return ""
    text = str(value).strip()
    digits = _digits(text)
    if len(digits) == 18:
        return digits[:6] + "*" * 8 + digits[-4:]
    if len(digits) == 15:
        return digits[:6] + "*" * 6 + digits[-3:]
    return "*" * len(text) if len(text) <= 4 else text[:2] + "*" * (len(text) - 4) + text[-2:]


def mask_phone(value: str | None) -> str:
    """A phone number as 138****5678 (landlines: area code and last four kept), however it was typed."""
    if not value:
        return ""
    text = str(value).strip()
    masked = _mask_numbers(text)
    if masked != text:
        return masked
    digits = _digits(text)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


# A 责任人 or 主持人 is often written as an office (村主任, 党支部书记, 村委会), not a person: an office acting
# as such is not personal data, and 村*任 helps no one. An official named with their office (王建国书记,
# 村委委员王某, 联村干部张三) acts in that office and is never masked (DOMAIN.md §6). A person named with
# other words around the name (村民王建国, 王建国户, 王建国等3人, 王建国（户主）) is a villager: the name is
# masked, the words around it kept — and the bare name is masked in free text.
_TITLES = (
    "主任|副主任|书记|副书记|支书|委员|委员会|村委会|居委会|监委会|委会|村委|监委|总支|两委|两委班子|支部|"
    "会计|出纳|文书|小组长|组长|干部|调解员|网格员|联络员|专职|小组|村长|镇长|乡长|社长|主席|会长|合作社|"
    "政府|司法所|派出所|大会|集体"
)
_TITLE = re.compile(rf"(.*?)({_TITLES})$")
# What may stand before a title in an office's name: places, bodies and ranks, not a person's name.
_OFFICE_WORDS = (
    "村|镇|乡|街道|社区|党|党员|党支部|支部|党总支|两委|村委|村委会|村民委员会|村民|居民|人民|监委会|村务监督|"
    "村务监督委员会|联村|驻村|治保|妇女|妇联|民兵|调解|调委会|网格|综治|经济|股份|经济合作社|合作社|专职|"
    "[一二三四五六七八九十0-9]+组|第[一二三四五六七八九十0-9]+|副|总"
)
_OFFICE_PREFIX = re.compile(rf"(?:{_OFFICE_WORDS})*")
# Words around a name in a name field (who the person is, or for whom they stand).
_BEFORE_NAME = re.compile(  # (an office's title first: 村民小组长 is one, not 村民 and then a name)
    rf"^(?:(?:{_OFFICE_WORDS})*(?:{_TITLES})|村民代表|村民|居民|群众|党员|户主|被申请人|申请人|当事人|甲方|"
    rf"乙方|律师|法律顾问|队长)[：:]?"
)
_AFTER_NAME = re.compile(
    r"(?:户主|一户|户|一家|家庭|家属|家|夫妇|父子|母子|父女|母女|兄弟|姐妹|之妻|妻子|老人|同志|先生|女士|代表|律师|"
    r"等[0-9〇一二三四五六七八九十两]*[人户名]?|等村民|等群众|[（(][^）)]*[）)])+$"
)
# Words for groups of people, not a person: never masked as a name (经村民代表会议 stays as it is).
_GROUPS = re.compile(r"(?:村民代表|村民|居民|群众|党员干部|党员|代表|干部|匿名|[（(]匿名[）)])+")
_NAME = re.compile(r"[\u4e00-\u9fff·]{2,5}")


def _split_title(value: str) -> tuple[str, str] | None:
    """(who, title) of a name that ends in an office's title, the places and bodies before the title
    counted in it (李海波村主任 → 李海波, 村主任); None when it does not end in a title."""
    match = _TITLE.fullmatch(value)
    if not match:
        return None
    who, title = match.group(1), match.group(2)
    for n in range(len(who)):  # the longest tail of ``who`` that is an office's own words
        if _OFFICE_PREFIX.fullmatch(who[n:]):
            return who[:n], who[n:] + title
    return who, title


def is_office(value: str | None) -> bool:
    """An office, not a person: a title alone, or after places and bodies (村主任, 党支部书记, 三组组长,
    村民委员会); a surname and a title (张主任) count as one too — it names the office-holder, as villagers
    do (a person whose given name is itself a title, 李文书, is printed as it is: rare, and unavoidable)."""
    if not value:
        return False
    parts = _split_title(str(value).strip())
    if parts is None:
        return False
    who = parts[0].strip()
    return len(who) <= 1 or _OFFICE_PREFIX.fullmatch(who) is not None


# An official's office written before the name (村委委员王某, 联村干部张三, 法律顾问李律师).
_OFFICE_FIRST = re.compile(rf"^(?:(?:{_OFFICE_WORDS})*(?:{_TITLES})|法律顾问|联村干部|驻村干部)[：:]?")


def is_official(value: str | None) -> bool:
    """An office, or a person named by their office (王建国书记, 村委委员王某): never masked."""
    if not value:
        return False
    text = str(value).strip()
    if is_office(text):
        return True
    parts = _split_title(text)
    if parts is not None and _NAME.fullmatch(parts[0].strip() or "-"):
        return True
    head = _OFFICE_FIRST.match(text)
    return head is not None and _NAME.fullmatch(text[head.end() :]) is not None


def _person(value: str) -> tuple[str, str, str] | None:
    """(before, name, after) of a name field holding one person's name with words around it; None when
    no name can be told from the words."""
    text = value.strip()
    after = ""
    parts = _split_title(text)
    if parts is not None and len(parts[0].strip()) >= 2:
        text, after = parts[0].strip(), parts[1]
    tail = _AFTER_NAME.search(text)
    if tail and tail.start() >= 2:
        text, after = text[: tail.start()], text[tail.start() :] + after
    head = _BEFORE_NAME.match(text)
    before = ""
    if head and len(text) - head.end() >= 2:
        before, text = text[: head.end()], text[head.end() :]
    return (before, text, after) if _NAME.fullmatch(text) else None


def mask_name(value: str | None, officials: Iterable[str | None] = ()) -> str:
    """One person's name: 王*明, 王*（two characters）, 欧阳**锋 keeps first and last character; an office
    (村主任, 党支部书记) or an official named by office (王建国书记) is left as it is, as is a name in
    ``officials`` (the village's secretary, its director, the advisor); the words around a name are kept
    (村民王*国)."""
    if not value:
        return ""
    name = str(value).strip()
    if len(name) <= 1 or is_official(name) or _GROUPS.fullmatch(name) or name in set(officials):
        return name
    pieces = re.split(r"([和与及])", name)
    if len(pieces) > 1 and all(_person(p) for p in pieces[::2]):  # 王建国和李明: two people
        return "".join(mask_name(p, officials) if n % 2 == 0 else p for n, p in enumerate(pieces))
    found = _person(name)
    if found is not None:
        before, person, after = found
        return before + _mask_person(person) + after
    return _mask_person(name)


def _mask_person(name: str) -> str:
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_names(value: str | None, officials: Iterable[str | None] = ()) -> str:
    """Several names separated by 、，; and spaces, each masked, separators kept."""
    if not value:
        return ""
    parts = _SEPARATORS.split(str(value).strip())
    return "".join(p if _SEPARATORS.fullmatch(p) else mask_name(p, officials) for p in parts)


def person_names(names: Iterable[str | None]) -> set[str]:
    """The bare names of the people the name fields ``names`` hold (村民王建国 → 王建国; 王建国和李明 →
    both and the whole), leaving out offices, officials and groups."""
    singles: set[str] = set()
    for raw in names:
        for field in re.split(r"[、，,；;/\s：:]+", raw or ""):
            # 王建国和李明 is two people, but 王和平 is one: split on 和/与/及 only into names, and keep the
            # whole as well
            pieces = re.split(r"[和与及]", field)
            parts = [field, *pieces] if len(pieces) > 1 and all(len(p) >= 2 for p in pieces) else [field]
            for part in parts:
                if len(part) < 2 or is_official(part) or _GROUPS.fullmatch(part):
                    continue
                found = _person(part)
                # the name itself (村民王建国 is 王建国 in the text); a field that is no name a person
                # could be told from is masked as it stands
                singles.add(found[1] if found is not None else part)
    return singles


class NameMasker:
    """Masks a fixed set of people's names wherever they occur (one pattern for all: a village's report
    masks the names every party field of the village holds in every text it prints)."""

    def __init__(self, names: Iterable[str | None] = (), officials: Iterable[str | None] = ()) -> None:
        keep = {str(o).strip() for o in officials if o}
        self.names = person_names(names) - keep
        ordered = sorted(self.names, key=len, reverse=True)
        self._masks = {n: mask_name(n) for n in ordered}
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._masks[m.group(0)], text)


def mask_text(
    value: str | None,
    names: Iterable[str | None] = (),
    *,
    known: NameMasker | None = None,
    drop_numbers: bool = False,
) -> str:
    """Free text with ID-card, phone and bank-account numbers masked (however typed: spaces, dashes, +86,
    full-width digits) — or left out with ``drop_numbers`` — and each of ``names`` (and of ``known``,
    the village's) replaced by its mask."""
    if not value:
        return ""
    text = _mask_numbers(str(value), drop_numbers)
    own = NameMasker(names)
    if known is not None and known.names:
        extra = own.names - known.names
        text = known(text)
        if not extra:
            return text
        own = NameMasker(extra)
    return own(text)


def party_names(store: Store, village_id: str | None) -> list[str]:
    """Every name held in a party field of the village's records (the raiser of a matter, the people and
    parties of a service entry, a case's applicants and respondents, an exercise's applicant and
    recipients): masked wherever they recur in a report's free text."""
    where = "deleted = 0" + (" AND village_id = ?" if village_id else "")
    params = [village_id] if village_id else []
    scalar = {
        "matter": ("raiser",),
        "service_entry": ("names", "parties"),
        "power_exercise": ("applicant",),
    }
    out: set[str] = set()
    for kind, keys in scalar.items():
        cols = ", ".join(f"json_extract(data, '$.{k}')" for k in keys)
        for row in store.select(f"SELECT {cols} FROM records WHERE kind = ? AND {where}", [kind, *params]):
            out.update(v for v in row if isinstance(v, str) and v)
    for kind, key in (
        ("service_entry", "applicants"),
        ("service_entry", "respondents"),
        ("power_exercise", "recipients"),
    ):
        rows = store.select(
            f"SELECT json_extract(j.value, '$.name') FROM records, json_each(records.data, '$.{key}') AS j "
            f"WHERE kind = ? AND {where} AND json_type(records.data, '$.{key}') = 'array'",
            [kind, *params],
        )
        out.update(r[0] for r in rows if isinstance(r[0], str) and r[0])
    return sorted(out)


__all__ = [
    "NameMasker",
    "is_official",
    "mask_id",
    "mask_name",
    "mask_names",
    "mask_phone",
    "mask_text",
    "party_names",
    "person_names",
]
