"""The 公示 notice: each catalogue item's content printed as a table, 监督人 and 监督电话 filled from the
village, names in full and no ID, phone or bank number; warnings naming the rule before it is posted."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from village_counsel import powers
from village_counsel.catalog import load_catalog
from village_counsel.errors import NotFound, ValidationError
from village_counsel.reports.notice import notice_pdf, notice_warnings
from village_counsel.villages import update_village


def flat_text(data: bytes) -> str:
    return "".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())


SAMPLE = {"text": "甲乙丙丁", "longtext": "第一行内容", "int": "4", "number": "120.5", "money": "30000"}


@pytest.fixture
def village_with_supervision(store, village):
    return update_village(store, village.id, {"supervisor": "周监督", "supervision_phone": "0574-65123456"})


def _exercise(store, village, item, **more):
    publicity = next(s for s in item.steps if s.is_publicity)
    steps = []
    for spec in item.steps:
        steps.append({"key": spec.key, "date": "2026-10-01"})
        if spec is publicity:
            steps[-1] = {
                "key": spec.key,
                "date": "2026-10-02",
                "end_date": "2026-10-20",
                "place": "村务公开栏",
            }
            break
    values = {
        "item": item.code,
        "date": "2026-10-01",
        "subject": f"{item.name}事项",
        "steps": steps,
        "notice": {f.key: SAMPLE[f.type] for f in item.notice},
        **more,
    }
    if item.recipients:
        values["recipients"] = [
            {"name": "王建国", "people": "3", "amount": "1,200"},
            {"name": "李秀英", "people": "2", "amount": "800.50"},
        ]
    return powers.create_exercise(store, village.id, values)


ITEMS = [i for i in load_catalog().items.values() if any(s.is_publicity for s in i.steps)]


@pytest.mark.parametrize("item", ITEMS, ids=[i.code for i in ITEMS])
def test_a_notice_per_item_prints_its_content_and_the_supervision_phone(
    store, village_with_supervision, item
):
    exercise = _exercise(store, village_with_supervision, item)
    text = flat_text(notice_pdf(store, exercise))
    assert "监督人：周监督" in text and "监督电话：0574-65123456" in text
    for f in item.notice:
        shown = {"money": "30,000", "number": "120.5"}.get(f.type, SAMPLE[f.type])
        assert f.label.replace(" ", "") + shown in text, f.label
    if item.recipients:
        assert "名单及金额" in text and "1王建国31,200" in text and "2李秀英2800.50" in text
        assert "合计2户52,000.50" in text


def test_a_homestead_notice_names_the_applicant_in_full_and_prints_no_number(store, village_with_supervision):
    item = load_catalog().item("P10")
    exercise = _exercise(
        store,
        village_with_supervision,
        item,
        applicant="林秀凤",
        applicant_id="330225199001011234",
        notice={
            "head": "林秀凤",
            "family": "４",
            "housing": "旧房 60 平方米（联系电话 139-1234-5678）",
            "area": "120",
            "place": "三组，账号 6222 0212 3456 7890",
        },
    )
    assert exercise["notice"]["family"] == "4"  # (full-width digits read as typed)
    text = flat_text(notice_pdf(store, exercise))
    assert "申请人林秀凤" in text and "户主林秀凤" in text and "家庭人口（人）4" in text
    assert "申请用地面积（平方米）120" in text
    posted = text.replace("0574-65123456", "")  # (the village's own 监督电话 is meant to be there)
    for number in ("330225", "19900101", "139", "5678", "6222", "7890", "*"):
        assert number not in posted, number
    assert not re.search(r"\d{7,}", posted)


def test_notice_content_is_checked_against_its_item(store, village):
    with pytest.raises(ValidationError) as err:
        powers.create_exercise(
            store,
            village.id,
            {"item": "P10", "date": "2026-10-01", "subject": "建房", "notice": {"family": "四口"}},
        )
    assert "公示内容·家庭人口（人）" in err.value.errors
    with pytest.raises(ValidationError) as err:
        powers.create_exercise(
            store,
            village.id,
            {"item": "P11", "date": "2026-10-01", "subject": "低保", "recipients": [{"amount": "800"}]},
        )
    assert "名单第 1 行" in err.value.errors
    kept = powers.create_exercise(
        store,
        village.id,
        {"item": "P10", "date": "2026-10-01", "subject": "建房", "notice": {"head": "王", "nothing": "x"}},
    )
    assert kept["notice"] == {"head": "王"}  # only the lines the item declares


def test_an_item_without_publicity_has_no_notice(store, village):
    exercise = powers.create_exercise(
        store, village.id, {"item": "P13", "date": "2026-10-01", "subject": "证明"}
    )
    with pytest.raises(NotFound, match="没有公示步骤"):
        notice_pdf(store, exercise)


def test_warnings_name_the_rule_for_the_history_behind_a_result_notice(store, village):
    steps = [
        {"key": "proposal", "date": "2026-09-01"},
        {"key": "joint_meeting", "date": "2026-09-02"},
        {"key": "plan_publicity", "date": "2026-09-03", "end_date": "2026-09-04"},  # 2 days of 15
        {"key": "party_review", "date": "2026-09-20"},
        {"key": "villager_resolution", "date": "2026-09-21"},
        {"key": "resolution_publicity", "date": "2026-09-22", "end_date": "2026-09-24"},
        {"key": "implement", "date": "2026-09-23"},  # before the resolution's publicity ended
        {"key": "result_publicity", "date": "2026-10-20"},
    ]
    exercise = powers.create_exercise(
        store, village.id, {"item": "P01", "date": "2026-09-01", "subject": "村道硬化", "steps": steps}
    )
    warned = notice_warnings(exercise, village=village)
    assert any(w.startswith("【公示期不足】") and "方案公示" in w for w in warned)
    assert any(w.startswith("【公示期内决策】") and "组织实施" in w for w in warned)
    assert warned[-1].startswith("【监督电话未设置】")
    # the plan's own notice is warned only of what came before it
    early = notice_warnings(exercise, "plan_publicity")
    assert all("组织实施" not in w for w in early) and any("方案公示" in w for w in early)
