"""工作清单: logging a service entry (quick entry, Ctrl+L) moves the checklist."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import QDialog, QLabel

from tests.ui.conftest import set_text
from village_counsel.ui.checklist_page import ChecklistPage
from village_counsel.ui.common import Hub
from village_counsel.ui.editors import ServiceDialog
from village_counsel.ui.main_window import MainWindow

# the offscreen platform cannot size a shown window to its hints; harmless
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _bar(page, duty, column=5):
    row = next(n for n, p in enumerate(page.rows) if p.duty.name == duty)
    return page.duties.cellWidget(row, column)


def test_logging_service_entries_moves_progress(ui_store, village_ids, qtbot):
    hub = Hub()
    page = ChecklistPage(ui_store, hub, lambda k, i: None)
    qtbot.addWidget(page)
    page.show()
    assert _bar(page, "驻村服务").text() == "0 / 2"  # two villages, once a month each
    dialog = ServiceDialog(ui_store, quick=True, village_id=village_ids["上张村"], duty="驻村服务")
    qtbot.addWidget(dialog)
    set_text(dialog.editor, "content", "驻村坐班，接待来访")
    dialog.on_save()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    hub.emit_changes(dialog.changes)
    assert _bar(page, "驻村服务").text() == "1 / 2"
    assert _bar(page, "驻村服务").value() == 1
    assert page.entries.model.rowCount() == 1


def test_quick_entry_from_anywhere_with_ctrl_l(ui_store, village_ids, qtbot, no_modal):
    window = MainWindow(ui_store)
    qtbot.addWidget(window)
    window.show()

    def fill(dialog):
        assert dialog.quick
        set_text(dialog.editor, "duty", "走访")
        set_text(dialog.editor, "content", "入户走访三户")
        dialog.on_save()
        return dialog.result()

    no_modal["ServiceDialog"] = fill
    window.show_page("村民说事")
    window.quick_entry()  # what Ctrl+L triggers
    assert [e["duty"] for e in ui_store.list("service_entry")] == ["走访"]
    assert ui_store.list("service_entry")[0]["date"] == date.today().isoformat()
    window.show_page("工作清单")
    assert _bar(window.checklist, "走访").text() == "1 / 2"
    assert "Ctrl+L" in [s.key().toString() for s in window.findChildren(QShortcut)]


def test_service_entry_validation_messages(ui_store, village_ids, qtbot):
    dialog = ServiceDialog(ui_store, village_id=village_ids["东门村"])
    qtbot.addWidget(dialog)
    set_text(dialog.editor, "duty", "矛盾纠纷调解")
    assert not dialog.editor.rows["dispute_type"][1].isHidden()
    set_text(dialog.editor, "hours", "三小时")
    set_text(dialog.editor, "date", "")
    dialog.on_save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.editor.errors["hours"].text() == "应为数字"
    assert dialog.editor.errors["date"].text() == "必须填写"
    assert dialog.editor.errors["dispute_type"].text() == "必须填写"
    assert ui_store.list("service_entry") == []


def test_quick_entry_is_type_and_enter(ui_store, village_ids, qtbot):
    dialog = ServiceDialog(ui_store, quick=True, village_id=village_ids["上张村"], duty="法律咨询")
    qtbot.addWidget(dialog)
    dialog.show()
    content = dialog.editor.widget("content")
    qtbot.keyClicks(content, "zixun")
    qtbot.keyClick(content, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    assert [e["content"] for e in ui_store.list("service_entry")] == ["zixun"]


@pytest.mark.parametrize(
    ("duty", "needed", "values"),
    [
        ("矛盾纠纷调解", {"dispute_type", "source"}, {"dispute_type": "邻里", "source": "主动调解"}),
        ("合法性审查", {"doc_type"}, {"doc_type": "合同"}),
    ],
)
def test_quick_entry_asks_for_what_a_duty_requires(ui_store, village_ids, qtbot, duty, needed, values):
    """A mediation case or a review logged with Ctrl+L: the fields it requires appear (it could not be
    saved before: they were not in the quick form)."""
    dialog = ServiceDialog(ui_store, quick=True, village_id=village_ids["上张村"], duty="法律咨询")
    qtbot.addWidget(dialog)
    dialog.show()
    shown = lambda: {n for n in ("dispute_type", "source", "doc_type") if dialog.editor.widget(n).isVisible()}  # noqa: E731
    assert shown() == set()
    set_text(dialog.editor, "duty", duty)
    assert shown() == needed
    set_text(dialog.editor, "content", "当事人双方到场")
    for name, value in values.items():
        set_text(dialog.editor, name, value)
    dialog.on_save()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    assert ui_store.list("service_entry")[0]["duty"] == duty


def test_ctrl_l_on_a_page_filtered_on_a_village_logs_for_that_village(ui_store, village_ids, qtbot, no_modal):
    window = MainWindow(ui_store)
    qtbot.addWidget(window)
    window.show_page("工作清单")
    window.checklist.village.set_village(village_ids["东门村"])
    seen: list[str | None] = []

    def look(dialog):
        seen.append(dialog.village.village_id())
        return QDialog.DialogCode.Rejected

    no_modal["ServiceDialog"] = look
    window.quick_entry()
    assert seen == [village_ids["东门村"]]


def test_a_service_entry_dated_after_today_is_refused_at_its_field(ui_store, village_ids, qtbot):
    from datetime import timedelta

    dialog = ServiceDialog(ui_store, quick=True, village_id=village_ids["上张村"], duty="法律咨询")
    qtbot.addWidget(dialog)
    set_text(dialog.editor, "date", (date.today() + timedelta(days=1)).isoformat())
    set_text(dialog.editor, "content", "咨询")
    dialog.on_save()
    assert dialog.result() != QDialog.DialogCode.Accepted and ui_store.list("service_entry") == []
    assert "不能晚于今天" in dialog.editor.errors["date"].text()


def test_another_dutys_fields_are_not_saved_with_an_entry(ui_store, village_ids, qtbot):
    dialog = ServiceDialog(ui_store, quick=True, village_id=village_ids["上张村"], duty="矛盾纠纷调解")
    qtbot.addWidget(dialog)
    set_text(dialog.editor, "dispute_type", "邻里")
    set_text(dialog.editor, "source", "主动调解")
    set_text(dialog.editor, "duty", "走访")  # changed her mind
    set_text(dialog.editor, "content", "入户走访")
    dialog.on_save()
    (entry,) = ui_store.list("service_entry")
    assert entry["duty"] == "走访" and not entry.get("dispute_type") and not entry.get("source")


def test_a_case_takes_its_parties_row_by_row(ui_store, village_ids, qtbot):
    dialog = ServiceDialog(ui_store, village_id=village_ids["东门村"])
    qtbot.addWidget(dialog)
    set_text(dialog.editor, "duty", "矛盾纠纷调解")
    assert dialog.editor.rows["parties"][1].isHidden()  # (only a case recorded before shows the old line)
    set_text(dialog.editor, "dispute_type", "邻里")
    set_text(dialog.editor, "source", "主动调解")
    set_text(dialog.editor, "date", "2026-11-03")
    applicants = dialog.editor.widget("applicants").table
    applicants.item(0, 0).setText("王建国")
    applicants.item(0, 1).setText("13912345678")
    assert applicants.rowCount() == 2  # a blank row waits for the next one
    applicants.item(1, 0).setText("王小明")
    dialog.editor.widget("respondents").table.item(0, 0).setText("李明")
    dialog.on_save()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    (entry,) = ui_store.list("service_entry")
    assert entry["applicants"] == [{"name": "王建国", "phone": "13912345678"}, {"name": "王小明"}]
    assert entry["respondents"] == [{"name": "李明"}] and entry["case_seq"] == 1
    again = ServiceDialog(ui_store, entry, village_id=village_ids["东门村"])
    qtbot.addWidget(again)
    assert again.editor.values()["applicants"] == entry["applicants"]
    assert again.findChild(QLabel, "case_number").text() == "案号：（2026）东门人调字第 1 号"
