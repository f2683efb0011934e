"""The 打印… buttons of the 村民说事 and 小微权力 pages: the chosen record's 一事一档 page or 公示 notice,
generated off the UI thread, then saved or opened."""

from __future__ import annotations

import pypdf
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.conftest import TODAY
from village_counsel.demo import run_demo
from village_counsel.ui.common import Hub
from village_counsel.ui.pages import MattersPage, PowersPage, record_printer


@pytest.fixture
def demo_store(store):
    run_demo(store, seed=3, villages=2, months=2, today=TODAY)
    return store


def choose(button_text: str, offered: list[str]):
    """A handler for the offer box: note its buttons, click the one called ``button_text``."""

    def handler(box: QMessageBox):
        offered.extend(b.text() for b in box.buttons())
        next(b for b in box.buttons() if b.text() == button_text).click()
        return 0

    return handler


def text_of(path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(path).pages)


def test_matters_page_prints_the_chosen_matters_record(demo_store, qtbot, no_modal, monkeypatch, tmp_path):
    page = MattersPage(demo_store, Hub(), lambda kind, id_: None)
    qtbot.addWidget(page)
    assert not page.print_button.isEnabled()  # nothing chosen yet
    page.matters.view.selectRow(0)
    assert page.print_button.isEnabled()
    matter = page.matters.current_record()
    offered: list[str] = []
    no_modal["QMessageBox"] = choose("另存为 PDF…", offered)
    target = tmp_path / "一事一档"
    suggested: list[str] = []

    def save_as(_parent, _title, proposed, *a, **k):
        suggested.append(proposed)
        return str(target), "PDF 文件 (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    page.print_button.click()
    printer = record_printer(page)
    qtbot.waitUntil(lambda: not printer.busy, timeout=30000)
    assert sorted(offered) == sorted(["另存为 PDF…", "打开并打印…", "关闭"])
    assert printer.saved_to == target.with_suffix(".pdf")
    text = text_of(printer.saved_to)
    assert "一事一档" in text and matter["raiser"] not in text  # names masked
    from village_counsel.reports.lookup import matter_number

    assert suggested[0].endswith(f"{matter_number(demo_store, matter)}.pdf")  # named by its number


def test_powers_page_prints_the_chosen_exercises_notice(demo_store, qtbot, no_modal, monkeypatch):
    page = PowersPage(demo_store, Hub(), lambda kind, id_: None)
    qtbot.addWidget(page)
    assert not page.print_button.isEnabled()
    ids = page.exercises.model.ids
    exercise = next(e for e in demo_store.list("power_exercise") if e["item"] == "P10" and e.id in ids)
    page.exercises.select_id(exercise.id)
    assert page.print_button.isEnabled()
    page.tabs.setCurrentIndex(1)  # the catalogue tab: nothing to print there
    assert not page.print_button.isEnabled()
    page.tabs.setCurrentIndex(0)
    opened: list[str] = []
    monkeypatch.setattr(
        "village_counsel.ui.report_page.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()) or True,
    )
    no_modal["QMessageBox"] = choose("打开并打印…", [])
    printer = record_printer(page)
    with qtbot.waitSignal(printer.generated, timeout=30000):
        page.print_button.click()
    assert opened == [str(printer.last_path)]
    text = text_of(printer.last_path)
    assert "村务公示" in text and exercise["number"] in text
    assert exercise["applicant_id"] not in text  # the ID number is masked


def test_a_notice_that_cannot_be_made_says_why_in_chinese(demo_store, qtbot, monkeypatch):
    page = PowersPage(demo_store, Hub(), lambda kind, id_: None)
    qtbot.addWidget(page)
    ids = page.exercises.model.ids
    # 出具证明 has no publicity step: there is no notice to post
    exercise = next(e for e in demo_store.list("power_exercise") if e["item"] == "P13" and e.id in ids)
    page.exercises.select_id(exercise.id)
    errors: list[BaseException] = []
    monkeypatch.setattr("village_counsel.ui.report_page.report_error", lambda parent, exc: errors.append(exc))
    page.print_button.click()
    printer = record_printer(page)
    qtbot.waitUntil(lambda: not printer.busy, timeout=30000)
    assert errors and "没有公示步骤" in str(errors[0])
    assert printer.last_path is None


def test_printing_a_notice_with_a_short_publicity_warns_the_printer(store, village, qtbot, no_modal):
    from village_counsel import powers

    exercise = powers.create_exercise(
        store,
        village.id,
        {
            "item": "P10",
            "date": "2026-10-09",
            "subject": "建房用地申请",
            "steps": [
                {"key": "application", "date": "2026-10-09"},
                {"key": "village_publicity", "date": "2026-10-12", "end_date": "2026-10-14"},
            ],
        },
    )
    page = PowersPage(store, Hub(), lambda kind, id_: None)
    qtbot.addWidget(page)
    page.exercises.select_id(exercise.id)
    said: list[str] = []

    def look(box: QMessageBox):
        said.append(box.informativeText())
        return 0

    no_modal["QMessageBox"] = look
    printer = record_printer(page)
    with qtbot.waitSignal(printer.generated, timeout=30000):
        page.print_button.click()
    assert "合法性审查提示：【公示期不足】“村内公示”公示 3 天" in said[0]
