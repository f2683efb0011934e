from __future__ import annotations

import pytest

from village_counsel.clock import HybridClock, format_rev, parse_rev


def test_revisions_increase_with_the_wall_clock():
    now = iter([1000, 2000, 3000])
    clock = HybridClock(now=lambda: next(now))
    assert [clock.tick() for _ in range(3)] == [format_rev(1000, 0), format_rev(2000, 0), format_rev(3000, 0)]


def test_clock_going_back_still_increases():
    times = iter([5000, 4000, 3000, 5000, 6000])
    clock = HybridClock(now=lambda: next(times))
    revs = [clock.tick() for _ in range(5)]
    assert revs == sorted(revs) and len(set(revs)) == 5
    assert (
        revs[1] == format_rev(5000, 1) and revs[3] == format_rev(5000, 3) and revs[4] == format_rev(6000, 0)
    )


def test_observe_moves_past_foreign_revisions():
    clock = HybridClock(now=lambda: 1000)
    clock.observe(format_rev(9000, 7))
    assert clock.tick() == format_rev(9000, 8)
    clock.observe(format_rev(10, 0))  # an older one changes nothing
    assert clock.tick() == format_rev(9000, 9)


def test_counter_overflow_borrows_a_millisecond():
    clock = HybridClock(format_rev(1000, 99_999), now=lambda: 1)
    assert clock.tick() == format_rev(1001, 0)


@pytest.mark.parametrize(
    "bad", ["", "123", "0000000001000_00000", "00000000010a0-00000", None, "１２３４５６７８９０１２３-00000"]
)
def test_parse_rejects_garbage(bad):
    with pytest.raises(ValueError):
        parse_rev(bad)


def test_store_clock_survives_reopen(tmp_path):
    from village_counsel.store import Store

    with Store(tmp_path / "s.db") as s:
        s.clock.observe(format_rev(99_999_999_999_99, 5))
        v = s.put("village", {"name": "上张村"})
    with Store(tmp_path / "s.db") as s:
        assert s.clock.tick() > v.rev
