"""Days and months: the one place that says what day it is, and the month arithmetic every figure uses.

Nothing else in the program asks the system clock for the date: a test (or a benchmark, or a person
checking last month's report as it will print in a week) fixes "today" here — :func:`set_today` in
process, or ``VILLAGE_COUNSEL_TODAY=YYYY-MM-DD`` in the environment for a command line — and every
figure, default date and "not after today" check follows.

Months are written ``YYYY-MM``. A month's figures are counted as of the end of its last day in the
store's local time zone (DOMAIN.md §7); :func:`as_of` gives the day they count to.
"""

from __future__ import annotations

import calendar
import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

ENV_TODAY = "VILLAGE_COUNSEL_TODAY"

_fixed: date | None = None


def _fixed_day() -> date | None:
    if _fixed is not None:
        return _fixed
    env = os.environ.get(ENV_TODAY)
    if env:
        try:
            return date.fromisoformat(env.strip())
        except ValueError:
            pass  # a mistyped override is ignored rather than stopping every command
    return None


def today() -> date:
    """Today's date: the one fixed by :func:`set_today` or ``$VILLAGE_COUNSEL_TODAY``, else the system's."""
    return _fixed_day() or date.today()


def fixed_ms() -> int | None:
    """While "today" is fixed, the time revisions are written at: noon of that day, local time (so work
    entered on a fixed day is entered on that day — 补录 reads the revisions' own times); else None."""
    day = _fixed_day()
    if day is None:
        return None
    return int(datetime.combine(day, datetime.min.time()).replace(hour=12).timestamp() * 1000)


def set_today(day: date | str | None) -> None:
    """Fix "today" for this process (None: the system clock again)."""
    global _fixed
    _fixed = date.fromisoformat(day) if isinstance(day, str) else day


@contextlib.contextmanager
def fixed_today(day: date | str) -> Iterator[date]:
    """Within the block, "today" is ``day``."""
    before = _fixed
    set_today(day)
    try:
        yield today()
    finally:
        set_today(before)


def iso_today() -> str:
    return today().isoformat()


# --- months ---------------------------------------------------------------------------------------------


def month_of(day: date | str) -> str:
    """The month (YYYY-MM) of a day."""
    return (day.isoformat() if isinstance(day, date) else str(day))[:7]


def this_month() -> str:
    return month_of(today())


def month_add(month: str, n: int) -> str:
    """The month ``n`` months after ``month`` (before it, for a negative ``n``)."""
    y, m = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a month."""
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def month_end(month: str) -> date:
    return month_bounds(month)[1]


def month_label(month: str) -> str:
    """2026-11 → 2026年11月."""
    return f"{int(month[:4])}年{int(month[5:7])}月"


def day_label(day: date | str) -> str:
    """2026-11-07 → 2026年11月7日."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.year}年{d.month}月{d.day}日"


def as_of(month: str, on: date | None = None) -> date:
    """The day a month's figures count to: its last day, or today while the month is still running."""
    return min(month_end(month), on or today())


def month_over(month: str, on: date | None = None) -> bool:
    """Has the month ended (is today after its last day)?"""
    return month_end(month) < (on or today())


# --- revision times --------------------------------------------------------------------------------------


def local_day(ms: int) -> date:
    """The local date of a time in milliseconds since the epoch (a revision's time)."""
    return datetime.fromtimestamp(ms / 1000).date()


def day_end_ms(day: date) -> int:
    """The first millisecond after ``day`` ends, in local time: a revision at or after it was written
    after that day."""
    following = datetime.combine(day + timedelta(days=1), datetime.min.time())
    return int(following.timestamp() * 1000)


def now_stamp() -> str:
    """Now as the store writes times (ISO 8601, UTC, seconds): the fixed day's noon while "today" is fixed."""
    ms = fixed_ms()
    moment = datetime.now(UTC) if ms is None else datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="seconds")


def local_stamp(stamp: str | None, empty: str = "") -> str:
    """A stored time (ISO 8601, UTC) as a person reads it, in local time: 2026年11月26日 22:59."""
    if not stamp:
        return empty
    try:
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone()
    except (ValueError, OverflowError, OSError):
        return stamp
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def rev_ms(rev: str) -> int:
    """The time of a revision (its first 13 digits: milliseconds since the epoch)."""
    return int(rev[:13])


__all__ = [
    "as_of",
    "day_end_ms",
    "day_label",
    "fixed_today",
    "iso_today",
    "local_day",
    "month_add",
    "month_bounds",
    "month_end",
    "month_label",
    "month_of",
    "month_over",
    "rev_ms",
    "set_today",
    "this_month",
    "today",
]
