"""Printed reports: figures agree with the core queries, the PDF says what the store holds, fonts are
embedded, personal data is masked, long text wraps inside its cell, a 400-village month renders."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.conftest import TODAY
from village_counsel import checklist, matters, powers
from village_counsel.cases import case_number
from village_counsel.demo import run_demo
from village_counsel.errors import NotFound
from village_counsel.reports import figures as fig
from village_counsel.reports.dossier import record_pdf
from village_counsel.reports.lookup import find_case, find_exercise, find_matter, matter_number
from village_counsel.reports.mask import mask_id, mask_name, mask_names, mask_phone, mask_text
from village_counsel.reports.monthly import cn_number, monthly_pdf
from village_counsel.reports.notice import notice_pdf
from village_counsel.reports.pdf import FONT, PAGE
from village_counsel.store import Store
from village_counsel.villages import create_village, list_villages

MONTH = "2026-10"
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Three demo villages over thirteen months (so the same month last year exists)."""
    s = Store(tmp_path_factory.mktemp("demo") / "store.db")
    run_demo(s, seed=4, villages=3, months=13, today=TODAY)
    yield s
    s.close()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def tokens(text: str) -> list[str]:
    return text.split()


def values_after(text: str, header: list[str], n: int) -> list[str]:
    """The ``n`` tokens that follow the first occurrence of the ``header`` tokens (a table's first row)."""
    toks = tokens(text)
    for i in range(len(toks) - len(header)):
        if toks[i : i + len(header)] == header:
            return toks[i + len(header) : i + len(header) + n]
    raise AssertionError(f"header {header} not found")


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# --- masking ------------------------------------------------------------------------------------------------


def test_masks_follow_the_printed_forms():
    assert mask_id("330225199001011234") == "330225********1234"
    assert mask_id("33022519900101123X") == "330225********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0574-87654321") == "0574-****4321"
    assert mask_name("王建明") == "王*明"
    assert mask_name("王伟") == "王*"
    assert mask_name("欧阳建国") == "欧**国"
    assert mask_names("王建明、李静") == "王*明、李*"
    assert mask_id(None) == mask_phone("") == mask_name(None) == ""
    # an office is not a person: 村主任, not 村*任
    assert mask_name("村主任") == "村主任" and mask_name("党支部书记") == "党支部书记"
    assert mask_names("李秀英、村委会") == "李*英、村委会"
    assert mask_text("由村主任与李秀英协商", ["村主任", "李秀英"]) == "由村主任与李*英协商"
    # an official named by their office acts in it: never masked (DOMAIN.md §6)
    assert mask_name("王建国书记") == "王建国书记" and mask_name("李海波村主任") == "李海波村主任"
    assert mask_name("王建国党支部书记") == "王建国党支部书记" and mask_name("张三联村干部") == "张三联村干部"
    assert mask_name("村委委员王某") == "村委委员王某" and mask_name("联村干部张三") == "联村干部张三"
    assert mask_text("王建国到场", ["王建国书记"]) == "王建国到场"
    # a bare name is an official's when the village says so (its secretary hosting a session)
    assert mask_name("王建国", officials=["王建国"]) == "王建国" and mask_name("王建国") == "王*国"
    assert mask_name("三组组长") == "三组组长" and mask_name("村务监督委员会") == "村务监督委员会"
    # bodies are not people: 村民 and 人民 in the text stay as they are
    assert (
        mask_text("村民反映问题，村民小组同意", ["村民小组", "人民调解委员会"])
        == "村民反映问题，村民小组同意"
    )
    # words around a name in its field are kept, and the bare name is masked in the text
    for field, shown in [
        ("村民王建国", "村民王*国"),
        ("王建国等3人", "王*国等3人"),
        ("王建国（户主）", "王*国（户主）"),
    ]:
        assert mask_name(field) == shown
        assert mask_text("关于王建国申请低保", [field]) == "关于王*国申请低保"
    assert mask_text("王建国和李明到场", ["王建国和李明"]) == "王*国和李*到场"
    # 和, 与, 及 inside a name do not split it
    assert mask_text("王和平反映", ["王和平"]) == "王*平反映" and mask_name("和晓红") == "和*红"
    for field in (
        "王建国夫妇",
        "王建国等三户",
        "村民代表王建国",
        "申请人：王建国",
        "律师王建国",
    ):
        assert mask_text("王建国到场", [field]) == "王*国到场", field
    # group words are not names: the text around them is left alone
    assert (
        mask_text("经村民代表会议，群众同意", ["村民代表", "群众", "村民（匿名）"])
        == "经村民代表会议，群众同意"
    )
    assert mask_name("党员大会") == "党员大会" and mask_name("村民代表") == "村民代表"


NUMBER_FORMS = {
    "330225 19800101 1237": "330225********1237",
    "330225-19800101-1237": "330225********1237",
    "330225198001011237": "330225********1237",
    "３３０２２５１９８００１０１１２３７": "330225********1237",
    "+8613912345678": "+86 139****5678",
    "+86 139 1234 5678": "+86 139****5678",
    "139-1234-5678": "139****5678",
    "139 1234 5678": "139****5678",
    "１３９１２３４５６７８": "139****5678",
    "0574-87654321": "0574-****4321",
    "6222 0212 3456 7890": "6222********7890",
}


@pytest.mark.parametrize("typed", list(NUMBER_FORMS))
def test_numbers_are_masked_however_typed(typed):
    text = f"王建明（{typed}）反映"
    assert mask_text(text) == f"王建明（{NUMBER_FORMS[typed]}）反映"
    # a notice prints none of them, masked or not
    assert mask_text(text, drop_numbers=True) == "王建明（（略））反映"


def test_dates_and_amounts_are_not_numbers_to_mask():
    for text in ("2026-11-05 1391234", "金额120000元", "2026年11月5日", "面积 120.5 平方米"):
        assert mask_text(text) == text


def test_mask_text_scrubs_numbers_and_known_names():
    text = "王建明（电话13812345678，身份证330225199001011234）与李静争执"
    out = mask_text(text, ["王建明", "李静"])
    assert out == "王*明（电话138****5678，身份证330225********1234）与李*争执"
    assert not FULL_ID.search(out) and not FULL_MOBILE.search(out)


# --- figures are the core queries' figures ------------------------------------------------------------------


def test_report_figures_equal_the_core_queries(demo):
    """The dashboard shows matters.figures, powers.findings_by_exercise and checklist.progress; the report
    must print exactly those."""
    report = fig.month_report(demo, MONTH, today=TODAY)
    assert report.township and len(report.sections) == 3
    for sec in [*report.sections, report.total]:
        vid = sec.village.id if sec.village is not None else None
        assert sec.matters == matters.figures(demo, MONTH, vid, today=TODAY)
        assert [(p.duty.code, p.required, p.done, p.due, p.overdue) for p in sec.checklist] == [
            (p.duty.code, p.required, p.done, p.due, p.overdue)
            for p in checklist.progress(demo, MONTH, vid, today=TODAY)
        ]
        expected = powers.findings_by_exercise(demo, vid, MONTH, today=TODAY)
        assert [(e.id, f) for e, f in sec.exercises] == [(e.id, f) for e, f in expected]
        cases = [
            e
            for e in demo.list("service_entry", village_id=vid, month=MONTH)
            if e.get("duty") == checklist.MEDIATION_DUTY
        ]
        assert sec.mediation.received == len(cases)
        # a case counts as settled in its month only if it was settled by the month's end
        end = f"{MONTH}-31"
        assert sec.mediation.success == sum(
            c.get("outcome") == "调解成功" and checklist.case_closed_on(c) <= end for c in cases
        )
    # the township total is the sum of its villages
    total = report.total
    assert total.matters.raised == sum(s.matters.raised for s in report.sections)
    assert total.mediation.received == sum(s.mediation.received for s in report.sections)
    assert total.findings == sum(s.findings for s in report.sections)


def test_village_pdf_prints_the_store_figures(demo):
    village = list_villages(demo)[0]
    sec = fig.section(demo, MONTH, village, today=TODAY)
    text = pdf_text(monthly_pdf(demo, MONTH, village["name"], today=TODAY))
    f = sec.matters
    header = [
        "说事（场）",
        "提出事项",
        "已办结",
        "逾期未办",
        "逾期办结",
        "涉法事项",
        "办结率",
        "已评议",
        "满意率",
    ]
    assert values_after(text, header, 9) == [
        str(f.sessions),
        str(f.raised),
        str(f.closed),
        str(f.overdue),
        str(f.handled_late),
        str(f.legal),
        rate(f.closure_rate),
        str(f.evaluated),
        rate(f.satisfaction_rate),
    ]
    m = sec.mediation
    assert (
        f"受理 {m.received} 件，调处 {m.success + m.failed} 件，其中调解成功 {m.success} 件，"
        f"调解成功率 {rate(m.success_rate)}" in "".join(text.split("\n"))
    )
    assert f"上月（{int(MONTH[:4])}年9月）" in text and "去年同期（2025年10" in text
    assert f"经合法性审查发现程序问题 {sec.findings} 处" in text.replace("\n", "")
    assert f"本月接待法律咨询 {sec.services.consultations} 次" in text
    assert f"应完成 {sec.checklist_required} 次，已完成 {sec.checklist_done} 次" in text
    for label in ("法律顾问", "村委会（盖章）", "司法所审核", "风险隐患与重大事项", "下月工作计划"):
        assert label in text
    note = demo.list(
        "monthly_note", village_id=village.id, where="json_extract(data,'$.month')=?", params=[MONTH]
    )
    assert note and note[0]["risks"] in text.replace("\n", "")
    pages = len(pypdf.PdfReader(io.BytesIO(monthly_pdf(demo, MONTH, village["name"], today=TODAY))).pages)
    for n in range(1, pages + 1):
        assert f"第 {n} 页 共 {pages} 页" in text
    assert text.count(f"{village['name']} · 2026年10月") == pages


def test_township_pdf_has_a_summary_row_per_village(demo):
    report = fig.month_report(demo, MONTH, today=TODAY)
    text = pdf_text(monthly_pdf(demo, MONTH, today=TODAY))
    assert "各村主要数据" in text and "工作清单完成率（按村）" in text
    for sec in report.sections:
        f = sec.matters
        row = values_after(text, [sec.name], 5)
        assert row == [str(f.sessions), str(f.raised), str(f.closed), str(f.overdue), rate(f.closure_rate)]
        assert f"{sec.name}法律顾问工作月报" in text
    total = report.total.matters
    assert values_after(text, ["合计"], 3) == [str(total.sessions), str(total.raised), str(total.closed)]


def test_every_font_is_embedded_as_a_subset(demo):
    data = monthly_pdf(demo, MONTH, today=TODAY)
    reader = pypdf.PdfReader(io.BytesIO(data))
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            seen.add(font["/BaseFont"])
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            assert "+" in font["/BaseFont"]  # a subset, not the whole 5 MB font
    assert seen and all("WenQuanYi" in name for name in seen)
    assert len(data) < 2_000_000


# --- masking in print ---------------------------------------------------------------------------------------


@pytest.fixture
def personal(store, village):
    session, (matter,) = matters.create_session(
        store,
        village.id,
        {"date": "2026-10-08", "format": "固定日集中说", "host": "王建国"},
        [
            {
                "raiser": "陈海波",
                "raiser_phone": "13812345678",
                "content": "陈海波（电话13812345678，身份证330225199001011234）反映邻居占用通道",
                "category": "社会稳定",
            }
        ],
    )
    exercise = powers.create_exercise(
        store,
        village.id,
        {
            "item": "P10",
            "date": "2026-10-09",
            "subject": "陈海波建房用地申请",
            "applicant": "陈海波",
            "applicant_id": "330225199001011234",
            "steps": [
                {"key": "application", "date": "2026-10-09"},
                {
                    "key": "village_publicity",
                    "date": "2026-10-12",
                    "end_date": "2026-10-19",
                    "place": "村务公开栏",
                },
            ],
        },
    )
    case = checklist.log_service(
        store,
        village.id,
        {
            "date": "2026-10-10",
            "duty": checklist.MEDIATION_DUTY,
            "dispute_type": "邻里",
            "source": "当事人申请",
            "parties": "陈海波、李静",
            "content": "李静 13987654321 与陈海波通道纠纷",
            "outcome": "调解成功",
            "amount": 5000,
        },
    )
    return matter, exercise, case


def test_printed_documents_never_show_full_ids_or_phones(store, personal):
    matter, exercise, case = personal
    texts = {
        "report": pdf_text(monthly_pdf(store, MONTH, today=TODAY)),
        "notice": pdf_text(notice_pdf(store, exercise)),
        "matter": pdf_text(record_pdf(store, matter, today=TODAY)),
        "case": pdf_text(record_pdf(store, case, today=TODAY)),
    }
    for name, text in texts.items():
        flat = text.replace("\n", "")
        assert not FULL_ID.search(flat), name
        assert not FULL_MOBILE.search(flat), name
        assert ("陈海波" in flat) == (name == "notice"), name
    # a notice names the applicant in full (neighbours must know whom to object to), and prints no ID
    # number, masked or not
    assert "申请人陈海波" in texts["notice"].replace("\n", "") and "330225" not in texts["notice"]
    assert "138****5678" in texts["matter"] and "陈*波" in texts["matter"]
    assert "陈*波" in texts["case"] and "李*" in texts["case"] and "139****4321" in texts["case"]


def test_notice_states_its_publicity_period(store, personal):
    _, exercise, _ = personal
    text = pdf_text(notice_pdf(store, exercise))
    assert "村务公示" in text and "村内公示" in text
    assert "2026年10月12日 至 2026年10月19日（共 8 天）" in text
    assert "村民委员会（盖章）" in text
    with pytest.raises(NotFound):
        notice_pdf(store, exercise, step="no_such_step")


def test_a_notice_lists_only_what_came_before_it_and_its_printer_hears_of_a_short_publicity(store, personal):
    from village_counsel.reports.notice import notice_warnings

    _, exercise, _ = personal
    steps = [
        {"key": "application", "date": "2026-10-09"},
        {"key": "representative_review", "date": "2026-10-13"},  # listed before it, but held after it
        {"key": "village_publicity", "date": "2026-10-12", "end_date": "2026-10-14"},  # 3 days of 7
        {"key": "township_review", "date": "2026-10-20"},  # after the notice went up
    ]
    later = powers.update_exercise(store, exercise.id, {"steps": steps})
    text = pdf_text(notice_pdf(store, later))
    assert "提出申请" in text and "乡镇审核" not in text and "村民代表审议" not in text
    warned = notice_warnings(later)
    assert "【公示期不足】“村内公示”公示 3 天（2026-10-12 至 2026-10-14），少于规定的 7 天" in warned
    assert any(w.startswith("【顺序颠倒】") and "村民代表审议" in w for w in warned)
    assert notice_warnings(exercise) == ["【缺少步骤】缺少必经步骤“村民代表审议”"]  # (posted without it)


def test_matter_dossier_tells_its_whole_story(store, personal):
    matter, _, _ = personal
    matters.deliberate(
        store,
        matter.id,
        {"discussion": "转人民调解", "route": "转调解", "decided_on": "2026-10-09"},
        today=date(2026, 10, 9),
    )
    text = pdf_text(record_pdf(store, store.get("matter", matter.id), today=TODAY))
    for words in (
        "一事一档",
        "说事-2026-10-01-1",
        "办理经过",
        "转调解",
        "修改记录",
        "经办人",
        "村委会（盖章）",
    ):
        assert words in text
    assert matter_number(store, matter) == "说事-2026-10-01-1"
    mediation = store.get("matter", matter.id)["mediation_id"]
    assert mediation[:8] not in text  # the linked case is named by its case number, not its id
    number = case_number(store, store.get("service_entry", mediation))
    assert number.endswith("人调字第 2 号") and number in "".join(text.split("\n"))


def test_records_are_found_by_number_id_or_id_prefix(store, personal, village):
    matter, exercise, case = personal
    assert find_matter(store, "说事-2026-10-01-1").id == matter.id
    assert find_matter(store, matter.id[:8]).id == matter.id
    assert find_exercise(store, exercise["number"], village["name"]).id == exercise.id
    assert find_case(store, case.id).id == case.id
    with pytest.raises(NotFound):
        find_case(store, matter.id)  # a matter is not a mediation case
    with pytest.raises(NotFound):
        find_matter(store, "说事-2026-10-01-9")
    with pytest.raises(NotFound, match="没有名为"):
        find_exercise(store, exercise["number"], "不存在村")


def test_an_ambiguous_or_missing_number_says_how_to_narrow_it(store, personal, village):
    _, exercise, _ = personal
    other = create_village(store, {"name": "东门村", "township": "西周镇"})
    twin = powers.create_exercise(
        store,
        other.id,
        {"item": "P10", "date": "2026-10-09", "subject": "另一申请", "number": exercise["number"]},
    )
    assert twin["number"] == exercise["number"]
    with pytest.raises(NotFound) as ambiguous:
        find_exercise(store, exercise["number"])  # the window's words: no command-line flag
    assert "上张村" in str(ambiguous.value) and "东门村" in str(ambiguous.value)
    assert "请先选定所在的村" in str(ambiguous.value) and "--" not in str(ambiguous.value)
    with pytest.raises(NotFound, match="--village"):
        find_exercise(store, exercise["number"], choose="请用 --village 指定所在的村")
    assert find_exercise(store, exercise["number"], "东门村").id == twin.id
    # looked for within a chosen village, a number of another village: the message names the village
    with pytest.raises(NotFound, match="在东门村中找不到"):
        find_matter(store, "说事-2026-10-01-1", "东门村")


# --- layout ---------------------------------------------------------------------------------------------------


def _fragments(data: bytes) -> list[tuple[int, float, float, str]]:
    """(page, x start, x end, text) of every drawn text run."""
    out: list[tuple[int, float, float, str]] = []
    for n, page in enumerate(pypdf.PdfReader(io.BytesIO(data)).pages):

        def visit(text, cm, tm, font, size, n=n):
            if not text.strip():
                return
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            scale = (cm[0] ** 2 + cm[1] ** 2) ** 0.5 * (tm[0] ** 2 + tm[1] ** 2) ** 0.5
            out.append((n, x, x + stringWidth(text, FONT, size * scale), text))

        page.extract_text(visitor_text=visit)
    return out


def test_a_very_long_matter_wraps_inside_its_cell(store, village):
    chunk = "村民反映村东Huawei基站附近道路积水严重，WiFi信号不稳定，要求村委会协调处理并公开进度。"
    content = (chunk * 40)[:2000]
    _, (matter,) = matters.create_session(
        store,
        village.id,
        {"date": "2026-10-05", "format": "现场说"},
        [{"raiser": "张三丰", "content": content, "category": "村庄建设"}],
    )
    for data in (monthly_pdf(store, MONTH, today=TODAY), record_pdf(store, matter, today=TODAY)):
        runs = _fragments(data)
        assert runs
        for _, x0, x1, text in runs:
            assert x0 >= 0 and x1 <= PAGE[0] - 20, (x0, x1, text)  # inside the page, right margin kept
        text = pdf_text(data)
        for line in text.splitlines():  # Latin words are not broken across lines
            assert not re.search(r"Hua$|^wei|Wi$|^Fi", line.strip()), line
    report = pdf_text(monthly_pdf(store, MONTH, today=TODAY)).replace("\n", "")
    assert content[:40] in report and "全文见一事一档" in report
    dossier = pdf_text(record_pdf(store, matter, today=TODAY)).replace("\n", "")
    assert content[-30:] in dossier  # the whole text is on the matter's own page


def test_a_table_crossing_pages_repeats_its_header(store, village):
    items = [
        {"raiser": f"村民{n:02d}", "content": f"第{n}项：村道路灯损坏需要修复", "category": "村庄建设"}
        for n in range(60)
    ]
    matters.create_session(store, village.id, {"date": "2026-10-05", "format": "现场说"}, items)
    reader = pypdf.PdfReader(io.BytesIO(monthly_pdf(store, MONTH, today=TODAY)))
    # the matters' own list (the 补录 list after it names them again, under its own header)
    pages = [p.extract_text().split("补录与报送")[0] for p in reader.pages]
    pages = pages[
        : next((n + 1 for n, p in enumerate(reader.pages) if "补录与报送" in p.extract_text()), None)
    ]
    with_rows = [t for t in pages if "路灯损坏需要修复" in t.replace("\n", "")]
    assert len(with_rows) >= 2
    for text in with_rows:
        assert "事项内容" in text and "办理期限" in text  # the header row, repeated on every page


def test_township_pages_carry_their_village(demo):
    reader = pypdf.PdfReader(io.BytesIO(monthly_pdf(demo, MONTH, today=TODAY)))
    names = [v["name"] for v in list_villages(demo)]
    labels = []
    for page in reader.pages:
        text = page.extract_text()
        labels.append(
            next(
                (n for n in names if f"{n} · 2026年10月" in text),
                "汇总" if "汇总 · 2026年10月" in text else None,
            )
        )
    assert labels[0] == "汇总" and None not in labels
    assert [n for i, n in enumerate(labels) if i == 0 or labels[i - 1] != n] == ["汇总", *names]


def test_an_empty_month_prints_zeros_not_errors(store, village):
    text = pdf_text(monthly_pdf(store, "2020-01", today=TODAY))
    assert "受理 0 件" in text and "第 1 页" in text


def test_a_store_without_villages_is_refused(store):
    with pytest.raises(Exception, match="还没有村"):
        monthly_pdf(store, MONTH, today=TODAY)


def test_section_numbers_count_in_chinese():
    assert [cn_number(n) for n in (1, 9, 10, 11, 12, 20, 21)] == [
        "一",
        "九",
        "十",
        "十一",
        "十二",
        "二十",
        "二十一",
    ]


def test_chart_axis_steps_are_round_numbers():
    from village_counsel.reports.charts import nice_step

    assert [nice_step(t) for t in (1, 4, 9, 12, 37, 1878, 10000)] == [1, 1, 2, 5, 10, 500, 2000]


def test_month_arithmetic():
    assert fig.month_add("2026-01", -1) == "2025-12"
    assert fig.month_add("2026-10", -12) == "2025-10"
    assert fig.month_add("2026-12", 1) == "2027-01"


@pytest.mark.slow
def test_a_400_village_township_month_renders(tmp_path):
    s = Store(tmp_path / "big.db")
    run_demo(s, seed=2, villages=400, months=1, today=TODAY)
    data = monthly_pdf(s, "2026-11", today=TODAY)
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages > 400
    first = reader.pages[0].extract_text()
    assert f"共 {pages} 页" in first and "共 400 个村" in first
    last = reader.pages[-1].extract_text()
    assert f"第 {pages} 页 共 {pages} 页" in last and "司法所审核" in last
    s.close()


def test_create_village_helper_names_are_unique(store):
    create_village(store, {"name": "甲村"})
    with pytest.raises(NotFound):
        fig.resolve_village(store, "乙村")
    assert fig.resolve_village(store, "甲村")["name"] == "甲村"


def test_a_consultation_that_does_not_say_how_is_not_counted_as_on_site(store, village):
    from village_counsel.reports.figures import service_figures

    quick = checklist.log_service(store, village.id, {"date": "2026-10-05", "duty": "法律咨询"})
    phoned = checklist.log_service(
        store, village.id, {"date": "2026-10-06", "duty": "法律咨询", "channel": "电话"}
    )
    counted = service_figures([quick, phoned]).by_channel
    assert {k: n for k, n in counted.items() if n} == {"未注明": 1, "电话": 1} and counted["现场"] == 0


def test_a_villages_section_names_its_advisors_office_when_the_village_does_not(store):
    from village_counsel.reports.sections import _office
    from village_counsel.villages import set_profile

    set_profile(store, {"name": "沈律师", "judicial_office": "西周镇司法所"})
    create_village(store, {"name": "下沈村", "township": "西周镇"})  # as the welcome makes it
    create_village(store, {"name": "东门村", "township": "石浦镇", "judicial_office": "石浦镇司法所"})
    report = fig.month_report(store, "2026-11", today=TODAY)
    offices = {sec.name: _office(report, sec) for sec in report.sections}
    assert offices == {"下沈村": "西周镇司法所", "东门村": "石浦镇司法所"}


def test_no_iso_date_or_hex_id_on_a_printed_month(demo):
    text = pdf_text(monthly_pdf(demo, MONTH, today=TODAY))
    assert not re.search(r"(?<![0-9])\d{4}-\d{2}-\d{2}(?![0-9])", text)  # 2026年10月5日, not 2026-10-05
    assert "报告日期2026年11月20日" in "".join(text.split())
    ids = [r.id[:8] for kind in ("matter", "service_entry", "power_exercise") for r in demo.list(kind)]
    assert not any(i in text for i in ids)
