"""村民说事: the 说事 → 议事 → 办事 → 评事 lifecycle, its linked records (enter once) and its figures."""

from __future__ import annotations

from datetime import date

import pytest

from village_counsel import checklist, matters, powers, vocab
from village_counsel.errors import RuleError, ValidationError
from village_counsel.stats import check

TODAY = date(2026, 11, 20)


def _matter(store, village, **extra):
    values = {"raiser": "王建国", "content": "村东路灯损坏，要求修复", "category": "村庄建设", **extra}
    _, created = matters.create_session(
        store, village.id, {"date": "2026-11-05", "format": "固定日集中说"}, [values]
    )
    return created[0]


def _deliberate(store, matter_id, route, **extra):
    values = {"discussion": "两委与村民代表议事", "route": route, "decided_on": "2026-11-06", **extra}
    if route in (vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP):
        values.setdefault("responsible", "李海波")
    if route == vocab.ROUTE_REJECT:
        values.setdefault("reject_reason", "超出村级职权")
    record, _ = matters.deliberate(store, matter_id, values, today=TODAY)
    return record


def _handle(store, matter_id, day="2026-11-10", today=TODAY):
    return matters.handle(store, matter_id, {"result": "已修复", "feedback_date": day}, today=today)


def _evaluate(store, matter_id, verdict, day="2026-11-15"):
    return matters.evaluate(store, matter_id, {"evaluation": verdict, "evaluated_on": day}, today=TODAY)


# --- sessions -----------------------------------------------------------------------------------------------


def test_session_with_matters_is_numbered_and_starts_at_shuoshi(store, village):
    session, created = matters.create_session(
        store,
        village.id,
        {"date": "2026-11-05", "format": "现场说", "attendance": {"村民代表": 9, "党员": 0}},
        [
            {"raiser": "王建国", "content": "路灯坏了", "category": "村庄建设"},
            {"raiser": "陈秀英", "content": "宅基地界址争议", "category": "社会稳定", "legal_aspect": True},
        ],
    )
    assert session["number"] == "说事-2026-11-01"
    assert session["attendance"] == {"村民代表": 9}  # zero counts dropped
    assert [m["stage"] for m in created] == ["说事", "说事"]
    assert [m["date"] for m in created] == ["2026-11-05", "2026-11-05"]  # the session's date carried over
    assert created[0]["legal_aspect"] is False and created[1]["legal_aspect"] is True
    assert matters.allowed_actions(created[0]) == ["deliberate"]
    assert matters.status_label(created[0]) == "待议事"
    second, _ = matters.create_session(store, village.id, {"date": "2026-11-19", "format": "线上说"})
    assert second["number"] == "说事-2026-11-02"
    assert [m.id for m in matters.session_matters(store, session.id)] == [m.id for m in created]


def test_session_is_saved_with_its_matters_or_not_at_all(store, village):
    before = store.fingerprint()
    with pytest.raises(ValidationError) as err:
        matters.create_session(
            store,
            village.id,
            {"date": "2026-11-05", "format": "现场说"},
            [{"raiser": "王建国", "content": "路灯", "category": "村庄建设"}, {"raiser": "陈秀英"}],
        )
    assert err.value.errors == {"事项2·content": "必须填写", "事项2·category": "必须填写"}
    assert store.fingerprint() == before


def test_session_required_fields_in_chinese(store, village):
    with pytest.raises(ValidationError) as err:
        matters.create_session(store, village.id, {"format": "散步说"})
    assert err.value.errors["date"] == "必须填写"
    assert "应为以下之一" in err.value.errors["format"]
    assert "日期：必须填写" in str(err.value) and "形式：" in str(err.value)


def test_session_in_unknown_village_is_refused(store):
    with pytest.raises(ValidationError, match="所选村不存在"):
        matters.create_session(store, "no-such-village", {"date": "2026-11-05", "format": "现场说"})


def test_new_matter_drops_later_stage_fields(store, village):
    m = _matter(store, village, route=vocab.ROUTE_VILLAGE, result="已办好", evaluation="满意")
    assert m["stage"] == "说事"
    assert "route" not in m.data and "result" not in m.data and "evaluation" not in m.data


def test_add_matter_to_existing_session(store, village):
    session, _ = matters.create_session(store, village.id, {"date": "2026-11-05", "format": "现场说"})
    m = matters.add_matter(
        store, session.id, {"raiser": "周志明", "content": "水压低", "category": "村庄建设"}
    )
    assert m["session_id"] == session.id and m["date"] == "2026-11-05" and m.village_id == village.id


# --- transitions ----------------------------------------------------------------------------------------------


def test_cannot_handle_or_evaluate_before_deliberation(store, village):
    m = _matter(store, village)
    with pytest.raises(RuleError, match="不能办事"):
        _handle(store, m.id)
    with pytest.raises(RuleError, match="不能评事"):
        _evaluate(store, m.id, "满意")
    assert store.get("matter", m.id)["stage"] == "说事"


def test_cannot_evaluate_before_handled(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE)
    with pytest.raises(RuleError, match="事项尚未办理，不能评事"):
        _evaluate(store, m.id, "满意")


def test_cannot_deliberate_twice(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE)
    with pytest.raises(RuleError, match="不能议事"):
        _deliberate(store, m.id, vocab.ROUTE_TOWNSHIP)


def test_cannot_handle_twice_or_after_closure(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE)
    _handle(store, m.id)
    with pytest.raises(RuleError):
        _handle(store, m.id)
    _evaluate(store, m.id, "满意")
    for action in (lambda: _handle(store, m.id), lambda: _evaluate(store, m.id, "满意")):
        with pytest.raises(RuleError):
            action()
    assert matters.allowed_actions(store.get("matter", m.id)) == []


@pytest.mark.parametrize("route", [vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP])
def test_village_and_township_routes_full_lifecycle(store, village, route):
    m = _matter(store, village)
    d = _deliberate(store, m.id, route, deadline="2026-11-20")
    assert d["stage"] == "议事" and d["route"] == route and d["responsible"] == "李海波"
    assert d["deadline"] == "2026-11-20"
    assert matters.allowed_actions(d) == ["handle"] and matters.status_label(d) == "办理中"
    h = _handle(store, m.id)
    assert h["stage"] == "办事" and h["result"] == "已修复" and h["feedback_date"] == "2026-11-10"
    assert matters.allowed_actions(h) == ["evaluate"] and matters.status_label(h) == "待评议"
    e = _evaluate(store, m.id, "基本满意")
    assert e["stage"] == "评事" and e["evaluation"] == "基本满意"
    assert matters.status_label(e) == "已办结"
    assert [ev["stage"] for ev in e["events"]] == ["说事", "议事", "办事", "评事"]
    assert [ev["date"] for ev in e["events"]] == ["2026-11-05", "2026-11-06", "2026-11-10", "2026-11-15"]
    assert e["evaluations"] == [{"date": "2026-11-15", "evaluation": "基本满意", "note": None}]
    assert check(store, today=TODAY) == []


@pytest.mark.parametrize("route", [vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP])
def test_route_needs_responsible_and_gets_default_deadline(store, village, route):
    m = _matter(store, village)
    with pytest.raises(ValidationError) as err:
        matters.deliberate(store, m.id, {"discussion": "议", "route": route}, today=TODAY)
    assert err.value.errors == {"responsible": "必须填写"}
    assert "责任人：必须填写" in str(err.value)
    record, _ = matters.deliberate(
        store, m.id, {"discussion": "议", "route": route, "responsible": "李海波"}, today=TODAY
    )
    assert record["deadline"] == "2026-11-27"  # today + 7 days
    other = _matter(store, village)
    dated = _deliberate(store, other.id, route)  # decided on 2026-11-06
    assert dated["deadline"] == "2026-11-13"


def test_deliberation_requires_discussion_and_route(store, village):
    m = _matter(store, village)
    with pytest.raises(ValidationError) as err:
        matters.deliberate(store, m.id, {}, today=TODAY)
    assert err.value.errors == {"discussion": "必须填写", "route": "必须填写"}
    with pytest.raises(ValidationError) as err:
        matters.deliberate(store, m.id, {"discussion": "议", "route": "随便"}, today=TODAY)
    assert err.value.errors["route"].startswith("应为以下之一：村内办理")
    assert store.get("matter", m.id)["stage"] == "说事"


def test_deadline_cannot_be_before_raised(store, village):
    m = _matter(store, village)
    with pytest.raises(ValidationError) as err:
        _deliberate(store, m.id, vocab.ROUTE_VILLAGE, deadline="2026-11-01")
    assert err.value.errors == {"deadline": "不能早于提出日期"}


def test_handle_requires_result_and_feedback_date(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE)
    with pytest.raises(ValidationError) as err:
        matters.handle(store, m.id, {})
    assert err.value.errors == {"result": "必须填写", "feedback_date": "必须填写"}
    assert "办理结果：必须填写" in str(err.value) and "反馈日期：必须填写" in str(err.value)
    with pytest.raises(ValidationError) as err:
        matters.handle(store, m.id, {"result": "好", "feedback_date": "2026-13-01"})
    assert "日期格式" in err.value.errors["feedback_date"]


def test_evaluate_requires_a_valid_evaluation(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE)
    _handle(store, m.id)
    with pytest.raises(ValidationError) as err:
        matters.evaluate(store, m.id, {}, today=TODAY)
    assert err.value.errors == {"evaluation": "必须填写"}
    assert "群众评价：必须填写" in str(err.value)
    with pytest.raises(ValidationError) as err:
        matters.evaluate(store, m.id, {"evaluation": "很好"}, today=TODAY)
    assert "满意、基本满意、不满意" in err.value.errors["evaluation"]


def test_reject_needs_reasons_and_goes_to_evaluation(store, village):
    m = _matter(store, village)
    with pytest.raises(ValidationError) as err:
        matters.deliberate(store, m.id, {"discussion": "议", "route": vocab.ROUTE_REJECT}, today=TODAY)
    assert err.value.errors == {"reject_reason": "必须填写"}
    assert "不予采纳理由：必须填写" in str(err.value)
    d = _deliberate(store, m.id, vocab.ROUTE_REJECT)
    assert d["reject_reason"] == "超出村级职权" and "deadline" not in d.data
    assert matters.allowed_actions(d) == ["evaluate"] and matters.status_label(d) == "待评议"
    with pytest.raises(RuleError):
        _handle(store, m.id)
    e = _evaluate(store, m.id, "满意")
    assert e["stage"] == "评事"
    assert matters.handled_on(e.data) == "2026-11-15"
    assert check(store, today=TODAY) == []


def test_unsatisfied_reopens_for_a_new_deliberation(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE)
    _handle(store, m.id)
    r = _evaluate(store, m.id, "不满意")
    assert r["stage"] == "说事" and r["reopened"] == 1
    assert r["route"] is None and r["result"] is None and r["evaluation"] is None
    assert r["responsible"] is None and r["discussion"] is None  # the next round names its own
    # the first round's details stay in its events (the 一事一档 page shows every round)
    first_deliberation, first_handling = r["events"][1], r["events"][2]
    assert first_deliberation["responsible"] == "李海波" and first_deliberation["discussion"]
    assert first_handling["result"] == "已修复"
    assert matters.allowed_actions(r) == ["deliberate"]
    assert matters.handled_on(r.data) is None
    # a new round, with the history kept
    again, _ = matters.deliberate(
        store,
        m.id,
        {
            "discussion": "重新议事",
            "route": vocab.ROUTE_TOWNSHIP,
            "responsible": "李海波",
            "decided_on": "2026-11-16",
        },
        today=TODAY,
    )
    assert again["deadline"] == "2026-11-23"  # a fresh default deadline, not the first round's
    _handle(store, m.id, "2026-11-18")
    done = _evaluate(store, m.id, "满意", "2026-11-19")
    assert [ev["evaluation"] for ev in done["evaluations"]] == ["不满意", "满意"]
    assert [ev["stage"] for ev in done["events"]] == ["说事", "议事", "办事", "评事", "议事", "办事", "评事"]
    assert done["events"][3]["reopened"] is True
    assert check(store, today=TODAY) == []
    from tests.unit.test_reports import pdf_text
    from village_counsel.reports.dossier import record_pdf

    text = "".join(pdf_text(record_pdf(store, done, today=TODAY)).split())
    assert "办理结果：已修复" in text and "责任人：李*波" in text


def test_reopened_matter_is_not_overdue_on_its_old_deadline(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, deadline="2026-11-08")
    _handle(store, m.id, "2026-11-07")
    _evaluate(store, m.id, "不满意", "2026-11-09")
    assert not matters.is_overdue(store.get("matter", m.id), date(2026, 11, 20))


def test_unsatisfied_rejection_reopens_too(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_REJECT)
    r = _evaluate(store, m.id, "不满意")
    assert r["stage"] == "说事" and r["reject_reason"] is None and r["reopened"] == 1


# --- enter once: the linked records ---------------------------------------------------------------------


def test_mediation_route_creates_linked_entry(store, village):
    m = _matter(store, village, category="社会稳定", content="两户宅基地界址争执")
    record, changes = matters.deliberate(
        store,
        m.id,
        {"discussion": "属民间纠纷", "route": vocab.ROUTE_MEDIATION, "decided_on": "2026-11-06"},
        today=TODAY,
    )
    assert changes.kinds == {"matter", "service_entry"}
    entry = store.get("service_entry", record["mediation_id"])
    # linked both ways, carrying over what is known
    assert entry["matter_id"] == m.id and entry.village_id == village.id
    assert entry["duty"] == checklist.MEDIATION_DUTY
    assert entry["date"] == "2026-11-06"
    assert entry["content"] == "两户宅基地界址争执" and entry["applicants"][0]["name"] == "王建国"
    assert entry["dispute_type"] == "邻里" and entry["source"] == "主动调解"
    assert "outcome" not in entry.data
    assert matters.allowed_actions(record) == [] and matters.status_label(record) == "调解中"
    with pytest.raises(RuleError, match="关联记录办结时自动办结"):
        _handle(store, m.id)
    assert check(store, today=TODAY) == []


def test_mediation_outcome_moves_matter_to_handled(store, village):
    m = _matter(store, village, category="社会稳定")
    record, _ = matters.deliberate(
        store,
        m.id,
        {"discussion": "调解", "route": vocab.ROUTE_MEDIATION, "decided_on": "2026-11-06"},
        today=TODAY,
    )
    entry_id = record["mediation_id"]
    checklist.update_service(store, entry_id, {"hours": 2})  # no outcome yet: nothing moves
    assert store.get("matter", m.id)["stage"] == "议事"
    checklist.update_service(
        store, entry_id, {"outcome": "调解成功", "closed_on": "2026-11-12", "result": "达成协议"}
    )
    handled = store.get("matter", m.id)
    assert handled["stage"] == "办事" and handled["feedback_date"] == "2026-11-12"
    assert handled["result"] == "转人民调解：调解成功（达成协议）"
    assert matters.allowed_actions(handled) == ["evaluate"]
    # editing the closed entry again does not move the matter a second time
    checklist.update_service(store, entry_id, {"outcome": "调解不成"})
    assert store.get("matter", m.id).rev == handled.rev
    _evaluate(store, m.id, "满意")
    assert check(store, today=TODAY) == []


def test_mediation_entry_is_created_only_once(store, village):
    m = _matter(store, village)
    record, _ = matters.deliberate(
        store, m.id, {"discussion": "调解", "route": vocab.ROUTE_MEDIATION}, today=TODAY
    )
    entries = checklist.entries(store, duty=checklist.MEDIATION_DUTY)
    assert [e.id for e in entries] == [record["mediation_id"]]


def test_decision_route_creates_linked_major_decision(store, village):
    m = _matter(store, village, content="村道硬化拓宽")
    record, changes = matters.deliberate(
        store,
        m.id,
        {"discussion": "重大事项", "route": vocab.ROUTE_DECISION, "decided_on": "2026-11-06"},
        today=TODAY,
    )
    assert changes.kinds == {"matter", "power_exercise"}
    exercise = store.get("power_exercise", record["exercise_id"])
    assert exercise["item"] == powers.DECISION_ITEM == "P01"
    assert exercise["matter_id"] == m.id and exercise.village_id == village.id
    assert exercise["subject"] == "村道硬化拓宽" and exercise["date"] == "2026-11-06"
    assert exercise["status"] == "进行中" and exercise["trigger"] == "村民建议"
    assert exercise["number"] == "P01-2026-001"
    assert matters.status_label(record) == "决策中" and matters.allowed_actions(record) == []
    with pytest.raises(RuleError):
        _handle(store, m.id)
    # steps alone do not move the matter; completing the exercise does
    powers.record_step(store, exercise.id, {"key": "proposal", "date": "2026-11-07"})
    assert store.get("matter", m.id)["stage"] == "议事"
    powers.record_step(store, exercise.id, {"key": "joint_meeting", "date": "2026-11-09"})
    powers.update_exercise(store, exercise.id, {"status": "已完成", "result": "同意实施"})
    handled = store.get("matter", m.id)
    assert handled["stage"] == "办事"
    assert handled["feedback_date"] == "2026-11-09"  # the last step's date
    assert handled["result"] == "经五议决策办结：同意实施"
    _evaluate(store, m.id, "满意")
    assert store.get("matter", m.id)["stage"] == "评事"
    assert check(store, today=TODAY) == []


def test_unsatisfied_after_mediation_can_be_routed_again(store, village):
    m = _matter(store, village)
    first, _ = matters.deliberate(
        store,
        m.id,
        {"discussion": "调解", "route": vocab.ROUTE_MEDIATION, "decided_on": "2026-11-06"},
        today=TODAY,
    )
    checklist.update_service(store, first["mediation_id"], {"outcome": "调解不成", "closed_on": "2026-11-08"})
    _evaluate(store, m.id, "不满意")
    second, changes = matters.deliberate(
        store, m.id, {"discussion": "再次调解", "route": vocab.ROUTE_MEDIATION}, today=TODAY
    )
    assert second["mediation_id"] and second["mediation_id"] != first["mediation_id"]
    assert "service_entry" in changes.kinds
    assert check(store, today=TODAY) == []


# --- overdue ------------------------------------------------------------------------------------------------


def test_overdue_open_matter(store, village):
    m = _matter(store, village)
    d = _deliberate(store, m.id, vocab.ROUTE_VILLAGE, deadline="2026-11-13")
    assert not matters.is_overdue(d, date(2026, 11, 13))  # the deadline day itself is not late
    assert matters.is_overdue(d, date(2026, 11, 14))
    assert [x.id for x in matters.overdue_matters(store, village.id, today=date(2026, 11, 14))] == [m.id]
    assert matters.overdue_matters(store, village.id, today=date(2026, 11, 13)) == []


def test_overdue_is_historical_for_a_matter_handled_late(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, deadline="2026-11-13")
    late = _handle(store, m.id, "2026-11-18")
    assert matters.is_overdue(late, date(2026, 11, 15))  # it was overdue then
    assert not matters.is_overdue(late, date(2026, 11, 18))  # handled that day
    assert not matters.is_overdue(late, date(2026, 11, 30))
    assert not matters.is_overdue(late, date(2026, 11, 12))  # before the deadline
    closed = _evaluate(store, m.id, "满意", "2026-11-19")
    assert matters.is_overdue(closed, date(2026, 11, 16))
    assert not matters.is_overdue(closed, date(2026, 11, 19))
    assert matters.overdue_matters(store, village.id, today=date(2026, 11, 16)) == []  # current state only


def test_rejected_and_linked_matters_are_never_overdue(store, village):
    rejected = _matter(store, village)
    _deliberate(store, rejected.id, vocab.ROUTE_REJECT)
    mediated = _matter(store, village)
    _deliberate(store, mediated.id, vocab.ROUTE_MEDIATION)
    far = date(2027, 6, 1)
    assert not matters.is_overdue(store.get("matter", rejected.id), far)
    assert not matters.is_overdue(store.get("matter", mediated.id), far)
    assert not matters.is_overdue(_matter(store, village), far)  # not yet deliberated: no deadline


# --- figures -----------------------------------------------------------------------------------------------


def test_figures_rates_and_counts(store, village):
    ids = [_matter(store, village, legal_aspect=n < 2).id for n in range(6)]
    # 0: closed 满意; 1: closed 基本满意; 2: reopened (不满意), still open; 3: handled, unevaluated;
    # 4: open, overdue; 5: raised only
    for mid in ids[:5]:
        _deliberate(store, mid, vocab.ROUTE_VILLAGE, deadline="2026-11-13")
    for mid in ids[:4]:
        _handle(store, mid, "2026-11-10")
    _evaluate(store, ids[0], "满意")
    _evaluate(store, ids[1], "基本满意")
    _evaluate(store, ids[2], "不满意")
    f = matters.figures(store, "2026-11", village.id, today=TODAY)
    assert (f.sessions, f.raised, f.closed, f.legal) == (6, 6, 2, 2)
    assert f.overdue == 1
    assert (f.evaluated, f.satisfied) == (3, 2)
    assert f.closure_rate == pytest.approx(2 / 6)
    assert f.satisfaction_rate == pytest.approx(2 / 3)
    assert f.by_stage == {"说事": 2, "议事": 1, "办事": 1, "评事": 2}
    # a matter not taken up (不予采纳) waits for the evaluation: counted as 待评议, as the lists show it
    rejected = _matter(store, village)
    _deliberate(store, rejected.id, vocab.ROUTE_REJECT)
    assert matters.status_label(store.get("matter", rejected.id)) == "待评议"
    f = matters.figures(store, "2026-11", village.id, today=TODAY)
    assert f.by_stage == {"说事": 2, "议事": 1, "办事": 2, "评事": 2}
    # all villages together, and another month
    assert matters.figures(store, "2026-11", today=TODAY).raised == 7
    empty = matters.figures(store, "2026-10", village.id, today=TODAY)
    assert (empty.raised, empty.closure_rate, empty.satisfaction_rate) == (0, None, None)


def test_figures_of_a_past_month_count_late_handling(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, deadline="2026-11-20")
    _handle(store, m.id, "2026-12-10", today=date(2027, 1, 5))
    # seen from January, November ended with the matter overdue
    assert matters.figures(store, "2026-11", village.id, today=date(2027, 1, 5)).overdue == 1
    # seen on the deadline day itself, not yet
    assert matters.figures(store, "2026-11", village.id, today=date(2026, 11, 20)).overdue == 0


def test_bad_decision_and_evaluation_dates_are_refused_in_chinese(store, village):
    m = _matter(store, village)
    with pytest.raises(ValidationError) as err:
        _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-13-01")
    assert "日期格式" in err.value.errors["decided_on"] and "议事日期" in str(err.value)
    with pytest.raises(ValidationError) as err:
        _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-11-01")
    assert err.value.errors == {"decided_on": "不能早于提出日期"}
    assert store.get("matter", m.id)["stage"] == "说事"
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE)
    _handle(store, m.id)
    with pytest.raises(ValidationError) as err:
        _evaluate(store, m.id, "满意", "11月15日")
    assert "日期格式" in err.value.errors["evaluated_on"] and "评议日期" in str(err.value)
    assert store.get("matter", m.id)["stage"] == "办事"


def test_a_stale_link_does_not_move_a_rerouted_matter(store, village):
    m = _matter(store, village)
    first, _ = matters.deliberate(
        store,
        m.id,
        {"discussion": "调解", "route": vocab.ROUTE_MEDIATION, "decided_on": "2026-11-06"},
        today=TODAY,
    )
    old_entry = first["mediation_id"]
    checklist.update_service(store, old_entry, {"outcome": "调解不成", "closed_on": "2026-11-08"})
    _evaluate(store, m.id, "不满意")
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-11-16")
    # the old entry's outcome is cleared and set again: the matter now follows its new route
    checklist.update_service(store, old_entry, {"outcome": None})
    checklist.update_service(store, old_entry, {"outcome": "调解成功"})
    current = store.get("matter", m.id)
    assert current["stage"] == "议事" and current["route"] == vocab.ROUTE_VILLAGE
    assert "result" not in current.data or current["result"] is None


def test_feedback_cannot_precede_the_deliberation(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-11-08")
    with pytest.raises(ValidationError) as err:
        _handle(store, m.id, "2026-11-07")
    assert err.value.errors == {"feedback_date": "不能早于议事日期 2026-11-08"}
    assert "反馈日期：不能早于议事日期" in str(err.value)
    assert _handle(store, m.id, "2026-11-08")["stage"] == "办事"


def test_terminated_decision_also_moves_the_matter_on(store, village):
    m = _matter(store, village)
    record, _ = matters.deliberate(
        store,
        m.id,
        {"discussion": "重大事项", "route": vocab.ROUTE_DECISION, "decided_on": "2026-11-06"},
        today=TODAY,
    )
    powers.record_step(store, record["exercise_id"], {"key": "proposal", "date": "2026-11-07"})
    powers.update_exercise(store, record["exercise_id"], {"status": "已终止", "result": "党支部撤回提议"})
    handled = store.get("matter", m.id)
    assert handled["stage"] == "办事" and handled["result"] == "五议决策终止：党支部撤回提议"
    assert matters.allowed_actions(handled) == ["evaluate"]
    assert check(store, today=TODAY) == []


def test_check_finds_broken_links(store, village):
    mediated = _matter(store, village)
    record, _ = matters.deliberate(
        store, mediated.id, {"discussion": "调解", "route": vocab.ROUTE_MEDIATION}, today=TODAY
    )
    decided = _matter(store, village)
    decision, _ = matters.deliberate(
        store, decided.id, {"discussion": "决策", "route": vocab.ROUTE_DECISION}, today=TODAY
    )
    assert check(store, today=TODAY) == []
    # a mediation route that lost its entry would wait for ever; an exercise whose matter is gone
    store.put("matter", {**record.data, "mediation_id": None}, id=mediated.id)
    exercise = store.get("power_exercise", decision["exercise_id"])
    store.put("power_exercise", {**exercise.data, "matter_id": "gone"}, id=exercise.id)
    problems = check(store, today=TODAY)
    assert any(mediated.id in p and "没有关联的调解记录" in p for p in problems), problems
    assert any(exercise.id in p and "关联事项 gone 不存在" in p for p in problems), problems
    assert any(decided.id in p and "关联记录" in p and "没有指回" in p for p in problems), problems
    assert len(problems) == 3


def test_a_late_round_stays_overdue_in_history_after_reopening(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, deadline="2026-11-13")
    _handle(store, m.id, "2026-11-18")  # five days late
    reopened = _evaluate(store, m.id, "不满意", "2026-11-19")
    assert matters.is_overdue(reopened, date(2026, 11, 15))
    assert not matters.is_overdue(reopened, date(2026, 11, 18))
    assert not matters.is_overdue(reopened, date(2026, 11, 25))
    assert matters.figures(store, "2026-11", village.id, today=date(2027, 1, 5)).overdue == 0
    # a second round, late again and still open
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-11-20", deadline="2026-11-25")
    current = store.get("matter", m.id)
    assert matters.is_overdue(current, date(2026, 11, 15))  # the first round, then
    assert not matters.is_overdue(current, date(2026, 11, 22))
    assert matters.is_overdue(current, date(2026, 11, 26))


def test_update_matter_corrects_recorded_fields_only(store, village):
    from village_counsel import matters as m
    from village_counsel.errors import RuleError, ValidationError

    _, (matter,) = m.create_session(
        store,
        village.id,
        {"date": "2026-11-05", "format": "现场说"},
        [{"raiser": "王建国", "content": "路灯坏了", "category": "村庄建设"}],
    )
    fixed = m.update_matter(store, matter.id, {"content": "村东路灯坏了三盏", "raiser_phone": "13812345678"})
    assert fixed["content"] == "村东路灯坏了三盏" and fixed["stage"] == "说事"
    with pytest.raises(RuleError, match="处理方式"):
        m.update_matter(store, matter.id, {"route": "村内办理"})
    with pytest.raises(ValidationError) as err:
        m.update_matter(store, matter.id, {"content": ""})
    assert "content" in err.value.errors
    assert store.get("matter", matter.id)["content"] == "村东路灯坏了三盏"
    assert "discussion" not in m.editable_fields(fixed)


def test_advisor_attendance_is_the_session_duty_entry(store, village):
    """Enter once: a session the advisor attended counts for 参与村民说事 without a second entry."""
    from village_counsel import checklist as cl

    session, _ = matters.create_session(
        store,
        village.id,
        {"date": "2026-11-05", "format": "现场说", "attendance": {"法律顾问": 1, "村民代表": 9}},
    )
    entry = store.get("service_entry", session["service_id"])
    assert entry["duty"] == cl.SESSION_DUTY and entry["session_id"] == session.id and entry["people"] == 10
    row = next(
        p
        for p in cl.progress(store, "2026-11", village.id, today=date(2026, 11, 20))
        if p.duty.name == cl.SESSION_DUTY
    )
    assert row.done == 1 and row.due == 0
    moved = matters.update_session(store, session.id, {"date": "2026-11-07"})
    assert store.get("service_entry", moved["service_id"])["date"] == "2026-11-07"
    gone = matters.update_session(store, session.id, {"attendance": {"村民代表": 9}})
    assert gone.get("service_id") is None
    assert store.list("service_entry", village_id=village.id) == []
    no_advisor, _ = matters.create_session(store, village.id, {"date": "2026-11-09", "format": "线上说"})
    assert not no_advisor.get("service_id")


def test_a_corrected_deadline_is_the_one_overdue_is_judged_by(store, village):
    _, (matter,) = matters.create_session(
        store,
        village.id,
        {"date": "2026-11-01", "format": "现场说"},
        [{"raiser": "王建国", "content": "路灯坏了", "category": "村庄建设"}],
    )
    matters.deliberate(
        store,
        matter.id,
        {
            "discussion": "议定维修",
            "route": "村内办理",
            "responsible": "李主任",
            "deadline": "2026-11-08",
            "decided_on": "2026-11-01",
        },
    )
    on = date(2026, 11, 10)
    assert matters.is_overdue(store.get("matter", matter.id), on)
    fixed = matters.update_matter(store, matter.id, {"deadline": "2026-11-30"})
    assert not matters.is_overdue(fixed, on)
    assert matters.figures(store, "2026-11", village.id, today=on).overdue == 0
    assert matters.overdue_matters(store, village.id, today=on) == []


def test_steps_cannot_be_dated_in_the_future_or_before_the_previous_step(store, village):
    m = _matter(store, village)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-11-21")  # TODAY is the 20th
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-11-08")
    with pytest.raises(ValidationError) as err:
        _handle(store, m.id, "2026-11-21")
    assert "不能晚于今天" in err.value.errors["feedback_date"]
    _handle(store, m.id, "2026-11-12")
    with pytest.raises(ValidationError) as err:
        _evaluate(store, m.id, "满意", "2026-11-10")  # before the 办事 of the 12th
    assert err.value.errors == {"evaluated_on": "不能早于上一环节（办事 2026-11-12）"}
    with pytest.raises(ValidationError, match="不能晚于今天"):
        _evaluate(store, m.id, "满意", "2026-11-21")
    assert store.get("matter", m.id)["stage"] == "办事"  # nothing of the refused steps stored
    assert _evaluate(store, m.id, "满意", "2026-11-12")["stage"] == "评事"


def test_the_previous_step_is_the_later_of_two_on_one_day(store, village):
    m = _matter(store, village)
    _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-11-08")
    _handle(store, m.id, "2026-11-12")
    _evaluate(store, m.id, "不满意", "2026-11-12")  # 办事 and 评事 on the 12th: the 评事 came after
    with pytest.raises(ValidationError) as err:
        _deliberate(store, m.id, vocab.ROUTE_VILLAGE, decided_on="2026-11-11")
    assert err.value.errors == {"decided_on": "不能早于上一环节（评事 2026-11-12）"}


def test_a_decision_closed_without_steps_handles_its_matter_the_day_it_is_closed(store, village):
    m = _matter(store, village)
    record = _deliberate(store, m.id, vocab.ROUTE_DECISION)
    powers.update_exercise(store, record["exercise_id"], {"status": "已终止", "result": "撤回"})
    handled = store.get("matter", m.id)
    assert handled["stage"] == "办事" and handled["feedback_date"] == date.today().isoformat()
