"""The 报表 page: generates off the UI thread, previews inside the program, saves and prints."""

from __future__ import annotations

import pypdf
import pytest
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter

from tests.conftest import TODAY
from village_counsel.demo import run_demo
from village_counsel.ui.report_page import ReportPage


@pytest.fixture
def demo_store(store):
    run_demo(store, seed=3, villages=2, months=2, today=TODAY)
    return store


def generate(page, qtbot, **kwargs):
    with qtbot.waitSignal(page.shown, timeout=60000):
        page.generate(**kwargs)
    assert not page.busy


def test_generates_and_previews_a_township_month(demo_store, qtbot):
    page = ReportPage(demo_store)
    qtbot.addWidget(page)
    assert page.village.currentText() == "全部村（乡镇汇总）"
    generate(page, qtbot, month="2026-11")
    assert page.document.status() == QPdfDocument.Status.Ready
    assert page.document.pageCount() > 4
    assert page.save_button.isEnabled() and page.print_button.isEnabled()
    assert f"共 {page.document.pageCount()} 页" in page.status.text()
    text = pypdf.PdfReader(page.pdf_path).pages[0].extract_text()
    assert "汇总" in text and "2026年11月" in text


def test_one_village_then_save_as_pdf(demo_store, qtbot, tmp_path):
    page = ReportPage(demo_store)
    qtbot.addWidget(page)
    page.village.setCurrentIndex(1)
    name = page.village.currentText()
    generate(page, qtbot, month="2026-10")
    saved = page.save_to(tmp_path / "out")
    assert saved.suffix == ".pdf" and saved.read_bytes().startswith(b"%PDF")
    text = pypdf.PdfReader(saved).pages[0].extract_text()
    assert f"{name}法律顾问工作月报" in text
    assert name in page.suggested_name


def test_prints_every_page(demo_store, qtbot, tmp_path):
    page = ReportPage(demo_store)
    qtbot.addWidget(page)
    page.village.setCurrentIndex(1)
    generate(page, qtbot, month="2026-10")
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert page.print_to(printer) == page.document.pageCount()
    assert len(pypdf.PdfReader(tmp_path / "printed.pdf").pages) == page.document.pageCount()


def test_print_dialog_cancelled_prints_nothing(demo_store, qtbot, monkeypatch):
    seen = []

    def cancel(dialog):  # QPrintDialog has its own exec(): no modal loop in a test
        seen.append(dialog)
        return QPrintDialog.DialogCode.Rejected

    monkeypatch.setattr(QPrintDialog, "exec", cancel)
    page = ReportPage(demo_store)
    qtbot.addWidget(page)
    page.village.setCurrentIndex(1)
    generate(page, qtbot, month="2026-10")
    page.on_print_clicked()
    assert len(seen) == 1
    assert "打印机" not in page.status.text()


def test_prints_a_notice_from_its_number(demo_store, qtbot):
    page = ReportPage(demo_store)
    qtbot.addWidget(page)
    page.village.setCurrentIndex(1)
    vid = page.village.village_id()
    exercise = next(e for e in demo_store.list("power_exercise", village_id=vid) if e["item"] == "P10")
    with qtbot.waitSignal(page.shown, timeout=30000):
        page.print_document("notice", exercise["number"])
    text = pypdf.PdfReader(page.pdf_path).pages[0].extract_text()
    assert "村务公示" in text and exercise["applicant_id"] not in text


def test_unknown_record_shows_a_chinese_message(demo_store, qtbot, monkeypatch):
    page = ReportPage(demo_store)
    qtbot.addWidget(page)
    errors = []
    monkeypatch.setattr("village_counsel.ui.report_page.report_error", lambda parent, exc: errors.append(exc))
    page.doc_kind.setCurrentIndex(1)
    page.doc_ref.setText("说事-1999-01-01-9")
    page.on_document_clicked()
    qtbot.waitUntil(lambda: not page.busy, timeout=30000)
    assert errors and "找不到说事事项" in str(errors[0])
    assert "未能生成" in page.status.text()
    assert page.generate_button.isEnabled()


def test_zoom_modes(ui_store, qtbot):
    from PySide6.QtPdfWidgets import QPdfView

    page = ReportPage(ui_store)
    qtbot.addWidget(page)
    page.zoom.setCurrentIndex(1)
    assert page.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    page.zoom.setCurrentIndex(2)
    assert page.view.zoomMode() == QPdfView.ZoomMode.Custom and page.view.zoomFactor() == 1.0
    page.zoom.setCurrentIndex(0)
    assert page.view.zoomMode() == QPdfView.ZoomMode.FitInView


def test_empty_reference_is_not_sent(ui_store, qtbot):
    page = ReportPage(ui_store)
    qtbot.addWidget(page)
    page.on_document_clicked()
    assert not page.busy and "请先输入" in page.status.text()


def test_figures_in_the_preview_are_the_dashboard_figures(demo_store, qtbot):
    from village_counsel import matters

    page = ReportPage(demo_store)
    qtbot.addWidget(page)
    page.village.setCurrentIndex(1)
    generate(page, qtbot, month="2026-10")
    f = matters.figures(demo_store, "2026-10", page.village.village_id(), today=TODAY)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(page.pdf_path).pages).split()
    i = text.index("满意率")
    assert text[i + 1 : i + 3] == [str(f.sessions), str(f.raised)]


@pytest.mark.parametrize("village_index", [0, 1])
def test_report_figures_equal_the_dashboard(demo_store, qtbot, village_index):
    """The 工作台 and the printed report read the same core queries: same month, same village, same numbers."""
    from village_counsel.reports.figures import month_report
    from village_counsel.ui.common import Hub
    from village_counsel.ui.dashboard import DashboardPage

    dashboard = DashboardPage(demo_store, Hub(), lambda kind, id_: None)
    qtbot.addWidget(dashboard)
    dashboard.month.set_month("2026-10")
    dashboard.village.setCurrentIndex(village_index)  # 0: all villages, 1: the first village
    dashboard.refresh()
    village_id = dashboard.village.village_id()
    report = month_report(
        demo_store, "2026-10", demo_store.get("village", village_id) if village_id else None
    )
    section = report.total if village_id is None else report.sections[0]
    assert section.matters == dashboard.figures
    assert [(e.id, f) for e, f in section.exercises] == [(e.id, f) for e, f in dashboard.findings]
    assert [(p.duty.code, p.required, p.done, p.due, p.overdue) for p in section.checklist] == [
        (p.duty.code, p.required, p.done, p.due, p.overdue) for p in dashboard.progress
    ]
    # what the tiles show is what the report prints
    assert dashboard.tiles["sessions"].value.text() == str(section.matters.sessions)
    assert dashboard.tiles["raised"].value.text() == str(section.matters.raised)
    assert dashboard.tiles["findings"].value.text() == str(section.findings)


def test_a_village_sharing_its_name_is_generated_by_id(ui_store, qtbot):
    """Two advisors' files may both hold 上张村: the page asks for the chosen one by id, not by name."""
    twin = "ffff0000-0000-4000-8000-000000000009"
    ui_store.put("village", {"name": "上张村", "township": "墙头镇"}, id=twin, village_id=twin)
    page = ReportPage(ui_store)
    qtbot.addWidget(page)
    page.village.reload()
    generate(page, qtbot, month="2026-11", village_id=twin)
    text = pypdf.PdfReader(page.pdf_path).pages[0].extract_text()
    assert "上张村（墙头镇）法律顾问工作月报" in text
