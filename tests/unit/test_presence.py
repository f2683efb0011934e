"""Presence in the village counts only what was given on site; 走访 counts households and people apart."""

from __future__ import annotations

import pytest

from village_counsel import checklist
from village_counsel.errors import ValidationError
from village_counsel.reports.figures import service_figures


def test_presence_counts_only_on_site_entries(store, village):
    def log(day, duty, **values):
        return checklist.log_service(store, village.id, {"date": day, "duty": duty, **values})

    entries = [
        log("2026-10-03", "驻村服务", channel="现场", hours=4),
        log("2026-10-03", "走访", channel="现场", hours=2, people=5, households=2),
        log("2026-10-05", "走访", channel="现场", hours=1, people=3, households=1),
        log("2026-10-06", "法律咨询", channel="电话", hours=0.5),
        log("2026-10-07", "合法性审查", doc_type="合同", hours=3),  # a desk review: no channel
        log("2026-10-08", checklist.MEDIATION_DUTY, dispute_type="邻里", source="主动调解", hours=2),
        log("2026-10-09", "驻村服务", channel="微信", hours=1),  # claimed as a presence, given remotely
    ]
    fig = service_figures(entries)
    assert (fig.days, fig.hours) == (2, 7.0)  # the 3rd and the 5th; 4 + 2 + 1 hours
    assert (fig.home_visits, fig.households, fig.visit_people) == (2, 3, 8)
    assert fig.onsite_visits == 2  # (both 驻村服务 entries are logged; only one was on site)


def test_a_presence_entry_says_how_it_was_given(store, village):
    with pytest.raises(ValidationError) as err:
        checklist.log_service(store, village.id, {"date": "2026-10-03", "duty": "走访"})
    assert err.value.errors == {"channel": "必须填写"}
