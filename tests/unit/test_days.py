"""The one place that says what day it is (village_counsel.days) and the month arithmetic."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import village_counsel
from village_counsel import days


def test_no_code_asks_the_system_for_the_date_but_days() -> None:
    root = Path(village_counsel.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "days.py" and path.parent == root:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bdate\.today\(|datetime\.today\(", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_today_can_be_fixed_in_process_and_by_environment(monkeypatch) -> None:
    with days.fixed_today("2026-12-07"):
        assert days.today() == date(2026, 12, 7)
        assert days.this_month() == "2026-12"
        with days.fixed_today(date(2027, 1, 15)):
            assert days.iso_today() == "2027-01-15"
        assert days.today() == date(2026, 12, 7)
    monkeypatch.setenv(days.ENV_TODAY, "2025-03-04")
    assert days.today() == date(2025, 3, 4)
    monkeypatch.setenv(days.ENV_TODAY, "not a day")
    assert days.today() == date.today()  # a mistyped override is ignored


def test_month_arithmetic_and_labels() -> None:
    assert days.month_add("2026-01", -1) == "2025-12"
    assert days.month_add("2026-10", -12) == "2025-10"
    assert days.month_add("2026-12", 1) == "2027-01"
    assert days.month_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert days.month_label("2026-03") == "2026年3月"
    assert days.day_label("2026-11-07") == "2026年11月7日"
    assert days.as_of("2026-11", date(2026, 12, 7)) == date(2026, 11, 30)
    assert days.as_of("2026-11", date(2026, 11, 20)) == date(2026, 11, 20)
    assert days.month_over("2026-11", date(2026, 12, 1)) and not days.month_over(
        "2026-11", date(2026, 11, 30)
    )


def test_revision_times_in_local_days() -> None:
    end = days.day_end_ms(date(2026, 11, 30))
    assert days.local_day(end - 1) == date(2026, 11, 30)
    assert days.local_day(end) == date(2026, 12, 1)
    assert days.rev_ms(f"{end:013d}-00003") == end
