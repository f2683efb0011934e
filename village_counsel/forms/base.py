"""Field and Form, and the validation every write goes through."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from .. import days
from ..errors import ValidationError
from ..names import control_character

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
ID_RE = re.compile(r"^\d{17}[\dXx]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_card_valid(value: str) -> bool:
    """A mainland resident ID number: 18 characters, a real birth date and a matching check digit."""
    if not ID_RE.match(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > days.today():  # a birth date no living resident can have
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17].upper()


@dataclass(frozen=True)
class Field:
    """One field of a form.

    ``type`` is one of: text, longtext, int, float, money, date, choice, multi, bool, phone, idcard, ref,
    counts (a mapping of role → count, e.g. attendance), list (structured rows edited elsewhere).
    """

    name: str
    label: str
    type: str = "text"
    required: bool = False
    choices: Sequence[str] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    column: bool = False  # shown as a list column
    help: str = ""
    ref_kind: str | None = None
    personal: bool = False  # masked in print
    validator: Callable[[Any, dict[str, Any]], str | None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Form:
    kind: str
    title: str
    fields: tuple[Field, ...]
    date_field: str | None = "date"

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def order(self) -> dict[str, int]:
        return {f.name: n for n, f in enumerate(self.fields)}

    @cached_property
    def required_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @cached_property
    def clean_checks(self) -> dict[str, Callable[[Any], bool]]:
        """Per field, a test that a value is already in the form :func:`validate` would store it in."""
        return {f.name: _already_clean(f) for f in self.fields}

    @cached_property
    def validators(self) -> dict[str, Callable[[Any, dict[str, Any]], str | None]]:
        return {f.name: f.validator for f in self.fields if f.validator is not None}

    @property
    def labels(self) -> dict[str, str]:
        return {f.name: f.label for f in self.fields}

    @property
    def columns(self) -> list[Field]:
        return [f for f in self.fields if f.column]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def _clean_one(f: Field, value: Any) -> Any:
    """Normalise one non-empty value, or raise ValueError with a Chinese message."""
    t = f.type
    if t in ("text", "longtext", "ref"):
        value = str(value).strip()
        if f.max_length and len(value) > f.max_length:
            raise ValueError(f"不能超过 {f.max_length} 个字")
        bad = control_character(value, newlines=t == "longtext")
        if bad:  # a newline or an escape code would reach a one-line list, a terminal, a printed page
            raise ValueError(f"含有不可见的控制字符（{bad}）")
        return value
    if t == "int":
        if isinstance(value, bool):
            raise ValueError("应为整数")
        if isinstance(value, str):  # as typed: digits only (int() would also take "1_0" or other scripts)
            text = value.translate(_FULL_WIDTH).strip()
            if not _INT_TEXT.fullmatch(text):
                raise ValueError("应为整数")
            value = text
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError("应为整数")
        _check_range(f, number)
        return number
    if t in ("float", "money"):
        if isinstance(value, bool):
            raise ValueError("应为数字")
        if isinstance(value, str):  # as typed: 1234.5 or 1,234.50 (float() would take "1e1", "1_0", "inf")
            text = value.translate(_FULL_WIDTH).strip().replace(",", "")
            if not _DECIMAL_TEXT.fullmatch(text):
                raise ValueError("应为数字")
            value = text
        try:
            amount = float(str(value).strip().replace(",", "").replace("，", ""))
        except ValueError:
            raise ValueError("应为数字")
        if amount != amount or amount in (float("inf"), float("-inf")):
            raise ValueError("应为数字")
        _check_range(f, amount)
        return round(amount, 2)
    if t == "date":
        text = str(value).strip()
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("日期格式应为 年-月-日，例如 2026-11-05")
    if t == "choice":
        text = str(value).strip()
        if text not in f.choices:
            raise ValueError(f"应为以下之一：{'、'.join(f.choices)}")
        return text
    if t == "multi":
        items = [str(v).strip() for v in (value if isinstance(value, list | tuple) else [value])]
        bad = [v for v in items if f.choices and v not in f.choices]
        if bad:
            raise ValueError(f"“{bad[0]}”不是可选项")
        return items
    if t == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "是", "yes", "y"):
            return True
        if text in ("0", "false", "否", "no", "n"):
            return False
        raise ValueError("应为 是 或 否")
    if t == "phone":
        text = str(value).strip().replace(" ", "")
        if not PHONE_RE.match(text):
            raise ValueError("电话号码格式不对（手机 11 位，或区号-号码）")
        return text
    if t == "idcard":
        text = str(value).strip().upper()
        if not id_card_valid(text):
            raise ValueError("身份证号不正确（应为 18 位，出生日期与校验位须有效）")
        return text
    if t == "counts":
        if not isinstance(value, dict):
            raise ValueError("应为各类人数")
        out: dict[str, int] = {}
        for k, v in value.items():
            if _empty(v):
                continue
            try:
                n = int(v)
            except (TypeError, ValueError):
                raise ValueError(f"“{k}”人数应为整数")
            if n < 0:
                raise ValueError(f"“{k}”人数不能为负")
            if n:
                out[str(k)] = n
        return out
    if t == "list":
        if not isinstance(value, list):
            raise ValueError("格式不对")
        return value
    raise ValueError(f"未知字段类型 {t}")


@lru_cache(maxsize=8192)
def is_iso_date(text: str) -> bool:
    """``text`` is a real date written YYYY-MM-DD (cached: an import checks the same dates many times)."""
    try:
        return len(text) == 10 and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _already_clean(f: Field) -> Callable[[Any], bool]:
    """A fast test that ``_clean_one(f, value)`` would return ``value`` unchanged (same type, same text)
    and no error — None passes where validation keeps None. It may say False for a clean value (then the
    full validation decides); it must never say True for a value validation would change or refuse."""
    t, low, high, limit = f.type, f.min, f.max, f.max_length

    def in_range(n: float) -> bool:
        return (low is None or n >= low) and (high is None or n <= high)

    if t in ("text", "longtext", "ref"):
        lines = t == "longtext"
        return lambda v: (
            v is None
            or (
                type(v) is str
                and v != ""
                and not v[0].isspace()
                and not v[-1].isspace()
                and (not limit or len(v) <= limit)
                and (v.isprintable() or control_character(v, newlines=lines) is None)
            )
        )
    if t == "int":
        return lambda v: v is None or (type(v) is int and in_range(v))
    if t in ("float", "money"):
        return lambda v: (
            v is None
            or (type(v) is float and v == v and in_range(v) and abs(v) != float("inf") and round(v, 2) == v)
        )
    if t == "date":
        return lambda v: v is None or (type(v) is str and is_iso_date(v))
    if t == "choice":
        choices = frozenset(c for c in f.choices if isinstance(c, str))
        return lambda v: v is None or (type(v) is str and v in choices)
    if t == "multi":
        options = frozenset(f.choices)
        return lambda v: (
            type(v) is list
            and all(type(x) is str and (x in options if options else (x != "" and x == x.strip())) for x in v)
        )
    if t == "bool":
        return lambda v: v is None or type(v) is bool
    if t == "phone":
        return lambda v: v is None or (type(v) is str and PHONE_RE.match(v) is not None and v.strip() == v)
    if t == "idcard":
        return lambda v: (
            v is None or (type(v) is str and len(v) == 18 and v == v.upper() and id_card_valid(v))
        )
    if t == "counts":
        return lambda v: (
            type(v) is dict and all(type(k) is str and type(n) is int and n > 0 for k, n in v.items())
        )
    if t == "list":
        return lambda v: type(v) is list
    return lambda v: False


def is_clean(form: Form, values: dict[str, Any]) -> bool:
    """True when :func:`validate` would return ``values`` unchanged without an error: every field value
    already clean, every required field filled, every cross-field check passed. An import checks each
    revision this way first (most are clean: another copy of this program wrote them) and validates
    fully only when it says False."""
    checks = form.clean_checks
    for key, value in values.items():
        check = checks.get(key)
        if check is not None and not check(value):  # (a key that is not a field passes through)
            return False
    # A present value passed its check, so it is empty only as None, [] or {}.
    for name in form.required_names:
        value = values.get(name)
        if value is None or value == [] or value == {}:
            return False
    for key, validator in form.validators.items():
        value = values.get(key)
        if value is not None and value != [] and value != {} and validator(value, values):
            return False
    return True


# Full-width digits, signs, point and comma (as a Chinese input method may type them) read as ASCII; no
# other look-alikes (①, ², ⑩ are not numbers a person types).
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－．，　", "0123456789+-., ")
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _check_range(f: Field, number: float) -> None:
    if f.min is not None and number < f.min:
        raise ValueError(f"不能小于 {f.min:g}")
    if f.max is not None and number > f.max:
        raise ValueError(f"不能大于 {f.max:g}")


def validate(form: Form, values: dict[str, Any], *, required: Sequence[str] = ()) -> dict[str, Any]:
    """Return the cleaned values of ``form`` or raise :class:`ValidationError` naming every bad field.

    ``required`` adds fields that are required in this situation (e.g. a stage's fields). Keys that are
    not fields of the form pass through untouched (links, stage history)."""
    errors: dict[str, str] = {}
    by_name = form.by_name
    clean: dict[str, Any] = {}
    # Only the keys present are cleaned (an import validates every revision: most fields are absent).
    for key, value in values.items():
        f = by_name.get(key)
        if f is None:
            clean[key] = value  # not a field of the form: passes through
            continue
        if _empty(value):
            clean[key] = (
                None if f.type not in ("multi", "counts", "list") else ([] if f.type != "counts" else {})
            )
            continue
        try:
            clean[key] = _clean_one(f, value)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if f.validator:
            message = f.validator(clean[key], values)
            if message:
                errors[key] = message
    for name in (*form.required_names, *required):
        if name in by_name and _empty(values.get(name)):
            errors[name] = "必须填写"
    if errors:
        order = form.order
        errors = dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))
    if errors:
        raise ValidationError(errors, form.labels)
    return clean
