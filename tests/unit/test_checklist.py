"""法律顾问工作清单: the service log and the checklist arithmetic (required / done / due / overdue)."""

from __future__ import annotations

from datetime import date

import pytest

from village_counsel import checklist
from village_counsel.catalog import load_catalog
from village_counsel.errors import ValidationError
from village_counsel.villages import create_village

# November 2026 starts on a Sunday: its weeks start on Mondays 2, 9, 16, 23 and 30.
MID_NOVEMBER = date(2026, 11, 20)  # the weeks of the 2nd and the 9th have ended
AFTER_NOVEMBER = date(2027, 1, 5)


def _log(store, village, day, duty, **values):
    if duty in checklist.PRESENCE_DUTIES:  # (presence says how it was given)
        values.setdefault("channel", "现场")
    return checklist.log_service(store, village.id, {"date": day, "duty": duty, **values})


@pytest.fixture
def two_villages(store, village):
    other = create_village(store, {"name": "东门村", "township": "石浦镇"})
    _log(store, village, "2026-11-03", "驻村服务", hours=4)
    _log(store, village, "2026-11-17", "驻村服务", hours=8)
    _log(store, village, "2026-10-20", "驻村服务")  # another month
    _log(store, village, "2026-11-03", "公共法律服务点值班")
    _log(store, village, "2026-11-25", "参与村民说事")  # later in the month than "today"
    for day in ("2026-11-04", "2026-11-05", "2026-11-06"):
        _log(store, village, day, "法律咨询", topic="继承", channel="电话")
    _log(store, village, "2026-10-15", "普法讲座", people=40)  # same quarter, earlier month
    _log(store, village, "2026-12-05", "培育法律明白人")  # same quarter, later month
    _log(store, village, "2026-03-01", "基本情况调查与年度服务计划")
    gone = _log(store, village, "2026-11-10", "走访")
    store.delete("service_entry", gone.id)  # a tombstone counts for nothing
    _log(store, other, "2026-11-02", "公共法律服务点值班")
    _log(store, other, "2026-11-09", "公共法律服务点值班")
    _log(store, other, "2026-11-16", "走访")
    return village, other


def _by_name(rows):
    return {p.duty.name: (p.required, p.done, p.due, p.overdue) for p in rows}


def test_progress_of_one_village_in_the_month(store, two_villages):
    village, _ = two_villages
    rows = checklist.progress(store, "2026-11", village.id, today=MID_NOVEMBER)
    assert [p.duty.code for p in rows] == list(load_catalog().duties)
    assert _by_name(rows) == {
        "驻村服务": (1, 2, 0, 0),
        "公共法律服务点值班": (5, 1, 4, 1),  # two weeks ended, one shift done
        "走访": (1, 0, 1, 0),  # the month is still running
        "法律咨询": (None, 3, 0, 0),
        "合法性审查": (None, 0, 0, 0),
        "参与村民说事": (1, 1, 0, 0),
        "矛盾纠纷调解": (None, 0, 0, 0),
        "普法讲座": (1, 1, 0, 0),  # October counts for the fourth quarter
        "法律援助转介": (None, 0, 0, 0),
        "培育法律明白人": (1, 0, 1, 0),  # the December entry is after November's end
        "基本情况调查与年度服务计划": (1, 1, 0, 0),
    }
    periods = {p.duty.name: p.period for p in rows}
    assert periods["驻村服务"] == "2026年11月"
    assert periods["普法讲座"] == "2026年第4季度"
    assert periods["基本情况调查与年度服务计划"] == "2026年"
    complete = {p.duty.name for p in rows if p.complete}
    assert "驻村服务" in complete and "法律咨询" in complete and "走访" not in complete


def test_progress_summed_over_villages(store, two_villages):
    village, other = two_villages
    summed = _by_name(checklist.progress(store, "2026-11", today=MID_NOVEMBER))
    assert summed["驻村服务"] == (2, 2, 1, 0)  # one village over-served does not cover the other
    assert summed["公共法律服务点值班"] == (10, 3, 7, 1)  # 5+5 required; 1+2 done; owed 2+2 → 1+0 late
    assert summed["走访"] == (2, 1, 1, 0)
    assert summed["法律咨询"] == (None, 3, 0, 0)
    assert summed["普法讲座"] == (2, 1, 1, 0)
    alone = _by_name(checklist.progress(store, "2026-11", other.id, today=MID_NOVEMBER))
    assert alone["公共法律服务点值班"] == (5, 2, 3, 0)
    assert alone["驻村服务"] == (1, 0, 1, 0)
    # 驻村服务: 2 done of 2 required, but both in one village: not complete, and only 1 counts as met
    rows = {p.duty.name: p for p in checklist.progress(store, "2026-11", today=MID_NOVEMBER)}
    assert not rows["驻村服务"].complete and rows["驻村服务"].met == 1
    assert rows["公共法律服务点值班"].met == 3 and rows["法律咨询"].complete
    one = {p.duty.name: p for p in checklist.progress(store, "2026-11", village.id, today=MID_NOVEMBER)}
    assert one["驻村服务"].complete and one["驻村服务"].met == 1 and one["驻村服务"].done == 2


def test_report_totals_count_each_village_at_most_its_share(store, two_villages):
    from village_counsel.reports.figures import section

    sec = section(store, "2026-11", None, today=MID_NOVEMBER)
    per_village = [section(store, "2026-11", v, today=MID_NOVEMBER) for v in two_villages]
    assert sec.checklist_required == sum(s.checklist_required for s in per_village)
    assert sec.checklist_done == sum(s.checklist_done for s in per_village)


def test_progress_after_the_month_ended(store, two_villages):
    village, _ = two_villages
    rows = _by_name(checklist.progress(store, "2026-11", village.id, today=AFTER_NOVEMBER))
    assert rows["走访"] == (1, 0, 1, 1)  # missed
    assert rows["驻村服务"] == (1, 2, 0, 0)
    assert rows["公共法律服务点值班"] == (5, 1, 4, 4)
    # a quarterly duty is not overdue at the end of the quarter's second month, whatever today is
    assert rows["培育法律明白人"] == (1, 0, 1, 0)


def test_progress_at_the_end_of_a_quarter(store, two_villages):
    village, _ = two_villages
    rows = _by_name(checklist.progress(store, "2026-12", village.id, today=AFTER_NOVEMBER))
    assert rows["培育法律明白人"] == (1, 1, 0, 0)
    assert rows["普法讲座"] == (1, 1, 0, 0)
    assert rows["驻村服务"] == (1, 0, 1, 1)
    # December 2026: Mondays 7, 14, 21 and 28 — all weeks over by 5 January
    assert rows["公共法律服务点值班"] == (4, 0, 4, 4)


def test_a_week_running_into_the_next_month_belongs_to_its_monday(store, village):
    _log(store, village, "2026-11-02", "公共法律服务点值班")
    _log(store, village, "2026-12-02", "公共法律服务点值班")  # the week of Monday 30 November
    _log(store, village, "2026-12-07", "公共法律服务点值班")
    november = _by_name(checklist.progress(store, "2026-11", village.id, today=AFTER_NOVEMBER))
    assert november["公共法律服务点值班"] == (5, 2, 3, 3)
    december = _by_name(checklist.progress(store, "2026-12", village.id, today=AFTER_NOVEMBER))
    assert december["公共法律服务点值班"] == (4, 1, 3, 3)
    # seen on 3 December, the week of 30 November is still running (its shift is done, the weeks of the
    # 9th, 16th and 23rd were missed: a shift in a later week does not make up for them)
    early = _by_name(checklist.progress(store, "2026-11", village.id, today=date(2026, 12, 3)))
    assert early["公共法律服务点值班"] == (5, 2, 3, 3)


def test_a_weekly_duty_is_owed_week_by_week(store, village):
    """Three shifts in the last week of November do not make up for the three weeks missed before it."""
    _log(store, village, "2026-11-01", "走访")  # at work in the village since the 1st
    for day in ("2026-11-23", "2026-11-24", "2026-11-25"):
        _log(store, village, day, "公共法律服务点值班")
    rows = {
        p.duty.name: p for p in checklist.progress(store, "2026-11", village.id, today=date(2026, 11, 27))
    }
    shift = rows["公共法律服务点值班"]
    assert (shift.required, shift.done, shift.met, shift.due, shift.overdue) == (5, 3, 1, 4, 3)
    assert not shift.complete


def test_yearly_duty_missed_shows_after_the_year(store, village):
    _log(store, village, "2026-02-03", "法律咨询", topic="继承")  # the advisor was at work all year
    rows = _by_name(checklist.progress(store, "2026-06", village.id, today=date(2026, 11, 20)))
    assert rows["基本情况调查与年度服务计划"] == (1, 0, 1, 0)
    rows = _by_name(checklist.progress(store, "2026-12", village.id, today=date(2027, 1, 2)))
    assert rows["基本情况调查与年度服务计划"] == (1, 0, 1, 1)


def test_an_empty_store_has_nothing_required(store):
    rows = checklist.progress(store, "2026-11", today=MID_NOVEMBER)
    assert all(p.done == 0 and p.due == 0 and p.overdue == 0 for p in rows)
    assert {p.required for p in rows} == {0, None}


def test_entries_filter_by_month_village_and_duty(store, two_villages):
    village, other = two_villages
    assert len(checklist.entries(store, "2026-11", village.id, "法律咨询")) == 3
    assert len(checklist.entries(store, "2026-11", village.id)) == 7
    assert len(checklist.entries(store, "2026-11", other.id)) == 3
    assert len(checklist.entries(store, duty="驻村服务")) == 3


# --- the service log's validation -----------------------------------------------------------------------


def test_service_entry_needs_a_known_duty(store, village):
    with pytest.raises(ValidationError) as err:
        _log(store, village, "2026-11-03", "喝茶")
    assert err.value.errors["duty"].startswith("应为以下之一：驻村服务")
    with pytest.raises(ValidationError) as err:
        checklist.log_service(store, village.id, {})
    assert err.value.errors == {"date": "必须填写", "duty": "必须填写"}
    assert "服务类型：必须填写" in str(err.value)


def test_mediation_entry_needs_the_statistics_fields(store, village):
    with pytest.raises(ValidationError) as err:
        _log(store, village, "2026-11-03", checklist.MEDIATION_DUTY)
    assert err.value.errors == {"dispute_type": "必须填写", "source": "必须填写"}
    assert "纠纷类型：必须填写" in str(err.value) and "案件来源：必须填写" in str(err.value)
    with pytest.raises(ValidationError) as err:
        _log(store, village, "2026-11-03", checklist.MEDIATION_DUTY, dispute_type="吵架", source="主动调解")
    assert "邻里" in err.value.errors["dispute_type"]
    entry = _log(
        store,
        village,
        "2026-11-03",
        checklist.MEDIATION_DUTY,
        dispute_type="邻里",
        source="受委托移送",
        case_form="书面",
        parties="王建国、陈秀英",
        amount="12,000",
        outcome="调解成功",
        prevented_criminal_cases=1,
        prevented_criminal_people=3,
        prevented_petition_cases=0,
        referred_by="法院",
    )
    assert entry["amount"] == 12000 and entry["prevented_criminal_people"] == 3
    # a referred case says who referred it (公安, 法院 or 政府部门: the statistics split them)
    with pytest.raises(ValidationError) as err:
        checklist.update_service(store, entry.id, {"referred_by": None})
    assert err.value.errors == {"referred_by": "必须填写"}


def test_review_entry_needs_a_document_type(store, village):
    with pytest.raises(ValidationError) as err:
        _log(store, village, "2026-11-03", checklist.REVIEW_DUTY)
    assert err.value.errors == {"doc_type": "必须填写"}
    entry = _log(
        store, village, "2026-11-03", checklist.REVIEW_DUTY, doc_type="合同", review_outcome="建议修改"
    )
    assert entry["review_outcome"] == "建议修改"


def test_service_entry_ranges(store, village):
    with pytest.raises(ValidationError) as err:
        _log(store, village, "2026-11-03", "驻村服务", hours=25, people=-1)
    assert err.value.errors == {"hours": "不能大于 24", "people": "不能小于 0"}


def test_log_in_unknown_village_is_refused(store):
    with pytest.raises(ValidationError, match="所选村不存在"):
        checklist.log_service(store, "nowhere", {"date": "2026-11-03", "duty": "驻村服务"})


def test_nothing_is_owed_before_the_advisor_began_in_the_village(store, village):
    """A new store must not open with weeks of 逾期 duties."""
    fresh = _by_name(checklist.progress(store, "2026-11", village.id, today=MID_NOVEMBER))
    assert fresh["公共法律服务点值班"] == (5, 0, 5, 0) and fresh["驻村服务"][3] == 0
    _log(store, village, "2026-11-12", "法律咨询", topic="继承")  # the first record: a Thursday
    rows = _by_name(checklist.progress(store, "2026-11", village.id, today=AFTER_NOVEMBER))
    # the week of the 2nd ended before the first record; the weeks of the 9th to the 30th are owed
    assert rows["公共法律服务点值班"] == (5, 0, 5, 4)
    assert rows["驻村服务"] == (1, 0, 1, 1)
    october = _by_name(checklist.progress(store, "2026-10", village.id, today=AFTER_NOVEMBER))
    assert october["驻村服务"][3] == 0
