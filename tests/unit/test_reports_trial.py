"""Fixes from the new-user trial of the printed reports: same-name villages, one advisor per laptop,
Chinese line breaking, a month without records, the mediation table's wording."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.platypus import Paragraph

from tests.conftest import TODAY
from village_counsel import checklist, powers
from village_counsel.errors import NotFound
from village_counsel.reports.cjkwrap import CANNOT_END, CANNOT_START, CJKParagraph, break_text
from village_counsel.reports.figures import (
    advisor_of,
    empty_month_warning,
    month_report,
    resolve_village,
    village_labels,
)
from village_counsel.reports.monthly import monthly_pdf
from village_counsel.reports.notice import notice_pdf
from village_counsel.reports.pdf import WIDTH, build_pdf, esc, para, styles
from village_counsel.store import Store
from village_counsel.villages import set_profile

MONTH = "2026-10"
CLOSING = set("，。、；：！？）」』》")  # no line may start with these (a placeholder "—" may)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@contextmanager
def as_device(store: Store, device: str):
    """Write as another advisor's laptop would (what an import of its file leaves in the store)."""
    own = store.device_id
    store.device_id = device
    try:
        yield
    finally:
        store.device_id = own


@pytest.fixture
def township(store):
    """A township store holding two advisors' files, both of which created 上张村 (and one 东门村)."""
    ids = {
        "v1": "aaaa1111-0000-4000-8000-000000000001",
        "v2": "bbbb2222-0000-4000-8000-000000000002",
        "east": "eeee3333-0000-4000-8000-000000000003",
    }
    with as_device(store, "laptop-a"):
        a = store.put("profile", {"name": "王律师", "firm": "丹城律师事务所", "license_no": "1330001"})
        v1 = store.put(
            "village", {"name": "上张村", "township": "西周镇"}, id=ids["v1"], village_id=ids["v1"]
        )
        east = store.put(
            "village", {"name": "东门村", "township": "石浦镇"}, id=ids["east"], village_id=ids["east"]
        )
    with as_device(store, "laptop-b"):
        b = store.put("profile", {"name": "李律师", "firm": "海曙法律服务所", "license_no": "1330002"})
        v2 = store.put(
            "village", {"name": "上张村", "township": "墙头镇"}, id=ids["v2"], village_id=ids["v2"]
        )
    checklist.log_service(
        store,
        v2.id,
        {"date": "2026-10-05", "duty": "法律咨询", "people": 1, "channel": "现场", "topic": "继承"},
    )
    return {"a": a, "b": b, "v1": v1, "v2": v2, "east": east}


# --- 1. same-name villages ------------------------------------------------------------------------------------


def test_a_name_two_villages_share_is_refused_with_the_candidates(store, township):
    with pytest.raises(NotFound) as err:
        resolve_village(store, "上张村")
    message = str(err.value)
    assert "有 2 个村名为“上张村”" in message
    assert "西周镇，ID aaaa1111" in message and "墙头镇，ID bbbb2222" in message
    assert "上张村@" in message  # tells how to say which


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("上张村@aaaa1111", "v1"),
        ("上张村@bbbb", "v2"),
        ("上张村@墙头镇", "v2"),
        ("bbbb2222-0000-4000-8000-000000000002", "v2"),
        ("aaaa1111", "v1"),
        ("东门村", "east"),
    ],
)
def test_a_village_is_told_apart_by_id_prefix_township_or_id(store, township, ref, expected):
    assert resolve_village(store, ref).id == township[expected].id


def test_a_wrong_disambiguation_lists_what_is_on_offer(store, township):
    with pytest.raises(NotFound, match="上张村@aaaa1111"):
        resolve_village(store, "上张村@ffff")
    with pytest.raises(NotFound, match="没有名为“西门村”的村"):
        resolve_village(store, "西门村")


def test_labels_tell_same_name_villages_apart(store, township):
    labels = village_labels(store.list("village"))
    assert labels[township["v1"].id] == "上张村（西周镇）"
    assert labels[township["v2"].id] == "上张村（墙头镇）"
    assert labels[township["east"].id] == "东门村"
    twins = [
        store.put("village", {"name": "下洋村", "township": "西周镇"}, id=vid, village_id=vid)
        for vid in (f"{c * 8}-0000-4000-8000-000000000000" for c in "cd")
    ]
    labels = village_labels(twins)
    assert labels[twins[0].id] == "下洋村（西周镇 cccccccc）"  # same township too: the id tells


def test_township_report_names_each_same_name_village_distinctly(store, township):
    text = pdf_text(monthly_pdf(store, MONTH, today=TODAY))
    assert "上张村（西周镇）法律顾问工作月报" in text and "上张村（墙头镇）法律顾问工作月报" in text
    summary = text[text.index("各村主要数据") : text.index("图表")].replace("\n", "")
    assert "上张村（西周镇）" in summary and "上张村（墙头镇）" in summary


# --- 2. each village's advisor ----------------------------------------------------------------------------------


def test_each_village_has_the_advisor_of_the_laptop_that_keeps_it(store, township):
    assert advisor_of(store, township["v1"])["name"] == "王律师"
    assert advisor_of(store, township["v2"])["name"] == "李律师"
    report = month_report(store, MONTH, today=TODAY)
    by_village = {s.village.id: s.advisor.get("name") for s in report.sections}
    assert by_village == {
        township["v1"].id: "王律师",
        township["v2"].id: "李律师",
        township["east"].id: "王律师",
    }
    assert sorted(a["name"] for a, _ in report.advisors) == ["李律师", "王律师"]


def test_an_edit_on_the_township_laptop_keeps_the_village_with_its_advisor(store, township):
    store.put("village", {**township["v2"].data, "county": "象山县"}, id=township["v2"].id)  # clerk's device
    assert advisor_of(store, store.get("village", township["v2"].id))["name"] == "李律师"


def test_township_header_lists_the_advisors_and_each_section_its_own(store, township):
    text = pdf_text(monthly_pdf(store, MONTH, today=TODAY))
    head = text[: text.index("各村主要数据")]
    assert "王律师、李律师" in head or "李律师、王律师" in head
    assert "丹城律师事务所" in head and "海曙法律服务所" in head
    assert "1330001" in head and "1330002" in head  # the advisors' table under the header
    start = text.index("上张村（墙头镇）法律顾问工作月报")
    section = text[start : text.index("司法所审核", start)]
    assert "李律师" in section and "1330002" in section and "王律师" not in section


def test_a_single_advisor_store_is_unchanged(store, village):
    set_profile(store, {"name": "赵律师", "firm": "象山律师事务所", "license_no": "1339999"})
    text = pdf_text(monthly_pdf(store, MONTH, village, today=TODAY))
    assert "赵律师" in text and "象山律师事务所" in text and "1339999" in text and "—\n执业证号" not in text


# --- 3. Chinese line breaking -----------------------------------------------------------------------------------


def _lines(p: Paragraph) -> list[str]:
    p.wrap(WIDTH, 10_000)
    out = []
    for line in p.blPara.lines:
        if hasattr(line, "words"):
            out.append("".join(f.text for f in line.words))
        else:
            out.append("".join(line[1]))
    return out


def comma_at_a_break() -> str:
    """A long notice sentence in which ReportLab's own CJK wrap starts a line with "，"."""
    body = "现将有关事项予以公示公示期间村民如有异议可向村务监督委员会或村民委员会书面或口头反映"
    for n in range(1, 80):
        text = "根据小微权力清单" + "村" * n + "，" + body * 3
        if any(line.startswith("，") for line in _lines(Paragraph(esc(text), styles()["notice"]))[1:]):
            return text
    raise AssertionError("no length put the comma at a break")


def test_no_line_starts_with_closing_punctuation():
    text = comma_at_a_break()
    lines = _lines(CJKParagraph(esc(text), styles()["notice"]))
    assert "".join(lines) == text  # nothing lost or added
    assert not any(line[0] in CANNOT_START for line in lines[1:])
    assert any(line.endswith("村") for line in lines)  # the character before the comma moved down with it


def test_every_printed_paragraph_uses_the_chinese_rules():
    assert isinstance(para("x"), CJKParagraph)
    text = comma_at_a_break()
    pdf = build_pdf([para(text, "notice")], label="t", title="t")
    lines = [line for line in pdf_text(pdf).splitlines() if line.strip()]
    assert not any(line.strip()[0] in CLOSING for line in lines)


def test_notice_lines_never_start_with_a_comma(store, village):
    subject = "村道硬化工程" + "，".join(["东至河边西至山脚南至祠堂北至公路"] * 6)
    exercise = powers.create_exercise(
        store,
        village.id,
        {
            "item": "P01",
            "date": "2026-10-09",
            "subject": subject,
            "steps": [{"key": "plan_publicity", "date": "2026-10-12", "content": subject * 2}],
        },
    )
    pdf = notice_pdf(store, exercise)
    lines = [line.strip() for line in pdf_text(pdf).splitlines() if line.strip()]
    assert len(lines) > 10
    assert not any(line[0] in CLOSING for line in lines)
    # the running header cuts the long subject instead of overprinting the label beside it
    assert any(line.startswith("上张村村务公示：村道硬化工程") and line.endswith("…") for line in lines)


def test_latin_words_and_opening_brackets_stay_whole():
    text = "村村村村P10-2026-003号，（测试）《村规》"
    lines = break_text(text, [10] * len(text), 60)
    assert "".join(lines) == text
    assert not any(line[-1] in CANNOT_END for line in lines)
    assert not any(line[0] in CANNOT_START for line in lines[1:])
    assert break_text("村村村村村，。村", [10] * 8, 50) == ["村村村村", "村，。村"]


words = st.text(alphabet="村民说事议办评法律顾问ab12", min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(words, st.sampled_from("，。、；：！？）》")), min_size=1, max_size=30))
def test_breaking_keeps_every_character_and_the_rules(parts):
    text = "".join(w + p for w, p in parts)
    lines = break_text(text, [10] * len(text), 100)
    assert "".join(lines) == text
    assert all(len(line) <= 10 for line in lines)
    assert not any(line[0] in CANNOT_START for line in lines[1:])


# --- 4. a month without records ---------------------------------------------------------------------------------


def test_a_month_without_records_warns_and_names_the_months_that_have_some(store, township):
    empty = month_report(store, "2020-01", today=TODAY)
    warning = empty_month_warning(store, empty)
    assert warning is not None and "2020年1月没有任何记录" in warning and "2026-10" in warning
    assert empty_month_warning(store, month_report(store, MONTH, today=TODAY)) is None
    one = month_report(store, "2026-10", township["v1"], today=TODAY)  # the other 上张村 has the entry
    warning = empty_month_warning(store, one)
    assert warning is not None and "上张村（西周镇）" in warning


# --- 5. the mediation table's wording ---------------------------------------------------------------------------


def test_mediation_table_says_what_each_row_counts(store, village):
    """A hand-built month on the Zhejiang basis: 调处 = 成功 + 不成, 成功率 = 成功 ÷ 调处, 调处率 = 调处 ÷ 受理."""

    def case(outcome, source="主动调解", **more):
        values = {"date": "2026-10-10", "duty": checklist.MEDIATION_DUTY, "dispute_type": "邻里"}
        values.update(source=source, **({"outcome": outcome} if outcome else {}), **more)
        checklist.log_service(store, village.id, values)

    for _ in range(3):
        case("调解成功")
    case("调解不成", "受委托移送", referred_by="公安")
    case("终止", "受委托移送", referred_by="法院")
    case(None, "受委托移送", referred_by="法院")  # still being mediated
    case("调解成功", prevented_suicide_cases=1, prevented_suicide_people=2)
    checklist.log_service(
        store,
        village.id,
        {"date": "2026-10-03", "duty": "驻村服务", "channel": "现场", "screenings": 2, "disputes_found": 3},
    )
    from village_counsel.reports.figures import mediation_figures

    m = mediation_figures(store, MONTH, village.id)
    assert (m.received, m.mediated, m.success, m.failed, m.terminated) == (7, 5, 4, 1, 1)
    assert m.success_rate == 4 / 5 and m.mediation_rate == 5 / 7
    assert (m.screenings, m.disputes_found, m.suicide_cases, m.suicide_people) == (2, 3, 1, 2)
    assert {k: r.received for k, r in m.by_referrer.items()} == {"公安": 1, "法院": 2, "政府部门": 0}
    text = pdf_text(monthly_pdf(store, MONTH, village, today=TODAY))
    flat = "".join(text.split())
    assert "调结" not in text
    assert (
        "排查矛盾纠纷2次，发现纠纷3件；受理7件，调处5件，其中调解成功4件，调解成功率80.0%，调处率71.4%"
        in flat
    )
    assert "调解成功率=调解成功÷调处；调处率=调处÷受理" in flat
    assert "防止自杀（件/人）1/2" in flat
    assert "受委托移送310" in flat and "其中：公安110" in flat and "法院200" in flat and "政府部门000" in flat
    # the cases are listed by their numbers
    numbers = [int(n) for n in re.findall(r"上张人调字第(\d+)号", flat)]
    assert numbers == sorted(numbers) == list(range(1, 8))
