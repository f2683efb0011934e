"""Form validation: every field type, its Chinese messages, ID-card check digits, phones, dates, ranges."""

from __future__ import annotations

import pytest

from village_counsel.errors import ValidationError
from village_counsel.forms import FORMS, Field, Form, form_for, validate
from village_counsel.forms.base import id_card_valid

FORM = Form(
    "sample",
    "样例",
    (
        Field("name", "姓名", required=True, max_length=4),
        Field("note", "备注", "longtext", max_length=10),
        Field("count", "人数", "int", min=0, max=100),
        Field("hours", "时长", "float", min=0, max=24),
        Field("amount", "金额", "money", min=0),
        Field("day", "日期", "date"),
        Field("kind", "类别", "choice", choices=("甲", "乙")),
        Field("tags", "标签", "multi", choices=("红", "绿")),
        Field("flag", "是否", "bool"),
        Field("phone", "电话", "phone"),
        Field("id_no", "身份证号", "idcard"),
        Field("attendance", "参加人员", "counts"),
        Field("rows", "明细", "list"),
        Field("link", "关联", "ref", ref_kind="matter"),
    ),
)


def _ok(**values):
    return validate(FORM, {"name": "王伟", **values})


def _error(field: str, value) -> str:
    with pytest.raises(ValidationError) as err:
        _ok(**{field: value})
    assert list(err.value.errors) == [field]
    return err.value.errors[field]


# --- required, empty values and the error text ----------------------------------------------------------


def test_required_field_and_message_names_the_label():
    with pytest.raises(ValidationError) as err:
        validate(FORM, {})
    assert err.value.errors == {"name": "必须填写"}
    assert str(err.value) == "姓名：必须填写"
    for blank in ("", "   ", None):
        with pytest.raises(ValidationError):
            validate(FORM, {"name": blank})


def test_extra_required_fields_and_every_bad_field_at_once():
    with pytest.raises(ValidationError) as err:
        validate(FORM, {"name": "王伟", "count": "x", "day": "昨天"}, required=["phone"])
    assert set(err.value.errors) == {"count", "day", "phone"}
    assert err.value.errors["phone"] == "必须填写"
    assert "人数：应为整数" in str(err.value) and "日期：日期格式" in str(err.value)


def test_empty_optional_values_become_empty_of_their_type():
    clean = _ok(note="  ", count=None, tags=[], attendance={}, rows=[])
    assert clean["note"] is None and clean["count"] is None
    assert clean["tags"] == [] and clean["attendance"] == {} and clean["rows"] == []
    assert "phone" not in clean  # absent stays absent


def test_unknown_keys_pass_through_untouched():
    clean = _ok(session_id="abc", events=[{"stage": "说事"}])
    assert clean["session_id"] == "abc" and clean["events"] == [{"stage": "说事"}]


# --- each type ------------------------------------------------------------------------------------------


def test_text_is_trimmed_and_limited():
    assert _ok(name="  王伟 ")["name"] == "王伟"
    assert _error("name", "欧阳春晓明") == "不能超过 4 个字"
    assert _ok(note="一二三四五六七八九十")["note"] == "一二三四五六七八九十"
    assert _error("note", "一二三四五六七八九十一") == "不能超过 10 个字"
    assert _ok(link=" m-1 ")["link"] == "m-1"


def test_int_field():
    assert _ok(count="12")["count"] == 12
    assert _ok(count=0)["count"] == 0
    assert _error("count", "12.5") == "应为整数"
    assert _error("count", "十二") == "应为整数"
    assert _error("count", True) == "应为整数"
    assert _error("count", -1) == "不能小于 0"
    assert _error("count", 101) == "不能大于 100"
    assert _ok(count=100)["count"] == 100


def test_float_and_money_fields():
    assert _ok(hours="1.5")["hours"] == 1.5
    assert _error("hours", "24.5") == "不能大于 24"
    assert _error("hours", "半小时") == "应为数字"
    assert _error("hours", "nan") == "应为数字"
    assert _error("hours", "inf") == "应为数字"
    assert _error("hours", False) == "应为数字"
    assert _ok(amount="1,234,567.891")["amount"] == 1234567.89
    assert _ok(amount="3，000")["amount"] == 3000
    assert _error("amount", "-5") == "不能小于 0"


def test_date_field():
    assert _ok(day="2026-11-05")["day"] == "2026-11-05"
    assert _ok(day=" 2026-11-05 ")["day"] == "2026-11-05"
    message = _error("day", "2026-02-30")
    assert message == "日期格式应为 年-月-日，例如 2026-11-05"
    for bad in ("2026-13-01", "11/05/2026", "2026年11月5日", "明天"):
        assert _error("day", bad) == message


def test_choice_field():
    assert _ok(kind=" 乙 ")["kind"] == "乙"
    assert _error("kind", "丙") == "应为以下之一：甲、乙"


def test_multi_field():
    assert _ok(tags=["红", "绿"])["tags"] == ["红", "绿"]
    assert _ok(tags="红")["tags"] == ["红"]
    assert _error("tags", ["红", "蓝"]) == "“蓝”不是可选项"


def test_bool_field():
    for yes in (True, "是", "1", "true", "Yes"):
        assert _ok(flag=yes)["flag"] is True
    for no in (False, "否", "0", "false", "no"):
        assert _ok(flag=no)["flag"] is False
    assert _error("flag", "也许") == "应为 是 或 否"


def test_phone_field():
    assert _ok(phone="13812345678")["phone"] == "13812345678"
    assert _ok(phone="138 1234 5678")["phone"] == "13812345678"
    assert _ok(phone="0574-87654321")["phone"] == "0574-87654321"
    assert _ok(phone="057487654321")["phone"] == "057487654321"
    message = "电话号码格式不对（手机 11 位，或区号-号码）"
    for bad in ("1381234567", "138123456789", "12812345678", "abc", "+8613812345678"):
        assert _error("phone", bad) == message


def test_id_card_check_digit():
    assert id_card_valid("330225199001011234")
    assert not id_card_valid("330225199001011235")  # wrong check digit
    assert id_card_valid("11010519491231002X")  # the check digit X
    assert id_card_valid("11010519491231002x")
    assert not id_card_valid("110105194912310021")
    assert not id_card_valid("330225199002301234")  # 30 February
    assert not id_card_valid("33022519900101123")  # 17 characters
    assert not id_card_valid("330225900101123")  # the old 15-digit form
    assert not id_card_valid("33022519900101123A")


def test_id_card_birth_date_must_be_plausible():
    # the check digits below are right; the birth dates are not possible for a living resident
    assert not id_card_valid(_with_check("33022521000101123"))  # born in 2100
    assert not id_card_valid(_with_check("33022518000101123"))  # born in 1800


def _with_check(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def test_id_card_field_normalises_and_explains():
    assert _ok(id_no="11010519491231002x")["id_no"] == "11010519491231002X"
    assert _error("id_no", "330225199001011235") == "身份证号不正确（应为 18 位，出生日期与校验位须有效）"


def test_counts_field():
    clean = _ok(attendance={"村民代表": "9", "党员": 0, "法律顾问": "", "联村干部": 1})
    assert clean["attendance"] == {"村民代表": 9, "联村干部": 1}
    assert _error("attendance", {"党员": -2}) == "“党员”人数不能为负"
    assert _error("attendance", {"党员": "几个"}) == "“党员”人数应为整数"
    assert _error("attendance", 12) == "应为各类人数"


def test_list_field():
    assert _ok(rows=[{"a": 1}])["rows"] == [{"a": 1}]
    assert _error("rows", "a,b") == "格式不对"


def test_unknown_field_type_is_reported():
    odd = Form("odd", "怪", (Field("x", "某字段", "colour"),))
    with pytest.raises(ValidationError) as err:
        validate(odd, {"x": "红"})
    assert err.value.errors == {"x": "未知字段类型 colour"}


# --- the real forms -------------------------------------------------------------------------------------


def test_every_form_has_chinese_labels_and_known_types():
    known = {
        "text",
        "longtext",
        "int",
        "float",
        "money",
        "date",
        "choice",
        "multi",
        "bool",
        "phone",
        "idcard",
        "ref",
        "counts",
        "list",
    }
    assert set(FORMS) >= {"village", "profile", "session", "matter", "power_exercise", "service_entry"}
    for form in FORMS.values():
        for f in form.fields:
            assert f.type in known, (form.kind, f.name)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in f.label), (form.kind, f.name)
            if f.type == "choice":
                assert f.choices, (form.kind, f.name)
    assert form_for("matter").field("raiser").personal
    with pytest.raises(KeyError):
        form_for("matter").field("nonsense")


def test_not_before_rule():
    profile = form_for("profile")
    with pytest.raises(ValidationError) as err:
        validate(profile, {"name": "张律师", "term_start": "2026-01-01", "term_end": "2025-12-31"})
    assert err.value.errors == {"term_end": "不能早于聘任起始"}
    assert "聘任终止：不能早于聘任起始" in str(err.value)
    clean = validate(profile, {"name": "张律师", "term_start": "2026-01-01", "term_end": "2026-01-01"})
    assert clean["term_end"] == "2026-01-01"


def test_profile_phone_is_validated():
    with pytest.raises(ValidationError) as err:
        validate(form_for("profile"), {"name": "张律师", "phone": "12345"})
    assert "联系电话：电话号码格式不对" in str(err.value)


def test_village_ranges():
    with pytest.raises(ValidationError) as err:
        validate(form_for("village"), {"name": "上张村", "households": -3, "population": "很多"})
    assert err.value.errors == {"households": "不能小于 0", "population": "应为整数"}


def test_monthly_note_month_is_a_real_month():
    note = form_for("monthly_note")
    assert validate(note, {"month": "2026-11", "date": "2026-11-01"})["month"] == "2026-11"
    for bad in ("2026-13", "2026-1", "十一月"):
        with pytest.raises(ValidationError) as err:
            validate(note, {"month": bad, "date": "2026-11-01"})
        assert err.value.errors == {"month": "月份应为 YYYY-MM，例如 2026-11"}


@pytest.mark.parametrize("typed", ["1_0", "1e1", "inf", "nan", "0x10", "١٢", "1.2.3", "--1", "①", "²", "⑩"])
def test_typed_numbers_are_plain_decimals(typed):
    """float() and int() take more than a person means to type: underscores, exponents, other scripts."""
    form = Form(
        "t", "测试", (Field("hours", "时长", "float", min=0, max=100), Field("n", "人数", "int", min=0))
    )
    with pytest.raises(ValidationError):
        validate(form, {"hours": typed})
    with pytest.raises(ValidationError):
        validate(form, {"n": typed})


def test_full_width_digits_and_thousands_separators_are_read():
    form = Form("t", "测试", (Field("amount", "金额", "money"), Field("n", "人数", "int")))
    assert validate(form, {"amount": "１，２３４.５", "n": "１２"}) == {"amount": 1234.5, "n": 12}
    assert validate(form, {"amount": 1e-05, "n": 7}) == {"amount": 0.0, "n": 7}  # numbers, not text
