"""Leaving a record dialog without saving: 取消, Esc and the window's close button ask "放弃未保存的修改？"
when something was changed since the dialog opened, and close at once when nothing was."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox, QTableWidgetItem

from tests.ui.conftest import set_text
from village_counsel.ui.editors import ServiceDialog, SessionDialog, VillageDialog
from village_counsel.ui.exercise_editor import STEP_COLUMNS, ExerciseDialog
from village_counsel.ui.note_dialog import MonthlyNoteDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # showing a window offscreen


class WindowCloseButton(QCloseEvent):
    """The close event a window manager sends when the title bar's × is clicked (a spontaneous one)."""

    def spontaneous(self) -> bool:  # noqa: D102
        return True


@pytest.fixture
def asked(no_modal):
    """Answer the discard question with the queued button texts; each question is noted (text, buttons,
    default button)."""
    queue: list[str] = []
    questions: list[tuple[str, list[str], str]] = []

    def handler(box: QMessageBox):
        default = box.defaultButton()
        questions.append(
            (box.text(), sorted(b.text() for b in box.buttons()), default.text() if default else "")
        )
        assert queue, f"unexpected question: {box.text()}"
        answer = queue.pop(0)
        next(b for b in box.buttons() if b.text() == answer).click()
        return 0

    no_modal["QMessageBox"] = handler
    return queue, questions


def _shown(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _cancel(dialog):
    next(
        b
        for b in dialog.buttons.buttons()
        if dialog.buttons.buttonRole(b) == QDialogButtonBox.ButtonRole.RejectRole
    ).click()


def test_unchanged_dialog_closes_at_once(ui_store, qtbot, asked):
    _queue, questions = asked
    for leave in (_cancel, lambda d: qtbot.keyClick(d, Qt.Key.Key_Escape)):
        dialog = _shown(qtbot, VillageDialog(ui_store))
        leave(dialog)
        assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    dialog = _shown(qtbot, VillageDialog(ui_store))
    QApplication.sendEvent(dialog, WindowCloseButton())
    assert not dialog.isVisible()
    assert questions == []


def test_cancel_asks_and_keep_editing_keeps_the_typed_work(ui_store, qtbot, asked):
    queue, questions = asked
    dialog = _shown(qtbot, VillageDialog(ui_store))
    set_text(dialog.editor, "name", "下张村")
    queue.append("继续编辑")
    _cancel(dialog)
    assert questions == [("放弃未保存的修改？", sorted(["放弃修改", "继续编辑"]), "继续编辑")]
    assert dialog.isVisible()
    assert dialog.editor.values()["name"] == "下张村"
    queue.append("放弃修改")
    _cancel(dialog)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    assert len(questions) == 2
    assert "下张村" not in [v["name"] for v in ui_store.list("village")]


def test_escape_asks_too(ui_store, qtbot, asked):
    queue, questions = asked
    dialog = _shown(qtbot, VillageDialog(ui_store))
    qtbot.keyClicks(dialog.editor.widget("name"), "xia")  # (QTest types ASCII only)
    queue.append("继续编辑")
    qtbot.keyClick(dialog.editor.widget("name"), Qt.Key.Key_Escape)
    assert len(questions) == 1 and dialog.isVisible()
    queue.append("放弃修改")
    qtbot.keyClick(dialog.editor.widget("name"), Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_window_close_button_asks(ui_store, qtbot, asked):
    queue, questions = asked
    dialog = _shown(qtbot, VillageDialog(ui_store))
    set_text(dialog.editor, "township", "西周镇")
    queue.append("继续编辑")
    QApplication.sendEvent(dialog, WindowCloseButton())
    assert len(questions) == 1 and dialog.isVisible()
    queue.append("放弃修改")
    QApplication.sendEvent(dialog, WindowCloseButton())
    assert len(questions) == 2 and not dialog.isVisible()


def test_a_change_undone_is_no_change(ui_store, village_ids, qtbot, asked):
    _queue, questions = asked
    dialog = _shown(qtbot, ServiceDialog(ui_store, village_id=village_ids["上张村"], duty="法律咨询"))
    set_text(dialog.editor, "content", "咨询土地承包")
    set_text(dialog.editor, "content", "")
    _cancel(dialog)
    assert questions == [] and not dialog.isVisible()


def test_saving_does_not_ask(ui_store, qtbot, asked):
    _queue, questions = asked
    dialog = _shown(qtbot, VillageDialog(ui_store))
    set_text(dialog.editor, "name", "下张村")
    dialog.on_save()
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert questions == []
    assert "下张村" in [v["name"] for v in ui_store.list("village")]


def test_every_kind_of_record_dialog_notices_its_own_inputs(ui_store, village_ids, qtbot, asked):
    """The base class compares what each dialog would save: a village chosen, a matter row typed into the
    session's table, a step typed into the exercise's table, a note's text."""
    queue, questions = asked
    vid = village_ids["上张村"]

    session = _shown(qtbot, SessionDialog(ui_store, village_id=vid))
    session.table.setItem(0, 0, QTableWidgetItem("张三"))

    service = _shown(qtbot, ServiceDialog(ui_store, village_id=vid, duty="法律咨询"))
    service.village.set_village(village_ids["东门村"])

    exercise = _shown(qtbot, ExerciseDialog(ui_store, village_id=vid))
    exercise.steps.setItem(0, STEP_COLUMNS.index("date"), QTableWidgetItem("2026-11-05"))

    note = _shown(qtbot, MonthlyNoteDialog(ui_store, vid, "2026-11", "上张村"))
    set_text(note.editor, "risks", "汛期溪堤隐患")

    for dialog in (session, service, exercise, note):
        queue.append("继续编辑")
        _cancel(dialog)
        assert dialog.isVisible(), type(dialog).__name__
        queue.append("放弃修改")
        _cancel(dialog)
        assert not dialog.isVisible(), type(dialog).__name__
    assert len(questions) == 8
    assert ui_store.list("session") == [] and ui_store.list("power_exercise") == []


def test_values_filled_in_before_showing_are_the_start(ui_store, village_ids, qtbot, asked):
    """Whoever opens a dialog may fill it in first: that is where the comparison starts."""
    _queue, questions = asked
    dialog = ServiceDialog(ui_store, village_id=village_ids["上张村"], duty="法律咨询")
    set_text(dialog.editor, "topic", "宅基地")
    _shown(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert questions == [] and not dialog.isVisible()
