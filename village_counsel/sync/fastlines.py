"""A fast path for verifying revision lines: typed decoding with ``msgspec``, in C.

The import must store, for every line, exactly what :func:`.members.record_row` gives: the line's fields
checked, its ``data`` validated with the kind's form (:func:`village_counsel.forms.validate`), checked
for structure (:mod:`village_counsel.shapes`) and written as canonical JSON. Most lines come from another
copy of this program, so their data is already clean and canonical; for those, this module reaches the
same row several times faster, and for every other line it says ``None`` and the full path decides.

How it stays exact:
- Every kind's ``data`` is decoded into a struct generated from its form (:func:`_form_struct`): each
  field typed so that a value decodes only if :func:`validate` would keep it as it is (stripped text
  within its length, a choice, a real date, a number in range and rounded to cents, …), plus the
  cross-field checks and the structure checks of :mod:`village_counsel.shapes`. Keys that are neither a
  field nor a key this program writes are refused here (the full path lets them pass through).
- The stored text is the struct encoded with sorted keys, compactly: the canonical text orjson writes
  for the same values (floats are only accepted in ranges where the two write them alike; msgspec's only
  conversion, an integer read into a float field, is validation's too).
- The line is decoded in the same step, by its ``kind`` (a tagged union): exactly the keys the exporter
  writes, no conflict resolutions; a repeated key counts once, the last, as orjson reads it. Its
  identity fields are then checked by the same code as on the full path.

``tests/unit/test_fastlines.py`` checks, for random and hostile lines, that whenever this path gives a
row, the full path gives the same one.
"""

from __future__ import annotations

import datetime
import functools
import math
import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from .. import vocab
from ..forms import FORMS
from ..forms.base import Field, Form, id_card_valid
from ..forms.definitions import EXERCISE_STEP, PARTY, month_check
from ..names import control_character

_INT64 = {"ge": -(2**63), "le": 2**63 - 1}
# A float is written alike by msgspec and orjson when it has no exponent: 1e-4 <= |x| < 1e16, or 0.
_FLOAT_LIMIT = 1e15
_TEXT_TYPES = ("text", "longtext", "ref")
_PHONE = r"\A(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})\Z"
_ID_CARD = r"\A[0-9]{17}[0-9X]\Z"
_MONTH = r"\A(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])\Z"

Link = Annotated[str, Meta(min_length=1, max_length=64)]
# A value this program writes but validation does not look at (a matter's decided_on, an event's route):
# any JSON scalar, except floats (their text could differ between JSON libraries).
Scalar = str | Annotated[int, Meta(**_INT64)] | bool | None


def _text(limit: int | None) -> Any:
    """Text within its length; that it is stripped is checked after (:func:`_stripped`: faster than a
    pattern per field, which msgspec runs through ``re``)."""
    return Annotated[str, Meta(min_length=1, max_length=limit) if limit else Meta(min_length=1)]


def _stripped(names: tuple[str, ...], multiline: frozenset[str] = frozenset()) -> Callable[[Any], None]:
    def check(self: Any) -> None:
        for name in names:
            value = getattr(self, name)
            if type(value) is str and (value[0].isspace() or value[-1].isspace()):  # (never empty)
                raise ValueError(f"{name}: not stripped")
            if (
                type(value) is str
                and not value.isprintable()
                and control_character(value, newlines=name in multiline) is not None
            ):
                raise ValueError(f"{name}: control characters")

    return check


def _number(f: Field, base: type) -> Any:
    low = f.min if f.min is not None else (-_FLOAT_LIMIT if base is float else _INT64["ge"])
    high = f.max if f.max is not None else (_FLOAT_LIMIT if base is float else _INT64["le"])
    if base is float:
        low, high = max(low, -_FLOAT_LIMIT), min(high, _FLOAT_LIMIT)
    else:  # (a fractional bound: the whole numbers within it)
        low, high = max(math.ceil(low), _INT64["ge"]), min(math.floor(high), _INT64["le"])
    return Annotated[base, Meta(ge=low, le=high)]


def _value_type(f: Field) -> tuple[Any, bool] | None:
    """The type a clean value of ``f`` decodes as, and whether null is clean too; None when this path
    does not cover the field's type."""
    t = f.type
    if t in _TEXT_TYPES:
        return _text(f.max_length), True
    if t == "int":
        return _number(f, int), True
    if t in ("float", "money"):
        return _number(f, float), True
    if t == "date":
        return datetime.date, True
    if t == "choice":
        choices = tuple(c for c in f.choices if isinstance(c, str) and c and c == c.strip())
        return (Literal[choices], True) if choices else None  # type: ignore[valid-type]
    if t == "bool":
        return bool, True
    if t == "phone":
        return Annotated[str, Meta(pattern=_PHONE)], True
    if t == "idcard":
        return Annotated[str, Meta(pattern=_ID_CARD)], True
    if t == "counts":  # validation keeps a mapping of positive counts; it turns null into {}
        return dict[str, Annotated[int, Meta(gt=0, le=_INT64["le"])]], False
    return None  # multi, list: their own structure (see _extra for the lists this program writes)


def _rounded(names: tuple[str, ...]) -> Callable[[Any], None]:
    def check(self: Any) -> None:
        for name in names:
            value = getattr(self, name)
            if type(value) is float and round(value, 2) != value:
                raise ValueError(f"{name}: not rounded to cents")

    return check


def _not_before(name: str, other: str) -> Callable[[Any], None]:
    def check(self: Any) -> None:
        value, start = getattr(self, name), getattr(self, other)
        if value and start and type(start) is datetime.date and value < start:
            raise ValueError(f"{name} before {other}")

    return check


def _valid_id_card(name: str) -> Callable[[Any], None]:
    def check(self: Any) -> None:
        value = getattr(self, name)
        if isinstance(value, str) and not id_card_valid(value):
            raise ValueError(f"{name}: not a valid ID number")

    return check


# The cross-field checks of the forms (forms/definitions.py), by validator: each a check on the struct.
def _field_checks(form: Form) -> list[Callable[[Any], None]] | None:
    checks: list[Callable[[Any], None]] = []
    money = tuple(f.name for f in form.fields if f.type in ("float", "money"))
    if money:
        checks.append(_rounded(money))
    for f in form.fields:
        if f.type == "idcard":
            checks.append(_valid_id_card(f.name))
        if f.validator is None:
            continue
        if f.validator is month_check:
            continue  # the month's type carries it (_form_struct)
        other = getattr(f.validator, "not_before", None)
        if other is None or form.by_name.get(other) is None or form.by_name[other].type != "date":
            return None  # a check this path does not know: the full path decides
        if f.type != "date":
            return None
        checks.append(_not_before(f.name, other))
    return checks


def _struct(name: str, fields: list[tuple[Any, ...]], checks: list[Callable[[Any], None]]) -> type[Struct]:
    namespace: dict[str, Any] = {}
    if len(checks) == 1:
        namespace["__post_init__"] = checks[0]
    elif checks:

        def __post_init__(self: Any) -> None:
            for check in checks:
                check(self)

        namespace["__post_init__"] = __post_init__
    return msgspec.defstruct(
        name, fields, namespace=namespace, forbid_unknown_fields=True, kw_only=True, gc=False
    )


def _form_struct(form: Form, extra: dict[str, Any], name: str) -> type[Struct] | None:
    """The struct of ``form``'s clean data, with the keys in ``extra`` (name: (type, required))."""
    fields: list[tuple[Any, ...]] = []
    for f in form.fields:
        if f.name in extra:
            continue
        typed = _value_type(f)
        if typed is None:
            return None
        kind, nullable = typed
        if f.validator is month_check:  # (the check itself is left out of _field_checks)
            kind = Annotated[str, Meta(pattern=_MONTH)]
        if f.required:
            fields.append((f.name, kind))  # present and filled: null or empty is not clean
        else:
            fields.append((f.name, kind | None | UnsetType if nullable else kind | UnsetType, UNSET))
    for key, (kind, required) in extra.items():
        fields.append((key, kind) if required else (key, kind | UnsetType, UNSET))
    checks = _field_checks(form)
    if checks is None:
        return None
    texts = tuple(f.name for f in form.fields if f.type in _TEXT_TYPES and f.name not in extra)
    if texts:
        checks.append(_stripped(texts, frozenset(f.name for f in form.fields if f.type == "longtext")))
    return _struct(name, fields, checks)


class _Event(Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    stage: Literal[vocab.STAGES]  # type: ignore[valid-type]
    date: datetime.date
    route: Scalar | UnsetType = UNSET
    deadline: Scalar | UnsetType = UNSET
    evaluation: Scalar | UnsetType = UNSET
    reopened: Scalar | UnsetType = UNSET
    note: Scalar | UnsetType = UNSET
    # a reopened matter's earlier round (matters._keep_round)
    responsible: Scalar | UnsetType = UNSET
    discussion: Scalar | UnsetType = UNSET
    reject_reason: Scalar | UnsetType = UNSET
    mediation_id: Scalar | UnsetType = UNSET
    exercise_id: Scalar | UnsetType = UNSET
    result: Scalar | UnsetType = UNSET


class _Evaluation(Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    evaluation: Literal[vocab.EVALUATIONS]  # type: ignore[valid-type]
    date: datetime.date
    note: Scalar | UnsetType = UNSET


_LINK = (Link | None, False)
# A notice's content and recipients (notices.shape_problem): text as entered.
_NoticeKey = Annotated[str, Meta(min_length=1, max_length=40)]
_NoticeText = Annotated[str, Meta(min_length=1, max_length=2000)]
_Short = Annotated[str, Meta(min_length=1, max_length=20)]


class _Recipient(Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    name: _Short
    people: _Short | UnsetType = UNSET
    amount: _Short | UnsetType = UNSET


# a submission's figures (shapes.shape_problem): label → the figure as printed
_FIGURES = Annotated[
    dict[Annotated[str, Meta(min_length=1, max_length=40)], Annotated[str, Meta(max_length=40)]],
    Meta(min_length=1, max_length=200),
]


# Per kind, the keys this program writes besides the form's fields, with the type shapes.shape_problem
# accepts (and, for the ones it does not look at, any scalar). A line with any other key takes the full
# path.
def _extra(
    step: type[Struct] | None, party: type[Struct] | None = None
) -> dict[str, dict[str, tuple[Any, bool] | None]]:
    parties = (list[party], False) if party else None  # type: ignore[valid-type]
    return {
        "village": {"merged_into": _LINK},
        "profile": {},
        "session": {"service_id": _LINK},
        "matter": {
            "session_id": _LINK,
            "mediation_id": _LINK,
            "exercise_id": _LINK,
            "stage": (Literal[vocab.STAGES], True),  # type: ignore[valid-type]
            "events": (list[_Event], False),
            "evaluations": (list[_Evaluation], False),
            "reopened": (Annotated[int, Meta(ge=0, le=_INT64["le"])] | None, False),
            "decided_on": (Scalar, False),
            "evaluated_on": (Scalar, False),
        },
        "power_exercise": {
            "matter_id": _LINK,
            "steps": (list[step], False) if step else None,  # type: ignore[valid-type]
            "notice": (dict[_NoticeKey, _NoticeText], False),
            "recipients": (list[_Recipient], False),
        },
        "service_entry": {
            "matter_id": _LINK,
            "session_id": _LINK,
            "applicants": parties,
            "respondents": parties,
            "case_seq": (Annotated[int, Meta(ge=1, le=_INT64["le"])] | None, False),
        },
        "monthly_note": {},
        "submission": {"figures": (_FIGURES, True)},
    }


def _line_struct(kind: str, data: type[Struct]) -> type[Struct]:
    """A revision line of ``kind`` with the keys the exporter writes and no conflict resolutions (its
    identity fields are checked after, by :func:`.members.check_identity`: in Python, with the repeated
    ids remembered, that is faster than msgspec's patterns)."""
    return msgspec.defstruct(
        f"{kind}_line",
        [
            ("id", str),
            ("village_id", str | None),
            ("rev", str),
            ("origin", str),
            ("base_rev", str | None),
            ("base_origin", str | None),
            ("updated_at", str),
            ("deleted", bool),
            ("data", data),
            ("resolves", None),
        ],
        tag_field="kind",
        tag=kind,
        forbid_unknown_fields=True,
        gc=False,
    )


def _data_structs() -> dict[str, type[Struct]]:
    extras = _extra(_form_struct(EXERCISE_STEP, {}, "ExerciseStep"), _form_struct(PARTY, {}, "Party"))
    out = {}
    for kind, form in FORMS.items():
        extra = extras.get(kind)
        if extra is None or any(v is None for v in extra.values()):
            continue
        struct = _form_struct(form, extra, f"{kind}_data")  # type: ignore[arg-type]
        if struct is not None:
            out[kind] = struct
    return out


DATA = _data_structs()  # kind: the struct of its clean data
_LINES = {_line_struct(kind, struct): kind for kind, struct in DATA.items()}
_DECODE = msgspec.json.Decoder(functools.reduce(operator.or_, _LINES)).decode  # by "kind"
_ENCODE = msgspec.json.Encoder(order="sorted").encode


def decode(line: bytes) -> tuple[str, Any, bytes] | None:
    """The line's kind, the line (typed) and its data's canonical text (UTF-8), when the line has the
    keys the exporter writes and its data is already clean; otherwise None (the full path decides, and
    words any refusal)."""
    try:
        parsed: Any = _DECODE(line)
    except (msgspec.MsgspecError, ValueError):  # (invalid UTF-8 in a key: UnicodeDecodeError)
        return None
    return _LINES[type(parsed)], parsed, _ENCODE(parsed.data)


def month(data: Any) -> str | None:
    """``records.month`` of typed data (as :func:`village_counsel.store.month_of` of the dict)."""
    day = getattr(data, "date", None)
    return day.isoformat()[:7] if type(day) is datetime.date else None
