"""The steps table of a 小微权力 exercise: what happens to entered steps when the item changes, and the
地点 column of publicity steps."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QTableWidgetItem

from tests.ui.conftest import set_text
from village_counsel.ui.exercise_editor import STEP_COLUMNS, ExerciseDialog


def _row(dialog, key):
    return [s.key for s in dialog.item().steps].index(key)


def _set_step(dialog, key, column, value):
    dialog.steps.setItem(_row(dialog, key), STEP_COLUMNS.index(column), QTableWidgetItem(value))


def _cell(dialog, key, column):
    return dialog.steps.item(_row(dialog, key), STEP_COLUMNS.index(column))


def _table(dialog):
    """Every non-empty cell as {(step key, column): text}."""
    keys = [s.key for s in dialog.item().steps]
    out = {}
    for r in range(dialog.steps.rowCount()):
        for c, name in enumerate(STEP_COLUMNS):
            cell = dialog.steps.item(r, c)
            if cell is not None and cell.text():
                out[keys[r], name] = cell.text()
    return out


def _greyed_cells_hold_nothing(dialog):
    for r in range(dialog.steps.rowCount()):
        for c in range(dialog.steps.columnCount()):
            cell = dialog.steps.item(r, c)
            if cell is not None and cell.flags() == Qt.ItemFlag.NoItemFlags:
                assert cell.text() == "", (r, STEP_COLUMNS[c], cell.text())


@pytest.fixture
def answers(monkeypatch):
    """Answer QMessageBox.question with the queued buttons; the asked texts are kept."""
    queue: list[QMessageBox.StandardButton] = []
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        asked.append(text)
        assert queue, f"unexpected question: {text}"
        return queue.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    return queue, asked


@pytest.fixture
def p01(ui_store, village_ids, qtbot):
    """A new P01 exercise with the first three steps entered (the publicity one with its deadline)."""
    dialog = ExerciseDialog(ui_store, village_id=village_ids["上张村"], item="P01")
    qtbot.addWidget(dialog)
    set_text(dialog.head, "subject", "村道硬化工程")
    _set_step(dialog, "proposal", "date", "2026-10-20")
    _set_step(dialog, "joint_meeting", "date", "2026-10-25")
    _set_step(dialog, "plan_publicity", "date", "2026-11-01")
    _set_step(dialog, "plan_publicity", "end_date", "2026-11-20")
    return dialog


def test_changing_the_item_drops_the_steps_it_lacks_after_asking(p01, answers):
    queue, asked = answers
    queue.append(QMessageBox.StandardButton.Yes)
    set_text(p01.head, "item", "P13")
    assert len(asked) == 1 and "3 个步骤" in asked[0]
    # nothing from P01 lands on 提出申请, 核实 or 经办人签字
    assert p01.item().code == "P13"
    assert _table(p01) == {}
    assert p01.step_values(include_invalid=True) == []
    _greyed_cells_hold_nothing(p01)


def test_changing_the_item_keeps_the_steps_it_shares(p01, answers):
    queue, asked = answers
    _set_step(p01, "result_publicity", "date", "2026-12-01")
    _set_step(p01, "result_publicity", "place", "村务公开栏")
    queue.append(QMessageBox.StandardButton.Yes)
    set_text(p01.head, "item", "P03")  # shares only 结果公开 with P01
    assert len(asked) == 1 and "3 个步骤" in asked[0]
    assert _table(p01) == {
        ("result_publicity", "date"): "2026-12-01",
        ("result_publicity", "place"): "村务公开栏",
    }
    assert p01.step_values() == [{"key": "result_publicity", "date": "2026-12-01", "place": "村务公开栏"}]
    _greyed_cells_hold_nothing(p01)
    # back to P01: 结果公开 is shared again, so nothing is lost and nothing is asked
    set_text(p01.head, "item", "P01")
    assert len(asked) == 1
    assert _table(p01) == {
        ("result_publicity", "date"): "2026-12-01",
        ("result_publicity", "place"): "村务公开栏",
    }


def test_an_item_with_all_the_entered_steps_is_taken_without_asking(p01, answers):
    _queue, asked = answers
    set_text(p01.head, "item", "P07")  # P07 has every P01 step (and 备案)
    assert asked == []
    assert _table(p01) == {
        ("proposal", "date"): "2026-10-20",
        ("joint_meeting", "date"): "2026-10-25",
        ("plan_publicity", "date"): "2026-11-01",
        ("plan_publicity", "end_date"): "2026-11-20",
    }


def test_answering_no_keeps_the_item_and_the_steps(p01, answers):
    queue, asked = answers
    before = _table(p01)
    queue.append(QMessageBox.StandardButton.No)
    set_text(p01.head, "item", "P13")
    assert len(asked) == 1
    assert p01.head.values()["item"] == "P01"
    assert p01.item().code == "P01"
    assert p01.steps.verticalHeaderItem(0).text() == "1. 党支部提议"
    assert _table(p01) == before
    assert p01.step_values() == [
        {"key": "proposal", "date": "2026-10-20"},
        {"key": "joint_meeting", "date": "2026-10-25"},
        {"key": "plan_publicity", "date": "2026-11-01", "end_date": "2026-11-20"},
    ]
    # the findings are those of P01 again, not of the refused item
    assert "未发现问题" in p01.findings_title.text()
    # and the dialog still works: the next change asks again
    queue.append(QMessageBox.StandardButton.Yes)
    set_text(p01.head, "item", "P13")
    assert len(asked) == 2 and p01.item().code == "P13" and _table(p01) == {}


def test_place_is_editable_only_on_publicity_steps(p01):
    assert _cell(p01, "proposal", "place").flags() == Qt.ItemFlag.NoItemFlags
    assert _cell(p01, "plan_publicity", "place").flags() & Qt.ItemFlag.ItemIsEditable
    assert p01.steps.horizontalHeaderItem(STEP_COLUMNS.index("place")).text() == "地点"


def test_place_round_trips_through_save_and_reopen(p01, ui_store, qtbot):
    _set_step(p01, "plan_publicity", "place", "村委会公开栏、微信群")
    p01.on_save()
    assert p01.result() == QDialog.DialogCode.Accepted, p01.message.text()
    saved = ui_store.get("power_exercise", p01.saved.id)
    publicity = next(s for s in saved["steps"] if s["key"] == "plan_publicity")
    assert publicity["place"] == "村委会公开栏、微信群"

    again = ExerciseDialog(ui_store, saved)
    qtbot.addWidget(again)
    assert _cell(again, "plan_publicity", "place").text() == "村委会公开栏、微信群"
    _set_step(again, "plan_publicity", "place", "村务公开栏")
    again.on_save()
    assert again.result() == QDialog.DialogCode.Accepted, again.message.text()
    steps = ui_store.get("power_exercise", saved.id)["steps"]
    assert next(s for s in steps if s["key"] == "plan_publicity")["place"] == "村务公开栏"


def test_a_stored_value_the_table_cannot_show_is_kept_not_shown(ui_store, village_ids, qtbot):
    """A value saved elsewhere (the CLI) in a column greyed for its step stays out of the greyed cell, and
    saving the dialog does not destroy it."""
    from village_counsel import powers

    record = powers.create_exercise(
        ui_store,
        village_ids["上张村"],
        {
            "item": "P01",
            "date": "2026-10-01",
            "subject": "村道硬化工程",
            "steps": [{"key": "proposal", "date": "2026-10-01", "place": "村委会会议室"}],
        },
    )
    dialog = ExerciseDialog(ui_store, record)
    qtbot.addWidget(dialog)
    _greyed_cells_hold_nothing(dialog)
    assert _cell(dialog, "proposal", "date").text() == "2026-10-01"
    dialog.on_save()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    steps = ui_store.get("power_exercise", record.id)["steps"]
    assert steps == [{"key": "proposal", "date": "2026-10-01", "place": "村委会会议室"}]


def test_the_notice_content_is_entered_with_the_exercise(ui_store, village_ids, qtbot, no_modal):
    dialog = ExerciseDialog(ui_store, village_id=village_ids["上张村"], item="P11")
    qtbot.addWidget(dialog)
    assert dialog.notice_button.isEnabled()

    def fill(content):
        set_text(content.editor, "kind", "最低生活保障")
        table = content.recipients.table
        table.item(0, 0).setText("王建国")
        table.item(0, 2).setText("1,200")
        table.item(1, 0).setText("李秀英")
        return QDialog.DialogCode.Accepted

    no_modal["NoticeContentDialog"] = fill
    dialog.edit_notice()
    set_text(dialog.head, "subject", "低保申请")
    dialog.on_save()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    (saved,) = ui_store.list("power_exercise")
    assert saved["notice"] == {"kind": "最低生活保障"}
    assert saved["recipients"] == [{"name": "王建国", "amount": "1200"}, {"name": "李秀英"}]
    # an item whose notice declares nothing has nothing to enter
    other = ExerciseDialog(ui_store, village_id=village_ids["上张村"], item="P14")
    qtbot.addWidget(other)
    assert not other.notice_button.isEnabled()
