"""小微权力: the catalogue, exercise records and every compliance finding of the legality review."""

from __future__ import annotations

import json
from datetime import date

import pytest

from village_counsel import powers
from village_counsel.catalog import load_catalog
from village_counsel.errors import ValidationError

TODAY = date(2026, 11, 20)


def _p01_steps() -> list[dict]:
    """A major decision (五议决策法) that followed every step in time."""
    return [
        {"key": "proposal", "date": "2026-10-01"},
        {"key": "joint_meeting", "date": "2026-10-03", "expected": 9, "present": 9},
        {"key": "plan_publicity", "date": "2026-10-05", "end_date": "2026-10-19"},  # 15 days
        {"key": "party_review", "date": "2026-10-20"},
        {"key": "villager_resolution", "date": "2026-10-22", "votes_for": 30, "votes_against": 2},
        {"key": "resolution_publicity", "date": "2026-10-23", "end_date": "2026-10-25"},  # 3 days
        {"key": "implement", "date": "2026-10-26"},
        {"key": "result_publicity", "date": "2026-11-01"},  # posted, no minimum length
        {"key": "evaluation", "date": "2026-11-10"},
    ]


def _p01(steps=None, **extra) -> dict:
    return {
        "item": "P01",
        "date": "2026-10-01",
        "subject": "村道硬化工程",
        "status": "已完成",
        "steps": _p01_steps() if steps is None else steps,
        **extra,
    }


def _without(key: str) -> list[dict]:
    return [s for s in _p01_steps() if s["key"] != key]


def _with(key: str, **changes) -> list[dict]:
    return [{**s, **changes} if s["key"] == key else s for s in _p01_steps()]


def _codes(findings) -> list[tuple[str, str | None]]:
    return [(f.code, f.step) for f in findings]


# --- the catalogue ------------------------------------------------------------------------------------------


def test_catalogue_has_the_fourteen_items_of_both_kinds():
    catalog = load_catalog()
    assert len(catalog.items) >= 14
    kinds = {item.kind for item in catalog.items.values()}
    assert kinds == {"collective", "service"}
    p01 = catalog.item("P01")
    assert p01.name.startswith("村级重大事项决策")
    assert [s.key for s in p01.steps][:3] == ["proposal", "joint_meeting", "plan_publicity"]
    assert p01.step("plan_publicity").publicity_days == 15
    assert p01.step("resolution_publicity").publicity_days == 3
    assert catalog.item("P03").tender_threshold == 500000
    assert catalog.item("P10").kind_label == "便民服务事项"
    assert catalog.item("P10").step("village_publicity").publicity_days == 7


# --- a clean exercise ---------------------------------------------------------------------------------------


def test_clean_exercise_has_no_findings():
    assert powers.review(_p01(), today=TODAY) == []


def test_exercise_in_progress_is_not_missing_its_later_steps():
    started = _p01(steps=_p01_steps()[:3], status="进行中")
    assert powers.review(started, today=date(2026, 10, 10)) == []  # publicity still running, end recorded
    posting = _p01(
        steps=[*_p01_steps()[:2], {"key": "plan_publicity", "date": "2026-10-05"}], status="进行中"
    )
    assert powers.review(posting, today=date(2026, 10, 10)) == []  # end not yet known, nothing follows


def test_stored_exercise_round_trip_and_review(store, village):
    exercise = powers.create_exercise(
        store, village.id, _p01(status="进行中", steps=list(reversed(_p01_steps())))
    )
    assert exercise["number"] == "P01-2026-001"
    assert [s["key"] for s in exercise["steps"]] == [s["key"] for s in _p01_steps()]  # catalogue order
    assert powers.review(exercise, today=TODAY) == []
    done = powers.update_exercise(store, exercise.id, {"status": "已完成"})
    assert powers.review(done, today=TODAY) == []
    second = powers.create_exercise(store, village.id, _p01(steps=[]))
    assert second["number"] == "P01-2026-002"
    reviewed = powers.findings_by_exercise(store, village.id, "2026-10", today=TODAY)
    assert {e.id: len(f) for e, f in reviewed} == {exercise.id: 0, second.id: 9}


# --- each finding -------------------------------------------------------------------------------------------


def test_missing_step():
    findings = powers.review(_p01(_without("party_review")), today=TODAY)
    assert _codes(findings) == [("missing_step", "party_review")]
    assert findings[0].message == "缺少必经步骤“党员大会审议”"
    assert findings[0].label == "缺少步骤"


def test_missing_step_before_a_later_one_while_in_progress():
    steps = [s for s in _p01_steps()[:5] if s["key"] != "joint_meeting"]
    findings = powers.review(_p01(steps, status="进行中"), today=TODAY)
    assert _codes(findings) == [("missing_step", "joint_meeting")]


def test_completed_exercise_misses_every_unrecorded_step():
    findings = powers.review(_p01(_p01_steps()[:7]), today=TODAY)
    assert _codes(findings) == [("missing_step", "result_publicity"), ("missing_step", "evaluation")]


def test_steps_out_of_order():
    findings = powers.review(_p01(_with("joint_meeting", date="2026-09-28")), today=TODAY)
    assert _codes(findings) == [("out_of_order", "joint_meeting")]
    assert "顺序颠倒" in findings[0].message and "2026-09-28" in findings[0].message
    assert findings[0].label == "顺序颠倒"


def test_publicity_too_short():
    findings = powers.review(_p01(_with("plan_publicity", end_date="2026-10-14")), today=TODAY)
    # 10 days where 15 are required; the party review on 10-20 is after the required end, so no more
    assert _codes(findings) == [("publicity_too_short", "plan_publicity")]
    assert findings[0].message == "“方案公示”公示 10 天（2026-10-05 至 2026-10-14），少于规定的 15 天"
    assert findings[0].label == "公示期不足"


def test_publicity_end_missing():
    steps = _with("resolution_publicity")
    del steps[5]["end_date"]
    findings = powers.review(_p01(steps), today=TODAY)
    assert _codes(findings) == [("publicity_end_missing", "resolution_publicity")]
    assert "未记录公示截止日期" in findings[0].message and "3 天" in findings[0].message
    assert findings[0].label == "公示期未记录"


def test_decision_before_publicity_ended():
    findings = powers.review(_p01(_with("party_review", date="2026-10-15")), today=TODAY)
    assert _codes(findings) == [("decided_during_publicity", "party_review")]
    assert findings[0].message == "“党员大会审议”（2026-10-15）在“方案公示”公示期满（2026-10-19）之前进行"
    assert findings[0].label == "公示期内决策"


def test_decision_on_the_last_publicity_day_is_too_early():
    findings = powers.review(_p01(_with("party_review", date="2026-10-19")), today=TODAY)
    assert _codes(findings) == [("decided_during_publicity", "party_review")]


def test_short_publicity_with_an_early_decision_gives_both_findings():
    steps = _with("plan_publicity", end_date="2026-10-10")
    steps = [{**s, "date": "2026-10-11"} if s["key"] == "party_review" else s for s in steps]
    findings = powers.review(_p01(steps), today=TODAY)
    assert _codes(findings) == [
        ("publicity_too_short", "plan_publicity"),
        ("decided_during_publicity", "party_review"),
    ]


def _p03(amount, keys=("decision", "filing", "tender", "contract", "acceptance", "result_publicity")):
    days = iter(["2026-09-01", "2026-09-05", "2026-09-20", "2026-10-01", "2026-11-01", "2026-11-05"])
    return {
        "item": "P03",
        "date": "2026-09-01",
        "subject": "村道修缮工程",
        "amount": amount,
        "status": "已完成",
        "steps": [{"key": k, "date": next(days)} for k in keys],
    }


def test_tender_skipped_above_threshold():
    no_tender = ("decision", "filing", "contract", "acceptance", "result_publicity")
    findings = powers.review(_p03(650000, no_tender), today=TODAY)
    assert _codes(findings) == [("tender_skipped", "tender")]
    assert findings[0].message == "金额 650,000 元，达到 500,000 元应公开招投标，但未记录招投标"
    assert findings[0].label == "应招标未招标"
    assert _codes(powers.review(_p03(500000, no_tender), today=TODAY)) == [("tender_skipped", "tender")]
    assert powers.review(_p03(480000, no_tender), today=TODAY) == []
    assert powers.review(_p03(None, no_tender), today=TODAY) == []
    assert powers.review(_p03(650000), today=TODAY) == []


def test_future_dates():
    steps = [*_p01_steps()[:8], {"key": "evaluation", "date": "2026-12-01"}]
    findings = powers.review(_p01(steps), today=TODAY)
    assert _codes(findings) == [("future_date", "evaluation")]
    assert findings[0].message == "“群众评议”的日期 2026-12-01 晚于今天"
    assert findings[0].label == "日期在未来"
    later = powers.review(_p01(_p01_steps()[:2], date="2026-12-24", status="进行中"), today=TODAY)
    assert ("future_date", None) in _codes(later)
    assert any(f.message == "启动日期 2026-12-24 晚于今天" for f in later)


def test_unknown_item_is_a_finding_not_a_crash():
    findings = powers.review({"item": "P99", "steps": []}, today=TODAY)
    assert len(findings) == 1 and "P99" in findings[0].message


# --- amount-dependent steps (P06 联审联签) ----------------------------------------------------------------


def _p06(amount, keys):
    return {
        "item": "P06",
        "date": "2026-11-02",
        "subject": "路灯电费支出",
        "amount": amount,
        "status": "已完成",
        "steps": [{"key": k, "date": f"2026-11-{n + 2:02d}"} for n, k in enumerate(keys)],
    }


BASIC = ("handler", "director", "secretary", "supervision", "accountant")


def test_small_sum_needs_no_meetings():
    assert powers.review(_p06(30000, BASIC), today=TODAY) == []


def test_large_sum_needs_the_joint_meeting():
    findings = powers.review(_p06(60000, BASIC), today=TODAY)
    assert _codes(findings) == [("missing_step", "joint_meeting")]
    keys = ("handler", "joint_meeting", "director", "secretary", "supervision", "accountant")
    assert powers.review(_p06(60000, keys), today=TODAY) == []


def test_very_large_sum_needs_the_villager_meeting_too():
    findings = powers.review(_p06(250000, BASIC), today=TODAY)
    assert _codes(findings) == [("missing_step", "joint_meeting"), ("missing_step", "villager_meeting")]
    assert [s.key for s in load_catalog().item("P06").required_steps(250000)] == [
        "handler",
        "joint_meeting",
        "villager_meeting",
        *BASIC[1:],
    ]


# --- validation of exercises ----------------------------------------------------------------------------


def test_exercise_validation_in_chinese(store, village):
    with pytest.raises(ValidationError) as err:
        powers.create_exercise(store, village.id, {"item": "P01"})
    assert err.value.errors == {"date": "必须填写", "subject": "必须填写"}
    with pytest.raises(ValidationError) as err:
        powers.create_exercise(store, village.id, {"item": "P99", "date": "2026-11-01", "subject": "x"})
    assert err.value.errors == {"item": "权力清单中没有事项 P99"}
    with pytest.raises(ValidationError) as err:
        powers.create_exercise(
            store,
            village.id,
            _p01(steps=[{"key": "plan_publicity", "date": "2026-10-05", "end_date": "2026-10-01"}]),
        )
    assert err.value.errors == {"方案公示·公示截止": "不能早于日期"}
    with pytest.raises(ValidationError) as err:
        powers.create_exercise(store, village.id, _p01(steps=[{"key": "nonsense", "date": "2026-10-05"}]))
    assert "没有这个步骤" in err.value.errors["nonsense"]
    with pytest.raises(ValidationError) as err:
        powers.create_exercise(store, village.id, _p01(steps=[_p01_steps()[0], _p01_steps()[0]]))
    assert err.value.errors == {"proposal": "步骤重复"}
    with pytest.raises(ValidationError) as err:
        powers.create_exercise(
            store, village.id, {**_p01(), "item": "P10", "applicant_id": "330225199001011235"}
        )
    assert "身份证号不正确" in err.value.errors["applicant_id"]


def test_record_step_replaces_the_step_of_the_same_key(store, village):
    exercise = powers.create_exercise(store, village.id, _p01(steps=_p01_steps()[:2], status="进行中"))
    powers.record_step(store, exercise.id, {"key": "joint_meeting", "date": "2026-10-04"})
    steps = store.get("power_exercise", exercise.id)["steps"]
    assert [(s["key"], s["date"]) for s in steps] == [
        ("proposal", "2026-10-01"),
        ("joint_meeting", "2026-10-04"),
    ]


def test_objections_are_counted():
    steps = _with("plan_publicity", objections="有村民提出异议", handling="已答复")
    assert powers.objections(_p01(steps)) == 1
    assert powers.objections(_p01()) == 0


def test_a_township_can_extend_the_catalogue(tmp_path):
    (tmp_path / "power_items.json").write_text(
        json.dumps(
            {
                "items": [
                    {
                        "code": "P15",
                        "name": "村级河道保洁发包",
                        "kind": "collective",
                        "steps": [
                            {"key": "plan", "name": "两委拟定方案"},
                            {"key": "publicity", "name": "方案公示", "publicity_days": 5},
                        ],
                    }
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (tmp_path / "duties.json").write_text(
        json.dumps(
            {"duties": [{"code": "onsite", "name": "驻村服务", "frequency": "monthly", "quantity": 2}]}
        ),
        encoding="utf-8",
    )
    catalog = load_catalog(str(tmp_path))
    assert catalog.item("P01") is not None and catalog.item("P15").step("publicity").publicity_days == 5
    assert catalog.duties["onsite"].quantity == 2 and catalog.duties["onsite"].frequency_label == "每月 2 次"
    assert len(catalog.duties) == len(load_catalog().duties)  # merged by code, not replaced
    exercise = {
        "item": "P15",
        "date": "2026-11-01",
        "status": "已完成",
        "steps": [
            {"key": "plan", "date": "2026-11-01"},
            {"key": "publicity", "date": "2026-11-02", "end_date": "2026-11-04"},
        ],
    }
    findings = powers.review(exercise, catalog=catalog, today=TODAY)
    assert [(f.code, f.step) for f in findings] == [("publicity_too_short", "publicity")]
    assert load_catalog().item("P15") is None  # the shipped catalogue is untouched


def test_township_catalogue_in_the_data_folder_is_used(tmp_path, monkeypatch):
    import json

    from village_counsel.catalog import load_catalog

    monkeypatch.setenv("VILLAGE_COUNSEL_DATA", str(tmp_path))
    assert load_catalog().item("P99") is None
    (tmp_path / "catalog").mkdir()
    item = {
        "code": "P99",
        "name": "村级养老服务补贴",
        "kind": "service",
        "steps": [{"key": "apply", "name": "申请"}, {"key": "post", "name": "公示", "publicity_days": 5}],
    }
    (tmp_path / "catalog" / "power_items.json").write_text(json.dumps({"items": [item]}), encoding="utf-8")
    catalog = load_catalog()
    assert catalog.item("P99").name == "村级养老服务补贴"
    assert catalog.item("P01") is not None  # the shipped items stay


def test_broken_township_catalogue_is_a_clear_error(tmp_path, monkeypatch):
    import pytest

    from village_counsel.catalog import load_catalog
    from village_counsel.errors import CounselError

    monkeypatch.setenv("VILLAGE_COUNSEL_DATA", str(tmp_path))
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "duties.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CounselError, match="乡镇自定义清单"):
        load_catalog()


def test_counts_that_cannot_all_be_true():
    more_present = powers.review(_p01(_with("joint_meeting", expected=9, present=12)), today=TODAY)
    assert _codes(more_present) == [("counts_inconsistent", "joint_meeting")]
    assert more_present[0].message == "“两委联席会议商议”实到 12 人，多于应到 9 人"
    assert more_present[0].label == "人数票数不符"
    too_many_votes = _with("villager_resolution", present=31, votes_for=30, votes_against=2)
    assert _codes(powers.review(_p01(too_many_votes), today=TODAY)) == [
        ("counts_inconsistent", "villager_resolution")
    ]
    fine = _with("villager_resolution", present=32, votes_for=30, votes_against=2)
    assert powers.review(_p01(fine), today=TODAY) == []


def test_such_counts_are_refused_when_entered_but_imported_when_they_come_in_a_file(store, village, tmp_path):
    """Entered here: refused. Written elsewhere (an older version, another device): the file still imports —
    its old revisions cannot be changed — and the review flags the step."""
    from village_counsel.store import Store
    from village_counsel.sync import export_changes, import_file

    with pytest.raises(ValidationError) as err:
        powers.create_exercise(store, village.id, _p01(_with("joint_meeting", present="12")))
    assert err.value.errors == {"两委联席会议商议·实到人数": "实到 12 人，多于应到 9 人"}
    assert store.list("power_exercise") == []
    data = powers.clean_exercise(_p01())
    data["steps"][1]["present"] = 12  # as an older version could save it
    store.put("power_exercise", data, village_id=village.id)
    with Store(tmp_path / "office" / "s.db") as office:
        assert import_file(office, export_changes(store, tmp_path / "x.zip").path).ok
        (got,) = office.list("power_exercise")
        assert _codes(powers.review(got, today=TODAY)) == [("counts_inconsistent", "joint_meeting")]


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("无", False),
        ("无异议", False),
        ("未收到异议。", False),
        ("暂无", False),
        ("—", False),
        ("", False),
        ("公示期间无异议", False),
        ("群众无异议，公示通过", False),
        ("截至10月20日未收到异议", False),
        ("未接到异议", False),
        ("有村民提出异议", True),
        ("村民张某对补偿标准有异议", True),
        ("村民认为无依据", True),
        ("有2人提出书面异议，已答复", True),
        ("异议：无", False),
        ("公示7天无异议", False),
        ("公示期内未收到任何书面或口头异议", False),
        ("截至3月10日收到异议1件，暂无反馈", True),  # "无" inside a real objection
        ("截至10日有1户提出异议，无书面意见", True),
        ("公示没有通过", True),
        ("村民均无异议", False),
        ("全体村民无异议", False),
        ("村民均有异议", True),
    ],
)
def test_an_objection_is_counted_only_when_there_was_one(text, counts):
    steps = _with("plan_publicity", objections=text)
    assert powers.objections(_p01(steps)) == int(counts)


def test_a_number_is_never_given_twice(store, village):
    first = powers.create_exercise(
        store, village.id, {"item": "P13", "date": "2026-11-02", "subject": "证明A"}
    )
    second = powers.create_exercise(
        store, village.id, {"item": "P13", "date": "2026-11-03", "subject": "证明B"}
    )
    assert (first["number"], second["number"]) == ("P13-2026-001", "P13-2026-002")
    moved = powers.update_exercise(store, first.id, {"item": "P14"})  # the item was chosen wrongly
    assert moved["number"] == "P14-2026-001"
    store.delete("power_exercise", second.id)
    third = powers.create_exercise(
        store, village.id, {"item": "P13", "date": "2026-11-04", "subject": "证明C"}
    )
    assert third["number"] == "P13-2026-003"  # not 002 again (deleted), nor 001 (moved away)
