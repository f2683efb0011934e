"""Mediation case files: case numbers per committee and year without gaps, found by number, and the
调解卷宗 page with its parties, committee, mediators, agreement, 回访 and index — masked, or unmasked and
marked 内部存档 for the office's archive."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.conftest import TODAY
from village_counsel import checklist
from village_counsel.cases import case_number, committee_short
from village_counsel.errors import NotFound, ValidationError
from village_counsel.reports.dossier import record_pdf
from village_counsel.reports.lookup import find_case
from village_counsel.villages import create_village


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _case(store, village, day, **values):
    return checklist.log_service(
        store,
        village.id,
        {
            "date": day,
            "duty": checklist.MEDIATION_DUTY,
            "dispute_type": "邻里",
            "source": "主动调解",
            **values,
        },
    )


def test_case_numbers_run_per_committee_and_year_without_gaps(store, village):
    other = create_village(store, {"name": "东门村", "township": "西周镇"})
    shared = create_village(
        store, {"name": "下张村", "committee_short": "上张"}
    )  # one committee, two villages
    a = _case(store, village, "2026-03-01")
    b = _case(store, other, "2026-03-02")
    c = _case(store, shared, "2026-04-01")
    d = _case(store, village, "2025-12-30")  # logged late (补录), for the year before
    e = _case(store, village, "2026-02-01")  # logged after a: it takes the next number, not a's
    numbers = {r.id: case_number(store, store.get("service_entry", r.id)) for r in (a, b, c, d, e)}
    assert numbers == {
        a.id: "（2026）上张人调字第 1 号",
        b.id: "（2026）东门人调字第 1 号",
        c.id: "（2026）上张人调字第 2 号",
        d.id: "（2025）上张人调字第 1 号",
        e.id: "（2026）上张人调字第 3 号",
    }
    assert committee_short(village) == "上张" and committee_short(shared) == "上张"
    # deleting a case closes its gap; a case moved to another year takes the next number there
    store.delete("service_entry", c.id)
    assert case_number(store, store.get("service_entry", e.id)) == "（2026）上张人调字第 2 号"
    moved = checklist.update_service(store, a.id, {"date": "2025-12-31"})
    assert case_number(store, moved) == "（2025）上张人调字第 2 号"
    assert case_number(store, store.get("service_entry", e.id)) == "（2026）上张人调字第 1 号"


def test_a_case_is_found_by_its_number(store, village):
    first = _case(store, village, "2026-10-01")
    second = _case(store, village, "2026-10-05")
    assert find_case(store, "（2026）上张人调字第 2 号").id == second.id
    assert find_case(store, "(2026)上张人调字第1号").id == first.id  # half-width brackets, no spaces
    assert find_case(store, first.id[:8]).id == first.id
    with pytest.raises(NotFound):
        find_case(store, "（2026）上张人调字第 3 号")
    with pytest.raises(NotFound):
        find_case(store, "（2026）东门人调字第 1 号")


def test_parties_are_checked_row_by_row(store, village):
    with pytest.raises(ValidationError) as err:
        _case(store, village, "2026-10-01", applicants=[{"name": "王建国", "phone": "12345"}])
    assert "applicants" in err.value.errors and "第 1 位" in err.value.errors["applicants"]
    entry = _case(
        store,
        village,
        "2026-10-01",
        applicants=[{"name": " 王建国 ", "phone": "13912345678"}, {"name": "", "phone": ""}],
        respondents=[{"name": "李明"}, {"name": "陈秀英", "id_card": "330225199001011234"}],
    )
    assert entry["applicants"] == [{"name": "王建国", "phone": "13912345678"}]
    assert [p["name"] for p in entry["respondents"]] == ["李明", "陈秀英"]


@pytest.fixture
def full_case(store, village):
    store.put("village", {**village.data, "secretary": "王书记", "director": "周国平"}, id=village.id)
    return _case(
        store,
        village,
        "2026-10-10",
        source="受委托移送",
        referred_by="公安",
        case_form="书面",
        applicants=[{"name": "陈海波", "phone": "13987654321", "id_card": "330225199001011234"}],
        respondents=[{"name": "李静", "phone": "13612345678"}, {"name": "张三丰"}],
        mediators="周国平、林调解",
        content="陈海波称李静（电话 136-1234-5678）堵塞通道",
        result="经调解双方达成协议",
        agreement="李静于十日内清除杂物，陈海波不再追究",
        outcome="调解成功",
        closed_on="2026-10-15",
        performance="已履行",
        visit_by="林调解",
        visit_date="2026-11-10",
        visit_result="已履行完毕，双方满意",
        papers="现场照片 3 张\n询问笔录",
        prevented_suicide_cases=1,
        prevented_suicide_people=1,
    )


def test_the_case_file_carries_everything_masked(store, full_case):
    text = pdf_text(record_pdf(store, full_case, today=TODAY))
    flat = "".join(text.split())
    for words in (
        "上张村人民调解委员会调解卷宗",
        "（2026）上张人调字第1号",
        "申请人",
        "被申请人",
        "陈*波",
        "李*",
        "张*丰",
        "139****4321",
        "330225********1234",
        "调解员周国平、林调解",
        "受委托移送（公安）",
        "李*于十日内清除杂物",
        "回访人",
        "林调解",
        "2026年11月10日",
        "已履行完毕，双方满意",
        "卷内目录",
        "移送函（公安）",
        "人民调解协议书",
        "现场照片3张",
        "询问笔录",
        "防止自杀1件1人",
        "2026年10月10日",
        "调解委员会（盖章）",
        "本页个人信息已作脱敏处理",
    ):
        assert words in flat, words
    for hidden in ("陈海波", "13987654321", "136-1234-5678", "1361234", "330225199001011234", "内部存档"):
        assert hidden not in flat, hidden
    assert full_case.id[:8] not in flat


def test_the_archive_copy_is_unmasked_and_marked(store, full_case):
    text = pdf_text(record_pdf(store, full_case, today=TODAY, archive=True))
    flat = "".join(text.split())
    assert "内部存档" in flat
    for shown in ("陈海波", "13987654321", "330225199001011234", "李静", "136-1234-5678"):
        assert shown in flat, shown


def test_a_case_from_before_parties_were_asked_still_prints(store, village):
    old = store.put(
        "service_entry",
        {
            "date": "2026-10-01",
            "duty": checklist.MEDIATION_DUTY,
            "parties": "王建国、李明",
            "outcome": "终止",
        },
        village_id=village.id,
    )
    flat = "".join(pdf_text(record_pdf(store, old, today=TODAY)).split())
    assert "当事人王*国" in flat and "李*" in flat and "（2026）上张人调字第1号" in flat


def test_text_that_would_break_a_layout_prints_inside_its_cells(store, village):
    long_name = "欧阳" + "长" * 18  # 20 characters, the most a name may have
    case = _case(
        store,
        village,
        "2026-10-01",
        applicants=[{"name": long_name}],
        respondents=[{"name": "李明😀"}],
        agreement="<b>不是标记</b> & 不是实体 &amp;",
    )
    # control characters, which forms refuse now, as a store written before may still hold them
    hostile = {
        "mediators": "周国平\n林调解、" + "很长的调解员名单" * 5,
        "content": "第一行\n第二行\x07响铃\x1b[31m😀" + "没有标点的很长的一段纠纷事实" * 40,
    }
    case = store.put(case.kind, {**case.data, **hostile}, id=case.id, village_id=case.village_id)
    data = record_pdf(store, case, today=TODAY)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert 2 <= len(reader.pages) <= 4
    flat = "".join(pdf_text(data).split())
    assert "<b>不是标记</b>&不是实体&amp;" in flat and "第二行" in flat
    width = float(reader.pages[0].mediabox.width)
    for page in reader.pages:  # every text run on the page starts inside the right margin
        xs: list[float] = []

        def seen(text, cm, tm, *_, xs=xs):
            if text.strip():
                xs.append(tm[4] * cm[0] + cm[4])

        page.extract_text(visitor_text=seen)
        assert xs and max(xs) < width - 30
