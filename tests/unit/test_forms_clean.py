"""``is_clean``: the import's fast path. It may only say True where ``validate`` would return the values
unchanged — same values, same JSON text — and raise nothing; otherwise the import would store something
the full validation would have cleaned or refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from village_counsel.demo import run_demo
from village_counsel.errors import ValidationError
from village_counsel.forms import FORMS, is_clean, validate
from village_counsel.forms.definitions import EXERCISE_STEP
from village_counsel.jsontext import canonical

ALL_FORMS = [*FORMS.values(), EXERCISE_STEP]

# Values that sit on the edges of the cleaning rules: padding, empties, wrong types, near-dates, bools
# among ints, floats needing rounding, choices with a space.
TRICKY = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "\u3000",
            "张三",
            " 张三",
            "张三 ",
            "张\n三",
            "13800000000",
            "13800000000\n",
            "0574-87654321",
            "2026-10-15",
            "2026-02-30",
            "2026-W42-4",
            "20261015",
            " 2026-10-15",
            "2026-10",
            "满意",
            " 满意",
            "议事",
            "村民建议",
            "33020319800101001X",
            "33020319800101001x",
            "x" * 41,
            "true",
            "0",
            "12",
        ]
    ),
    st.booleans(),
    st.integers(min_value=-5, max_value=200_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.5, 12000.0, 12.345, -0.0, 1e11, 1e12, 24.0, 24.5]),
    st.lists(st.sampled_from(["满意", " 满意", "", "其他", 3]), max_size=3),
    st.dictionaries(st.sampled_from(["村民", "党员", ""]), st.sampled_from([0, 1, 5, -1, "3", None, True])),
    st.just([]),
    st.just({}),
)


@st.composite
def form_and_values(draw):
    form = draw(st.sampled_from(ALL_FORMS))
    names = [f.name for f in form.fields] + ["links", "stage"]
    keys = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    values = {key: draw(TRICKY) for key in keys}
    # often fill the required fields with plausible values, so the clean path is reached at all
    if draw(st.booleans()):
        for f in form.fields:
            if f.required and f.name not in values:
                values[f.name] = {"date": "2026-10-15", "choice": f.choices[0] if f.choices else "x"}.get(
                    f.type, "张三"
                )
    return form, values


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(form_and_values())
def test_clean_means_validation_changes_nothing(case):
    form, values = case
    if not is_clean(form, values):
        return
    try:
        cleaned = validate(form, values)
    except ValidationError as exc:
        raise AssertionError(f"is_clean said True but validation refused {values!r}: {exc}") from None
    assert cleaned == values
    assert canonical(cleaned) == canonical(values), values


def test_what_the_program_writes_is_clean(mem_store):
    """The fast path is the common path: every record the program itself wrote passes it."""
    run_demo(mem_store, seed=3, villages=2, months=2)
    records = [r for kind in FORMS for r in mem_store.list(kind)]
    assert len(records) > 100
    unclean = [r for r in records if not is_clean(FORMS[r.kind], r.data)]
    assert unclean == []


def test_unclean_values_are_caught():
    form = FORMS["matter"]
    base = {
        "date": "2026-10-15",
        "raiser": "张三",
        "content": "路灯坏了",
        "category": form.field("category").choices[0],
    }
    assert is_clean(form, base)
    for key, bad in [
        ("raiser", " 张三"),
        ("raiser", ""),
        ("date", "2026-W42-4"),
        ("raiser_phone", "13800000000\n"),
        ("legal_aspect", "true"),
        ("deadline", "2026-10-01"),  # before the date raised: the cross-field check
    ]:
        assert not is_clean(form, {**base, key: bad}), (key, bad)
    assert not is_clean(form, {k: v for k, v in base.items() if k != "content"})  # required
