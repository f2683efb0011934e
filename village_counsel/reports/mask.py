"""Masking of personal data in print (DOMAIN.md §6): 330225********1234, 138****5678, 王*明.

Printed pages carry masked names, phones and ID-card numbers by default; free text is scrubbed of
anything that looks like an ID-card or phone number, and of the names the record itself holds."""

from __future__ import annotations

import re
from collections.abc import Iterable

_ID_RE = re.compile(r"(?<![0-9])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9])")
_ID15_RE = re.compile(r"(?<![0-9])(\d{6})(\d{6})(\d{3})(?![0-9])")
_MOBILE_RE = re.compile(r"(?<![0-9])(1[3-9]\d)(\d{4})(\d{4})(?![0-9])")
_LANDLINE_RE = re.compile(r"(?<![0-9])(0\d{2,3}-?)(\d{3,4})(\d{4})(?![0-9])")
_SEPARATORS = re.compile(r"([、，,；;/\s]+)")


def mask_id(value: str | None) -> str:
    """An ID-card number as 330225********1234 (region and last four kept)."""
    if not value:
        return ""
    text = str(value).strip()
    if len(text) == 18:
        return text[:6] + "*" * 8 + text[-4:]
    if len(text) == 15:
        return text[:6] + "*" * 6 + text[-3:]
    return "*" * len(text) if len(text) <= 4 else text[:2] + "*" * (len(text) - 4) + text[-2:]


def mask_phone(value: str | None) -> str:
    """A phone number as 138****5678 (landlines: area code and last four kept)."""
    if not value:
        return ""
    text = str(value).strip().replace(" ", "")
    if len(text) == 11 and text.isdigit():
        return text[:3] + "****" + text[-4:]
    m = _LANDLINE_RE.fullmatch(text)
    if m:
        return m.group(1) + "*" * len(m.group(2)) + m.group(3)
    return "*" * max(len(text) - 4, 0) + text[-4:]


# A 责任人 or 主持人 is often written as an office (村主任, 党支部书记, 村委会), not a person: an office acting
# as such is not personal data, and 村*任 helps no one.
_OFFICE = re.compile(
    r".{0,8}(主任|书记|委员|委员会|村委|两委|支部|会计|出纳|文书|组长|干部|调解员|网格员|联络员|专职|小组|村委会)"
)


def is_office(value: str | None) -> bool:
    return bool(value) and _OFFICE.fullmatch(str(value).strip()) is not None


def mask_name(value: str | None) -> str:
    """One person's name: 王*明, 王*（two characters）, 欧阳**锋 keeps first and last character; an office
    (村主任, 党支部书记) is left as it is."""
    if not value:
        return ""
    name = str(value).strip()
    if len(name) <= 1 or is_office(name):
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_names(value: str | None) -> str:
    """Several names separated by 、，; and spaces, each masked, separators kept."""
    if not value:
        return ""
    parts = _SEPARATORS.split(str(value).strip())
    return "".join(p if _SEPARATORS.fullmatch(p) else mask_name(p) for p in parts)


def mask_text(value: str | None, names: Iterable[str | None] = ()) -> str:
    """Free text with ID-card and phone numbers masked, and each of ``names`` replaced by its mask."""
    if not value:
        return ""
    text = str(value)
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-4:], text)
    text = _ID15_RE.sub(lambda m: m.group(1) + "*" * 6 + m.group(3), text)
    text = _MOBILE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = _LANDLINE_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    singles = set()
    for raw in names:
        for part in _SEPARATORS.split(raw or ""):
            if part and not _SEPARATORS.fullmatch(part) and len(part) >= 2 and not is_office(part):
                singles.add(part)
    for name in sorted(singles, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text


__all__ = ["mask_id", "mask_name", "mask_names", "mask_phone", "mask_text"]
