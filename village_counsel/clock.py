"""Hybrid logical clock (混合逻辑时钟) for record revisions.

A revision is ``"<13-digit milliseconds>-<5-digit counter>"`` so that string order is time order. The
clock never goes backwards on one device, even when the wall clock does, and it moves past every
revision it has seen from other devices, so an edit is always ordered after what it was edited from.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from . import days

REV_ZERO = "0000000000000-00000"


def format_rev(ms: int, counter: int) -> str:
    return f"{ms:013d}-{counter:05d}"


# A revision: 13 ASCII digits of milliseconds, a dash, 5 of counter.
REV = re.compile(r"\A[0-9]{13}-[0-9]{5}\Z")


def parse_rev(rev: str) -> tuple[int, int]:
    """Split a revision string; ``ValueError`` when it is not one."""
    if not isinstance(rev, str) or REV.match(rev) is None:
        raise ValueError(f"not a revision: {rev!r}")
    return int(rev[:13]), int(rev[14:])


def wall_ms() -> int:
    """Now, in milliseconds; while "today" is fixed (village_counsel.days: tests, demonstrations), noon
    of that day."""
    return days.fixed_ms() or time.time_ns() // 1_000_000


class HybridClock:
    """Issues strictly increasing revisions. ``last`` is persisted by the store."""

    def __init__(self, last: str = REV_ZERO, now: Callable[[], int] = wall_ms) -> None:
        self._ms, self._counter = parse_rev(last)
        self._now = now

    @property
    def last(self) -> str:
        return format_rev(self._ms, self._counter)

    def tick(self, at_ms: int | None = None) -> str:
        """A new revision, later than every earlier one; ``at_ms`` replaces the wall clock (demo data)."""
        now = self._now() if at_ms is None else at_ms
        if now > self._ms:
            self._ms, self._counter = now, 0
        else:
            self._counter += 1
            if self._counter > 99_999:  # counter full: borrow the next millisecond
                self._ms, self._counter = self._ms + 1, 0
        return self.last

    def observe(self, rev: str) -> None:
        """Move past a revision seen from elsewhere (an import)."""
        ms, counter = parse_rev(rev)
        if (ms, counter) > (self._ms, self._counter):
            self._ms, self._counter = ms, counter

    def reset(self, last: str) -> None:
        """Go back to ``last`` (an operation that observed later revisions was rolled back)."""
        self._ms, self._counter = parse_rev(last)
