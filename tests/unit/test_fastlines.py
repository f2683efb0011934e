"""The import's typed fast path (sync/fastlines.py): whenever it gives a row, the full path (orjson,
``validate``, ``shape_problem``, canonical text) must give the very same row — otherwise two stores
could hold different texts for one revision, or a line the full path refuses could slip in."""

from __future__ import annotations

import json
import os
import zipfile

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from village_counsel import vocab
from village_counsel.demo import run_demo
from village_counsel.forms import FORMS
from village_counsel.forms.base import ID_CHECK, ID_WEIGHTS
from village_counsel.forms.definitions import EXERCISE_STEP
from village_counsel.jsontext import loads_strict
from village_counsel.sync import export_changes, fastlines
from village_counsel.sync.members import fast_row, record_row

LATEST = 1_900_000_000_000  # ms: a fixed "now + 3 years", so the test does not depend on the clock
KIND_ORDER = ("kind", "id", "village_id", "rev", "origin", "base_rev", "base_origin", "updated_at", "deleted")


def _id_card(body: str) -> str:
    total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


TEXT = st.one_of(
    st.text(alphabet="张三李四路灯坏了abc 12\u3000\n\t", min_size=0, max_size=12),
    st.sampled_from(["张三", " 张三", "张三 ", "张\u3000三", "\u3000", "", "x" * 41, "a\u2028", "\x1f张"]),
)
DATE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["2026-10-15", "2026-02-30", "20261015", "2026-W42-4", " 2026-10-15", "2026-10", "0000-01-01"]
    ),
)
NUMBER = st.one_of(
    st.integers(min_value=-5, max_value=200_000),
    st.integers(min_value=2**62, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1.5, 12000.0, 12.345, -0.0, 1e11, 1e12, 24.0, 24.5, 0.01, 5e-05, 99999999999.99]),
    st.decimals(min_value=0, max_value=10**11, places=2).map(float),
    st.booleans(),
)
MISC = st.one_of(st.none(), st.just([]), st.just({}), st.just("true"), st.just(" 满意"))


def clean_value(f) -> st.SearchStrategy:
    """A value validation keeps as it is (mostly: the checks themselves decide)."""
    low = int(f.min) if f.min is not None else -1000
    high = int(min(f.max, 10**12)) if f.max is not None else 10**6
    return {
        "text": st.text(alphabet="张三李四路灯坏了abc12 ", min_size=1, max_size=min(f.max_length or 12, 12)),
        "longtext": st.text(alphabet="张三李四路灯坏了\n abc", min_size=1, max_size=12),
        "ref": st.text(alphabet="P0123", min_size=1, max_size=4),
        "int": st.integers(low, high),
        "float": st.integers(low * 100, high * 100).map(lambda c: c / 100),
        "money": st.integers(low * 100, high * 100).map(lambda c: c / 100),
        "date": st.dates().map(lambda d: d.isoformat()),
        "choice": st.sampled_from(f.choices) if f.choices else TEXT,
        "bool": st.booleans(),
        "phone": st.sampled_from(["13800000000", "0574-87654321", "057487654321"]),
        "idcard": st.from_regex(
            r"\A(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z"
        ).map(lambda s: _id_card("330203" + s)),
        "counts": st.dictionaries(st.sampled_from(["村民", "党员", "村民代表"]), st.integers(1, 50)),
        "list": st.just([]),
    }[f.type]


def tricky_value(f) -> st.SearchStrategy:
    typed = {
        "text": TEXT,
        "longtext": TEXT,
        "ref": TEXT,
        "int": NUMBER,
        "float": NUMBER,
        "money": NUMBER,
        "date": DATE,
        "choice": st.sampled_from([" " + f.choices[0], "其他选项", f.choices[0] + "\n"])
        if f.choices
        else TEXT,
        "bool": st.one_of(st.just(0), st.just("true")),
        "phone": st.sampled_from(["13800000000\n", "1380000000", "١٣٨٠٠٠٠٠٠٠٠", " 13800000000"]),
        "idcard": st.sampled_from(["33020319800101001X", "33020319800101001x", "330203198001010011"]),
        "counts": st.dictionaries(
            st.sampled_from(["村民", "党员", "", " 村民"]),
            st.sampled_from([0, 1, 5, -1, "3", None, True, 2.0]),
        ),
        "list": st.sampled_from([None, {}, "x"]),
    }[f.type]
    return st.one_of(typed, MISC)


def value_for(f) -> st.SearchStrategy:
    return st.one_of(clean_value(f), tricky_value(f))


def _event():
    return st.fixed_dictionaries(
        {"stage": st.sampled_from([*vocab.STAGES, "其他"]), "date": DATE},
        optional={
            "route": st.one_of(st.sampled_from(vocab.ROUTES), st.none(), st.just(1.5)),
            "deadline": DATE,
            "evaluation": st.sampled_from([*vocab.EVALUATIONS, "x"]),
            "reopened": NUMBER,
            "note": TEXT,
            "responsible": TEXT,  # a reopened matter's earlier round (matters._keep_round)
            "result": st.one_of(TEXT, st.just(2.5)),
            "other": st.just(1),
        },
    )


def _step():
    names = [f.name for f in EXERCISE_STEP.fields]
    return st.fixed_dictionaries(
        {"key": st.sampled_from(["application", "approval", " x"]), "date": DATE},
        optional={n: value_for(EXERCISE_STEP.by_name[n]) for n in names if n not in ("key", "date")}
        | {"extra": st.just("x")},
    )


EXTRA_CLEAN = {
    "matter": {
        "stage": st.sampled_from(vocab.STAGES),
        "events": st.lists(
            st.fixed_dictionaries(
                {"stage": st.sampled_from(vocab.STAGES), "date": st.dates().map(lambda d: d.isoformat())},
                optional={"route": st.sampled_from(vocab.ROUTES), "reopened": st.integers(0, 3)},
            ),
            max_size=3,
        ),
        "evaluations": st.lists(
            st.fixed_dictionaries(
                {
                    "evaluation": st.sampled_from(vocab.EVALUATIONS),
                    "date": st.dates().map(lambda d: d.isoformat()),
                },
                optional={"note": st.text(alphabet="好 ", max_size=3)},
            ),
            max_size=2,
        ),
        "reopened": st.integers(0, 5),
        "decided_on": st.dates().map(lambda d: d.isoformat()),
        "session_id": st.sampled_from(["s1", "abc-123"]),
    },
    "power_exercise": {
        "steps": st.lists(
            st.fixed_dictionaries(
                {
                    "key": st.sampled_from(["application", "approval"]),
                    "date": st.dates().map(lambda d: d.isoformat()),
                },
                optional={
                    n: clean_value(EXERCISE_STEP.by_name[n])
                    for n in (
                        "end_date",
                        "meeting",
                        "expected",
                        "present",
                        "votes_for",
                        "votes_against",
                        "content",
                    )
                },
            ),
            max_size=3,
        ),
        "matter_id": st.just("m1"),
    },
    "service_entry": {"closed_on": st.dates().map(lambda d: d.isoformat()), "matter_id": st.just("m1")},
    "session": {"service_id": st.just("s1")},
    "monthly_note": {"month": st.sampled_from(["2026-11", "1999-01", "2026-12"])},
}

EXTRA = {
    "matter": {
        "stage": st.sampled_from([*vocab.STAGES, "其他"]),
        "events": st.lists(_event(), max_size=3),
        "evaluations": st.lists(
            st.fixed_dictionaries(
                {"evaluation": st.sampled_from([*vocab.EVALUATIONS, "x"]), "date": DATE},
                optional={"note": TEXT},
            ),
            max_size=2,
        ),
        "reopened": NUMBER,
        "decided_on": st.one_of(DATE, NUMBER),
        "session_id": st.one_of(st.sampled_from(["s1", "", "x" * 65]), st.none(), NUMBER),
    },
    "power_exercise": {"steps": st.lists(_step(), max_size=3), "matter_id": st.sampled_from(["m1", ""])},
    "service_entry": {"closed_on": DATE, "matter_id": st.sampled_from(["m1", ""])},
    "session": {"service_id": st.sampled_from(["s1", ""])},
    "monthly_note": {"month": st.sampled_from(["2026-11", "2026-13", "0000-01", "2026-1", "２０２６-11"])},
}


@st.composite
def data_for(draw, kind):
    """Clean-looking data (validation decides), then as often as not one or two values made tricky."""
    form = FORMS[kind]
    clean = {f.name: clean_value(f) for f in form.fields} | EXTRA_CLEAN.get(kind, {})
    tricky = {f.name: tricky_value(f) for f in form.fields} | EXTRA.get(kind, {}) | {"unknown": st.just(1)}
    keys = draw(st.lists(st.sampled_from(sorted(clean)), unique=True))
    keys += [f.name for f in form.fields if f.required and f.name not in keys]
    if kind == "matter" and "stage" not in keys:
        keys.append("stage")
    data = {key: draw(clean[key]) for key in keys}
    for key in draw(st.lists(st.sampled_from(sorted(tricky)), max_size=2)) if draw(st.booleans()) else []:
        data[key] = draw(tricky[key])
    if draw(st.integers(0, 9)) == 0 and data:
        del data[draw(st.sampled_from(sorted(data)))]
    return data


def _text_of(data, style: str) -> bytes:
    if style == "canonical":
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    if style == "ascii":
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    if style == "unsorted":
        return orjson.dumps(dict(reversed(list(data.items()))))
    if style == "spaced":
        return json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).replace(b"e+", b"e")  # msgspec's exponent


def line_bytes(kind, data_text: bytes, **meta) -> bytes:
    head = {
        "kind": kind,
        "id": "r1",
        "village_id": "v1",
        "rev": "1790000000000-00001",
        "origin": "dev1",
        "base_rev": None,
        "base_origin": None,
        "updated_at": "2026-10-15T08:00:00+00:00",
        "deleted": False,
    } | meta
    body = orjson.dumps({k: head[k] for k in KIND_ORDER})[:-1]
    return body + b',"data":' + data_text + b',"resolves":null}'


def _same_as_full_path(line: bytes) -> bool:
    """Asserts the fast path agrees with the full one; True when the fast path took the line."""
    fast = fast_row(line, LATEST, {}.setdefault)
    if fast is None:
        return False
    try:
        *row, month = record_row(loads_strict(line), LATEST)
    except ValueError as exc:
        raise AssertionError(f"fast path took a line the full path refuses ({exc}): {line!r}") from None
    assert (tuple(row), month) == fast, line
    return True


# FASTLINES_EXAMPLES=100000 for a longer search.
@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("FASTLINES_EXAMPLES", "4000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.data())
def test_fast_path_gives_what_the_full_path_gives(draw):
    kind = draw.draw(st.sampled_from(sorted(FORMS)))
    data = draw.draw(data_for(kind))
    style = draw.draw(st.sampled_from(["canonical"] * 12 + ["ascii", "unsorted", "spaced", "exponent"]))
    try:
        text = _text_of(data, style)
    except TypeError:  # orjson: an integer beyond 64 bits
        return
    meta = (
        {}
        if draw.draw(st.integers(0, 3))
        else draw.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": st.sampled_from(["r1\n", "", "a/b", "x" * 65]),
                    "village_id": st.sampled_from([None, "v 1"]),
                    "rev": st.sampled_from(
                        ["1790000000000-1", "9990000000000-00001", "１790000000000-00001"]
                    ),
                    "base_rev": st.sampled_from(["1780000000000-00001", "1790000000000-00002"]),
                    "base_origin": st.sampled_from(["dev1", "dev 1"]),
                    "updated_at": st.sampled_from(["", "x" * 41]),
                    "deleted": st.sampled_from([True, 1, 0]),
                },
            )
        )
    )
    line = line_bytes(kind, text, **meta)
    shape = draw.draw(st.integers(0, 9))
    if shape == 1:  # the line's keys in another order, the data's text kept
        head, _, tail = line.partition(b',"data":')
        line = b'{"data":' + tail[:-1] + b"," + head[1:] + b"}"
    elif shape == 2:  # spaced out
        line = line.replace(b'","', b'", "').replace(b'":', b'" : ', 3)
    if draw.draw(st.integers(0, 19)) == 0:  # a damaged byte anywhere
        at = draw.draw(st.integers(0, len(line) - 1))
        line = line[:at] + bytes([draw.draw(st.integers(0, 255))]) + line[at + 1 :]
    event("fast path" if _same_as_full_path(line) else "full path")


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("service_entry", {"date": "2026-10-15", "duty": "咨询", "hours": 1.5}),
        ("service_entry", {"date": "2026-10-15", "duty": "咨询", "amount": 12000.0}),
        ("monthly_note", {"date": "2026-10-01", "month": "2026-10"}),
        (
            "matter",
            {
                "category": vocab.CATEGORIES[0],
                "content": "路灯",
                "date": "2026-10-15",
                "raiser": "张三",
                "stage": "说事",
            },
        ),
        (
            "service_entry",
            {"date": "2026-10-15", "duty": "咨询", "outcome": "调解成功", "closed_on": "2026-10-20"},
        ),
        (
            "power_exercise",
            {"date": "2026-10-15", "item": "P01", "subject": "x", "reviewed_on": "2026-10-20"},
        ),
        ("village", {"name": "弘瀛村", "code": "330225102201", "merged_into": "de1500e7"}),
        (
            "submission",
            {
                "month": "2026-10",
                "submitted_at": "2026-11-02T04:00:00+00:00",
                "pdf_sha256": "ab" * 32,
                "figures": {"提出事项": "3", "办结率": "66.7%"},
            },
        ),
    ],
)
def test_clean_lines_take_the_fast_path(kind, data):
    assert _same_as_full_path(line_bytes(kind, orjson.dumps(data, option=orjson.OPT_SORT_KEYS)))


MATTER = {
    "category": vocab.CATEGORIES[0],
    "content": "x",
    "date": "2026-10-15",
    "raiser": "张三",
    "stage": "说事",
}


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("service_entry", {"date": "2026-10-15", "duty": "咨询", "hours": 1.555}),  # not rounded
        ("service_entry", {"date": "2026-10-15", "duty": " 咨询"}),  # padded
        ("service_entry", {"date": "2026-10-15", "duty": "咨询\u3000"}),
        ("service_entry", {"date": "2026-10-15", "duty": "咨询", "odd": 1}),  # a key it does not know
        ("monthly_note", {"date": "2026-10-01", "month": "0000-10"}),
        (
            "matter",
            {"category": vocab.CATEGORIES[0], "content": "路灯", "date": "2026-10-15", "raiser": "张三"},
        ),
        ("matter", {**MATTER, "deadline": "2026-10-01"}),  # deadline before the date raised
        ("matter", {**MATTER, "reopened": 2**64}),
        ("service_entry", {"date": "2026-10-15", "duty": "咨询", "closed_on": "2026-10-01"}),  # before it
        ("submission", {"month": "2026-10", "submitted_at": "x", "pdf_sha256": "ab", "figures": {}}),
        ("submission", {"month": "2026-10", "submitted_at": "x", "pdf_sha256": "ab", "figures": {"a": 1}}),
    ],
)
def test_other_lines_take_the_full_path(kind, data):
    line = line_bytes(
        kind, json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    assert fast_row(line, LATEST, {}.setdefault) is None


def test_repeated_keys_escapes_and_spacing_are_read_alike():
    """A repeated key counts once, the last, on both paths (as orjson reads it); escapes, spacing and
    key order are read alike too, and the text stored is canonical either way."""
    good = b'{"date":"2026-10-15","duty":"\xe5\x92\xa8\xe8\xaf\xa2"}'
    line = line_bytes("service_entry", good)
    assert _same_as_full_path(line)
    for data in (
        b'{"date":"2026-10-15","date":"2026-10-16","duty":"x"}',
        b'{"duty":"\\u54a8", "date":"2026-10-15"}',
        b'{"date":"2026-10-15","duty":"x","hours":2}',  # an integer in a float field: 2.0 on both paths
    ):
        assert _same_as_full_path(line_bytes("service_entry", data)), data
    assert (
        fast_row(
            line_bytes("service_entry", b'{"date":"2026-10-15","date":"x","duty":"x"}'), LATEST, {}.setdefault
        )
        is None
    )
    assert fast_row(line.replace(b'"kind":"service_entry",', b""), LATEST, {}.setdefault) is None  # no kind
    twice = line.replace(b'"id":"r1"', b'"id":"r1","id":"r2"')
    assert _same_as_full_path(twice)
    assert fast_row(twice, LATEST, {}.setdefault)[0][0] == "r2"
    assert _same_as_full_path(line.replace(b'"id":"r1"', b'"id" : "\\u0072\\u0031"'))
    assert not _same_as_full_path(line.replace(b'"id":"r1"', b'"id":"r1\\n"'))  # refused: not an id


def test_every_line_the_program_exports_takes_the_fast_path(mem_store, tmp_path):
    """The fast path is the common path: each revision of a demo store, as exported."""
    run_demo(mem_store, seed=5, villages=2, months=3)
    path = tmp_path / "all.zip"
    export_changes(mem_store, path, full=True)
    with zipfile.ZipFile(path) as zf:
        lines = [
            line
            for name in zf.namelist()
            if name.endswith(".jsonl")
            for line in zf.read(name).split(b"\n")[:-1]
        ]
    assert len(lines) > 300
    slow = [line for line in lines if not _same_as_full_path(line)]
    assert slow == []
    assert set(fastlines.DATA) == set(FORMS)  # every kind has its struct
