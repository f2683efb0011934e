"""小微权力: the catalogue browser, and an exercise whose findings update live as steps are entered."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QTableWidgetItem

from tests.ui.conftest import set_text
from village_counsel import powers
from village_counsel.ui.common import Hub
from village_counsel.ui.exercise_editor import STEP_COLUMNS, ExerciseDialog
from village_counsel.ui.pages import PowersPage


def _set_step(dialog, key, column, value):
    item = dialog.item()
    row = [s.key for s in item.steps].index(key)
    dialog.steps.setItem(row, STEP_COLUMNS.index(column), QTableWidgetItem(value))


def _findings(dialog):
    return [dialog.findings.item(i).text() for i in range(dialog.findings.count())]


def test_exercise_lacking_a_step_shows_the_finding_live(ui_store, village_ids, qtbot):
    dialog = ExerciseDialog(ui_store, village_id=village_ids["上张村"], item="P01")
    qtbot.addWidget(dialog)
    set_text(dialog.head, "date", "2026-09-01")
    set_text(dialog.head, "subject", "村道硬化工程")
    assert dialog.findings_title.text().endswith("未发现问题</b>")
    _set_step(dialog, "proposal", "date", "2026-09-01")
    assert "未发现问题" in dialog.findings_title.text()
    # the joint meeting is skipped: once a later step is entered, the missing step is a finding
    _set_step(dialog, "plan_publicity", "date", "2026-09-05")
    _set_step(dialog, "plan_publicity", "end_date", "2026-09-25")
    assert any("缺少必经步骤“两委联席会议商议”" in t for t in _findings(dialog))
    # a decision during the publicity period is flagged at once too
    _set_step(dialog, "party_review", "date", "2026-09-10")
    assert any("公示期内决策" in t for t in _findings(dialog))
    _set_step(dialog, "party_review", "date", "2026-09-26")
    assert not any("公示期内决策" in t for t in _findings(dialog))

    dialog.on_save()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    saved = ui_store.get("power_exercise", dialog.saved.id)
    assert [f.code for f in powers.review(saved)] == ["missing_step"]
    assert [s["key"] for s in saved["steps"]] == ["proposal", "plan_publicity", "party_review"]


def test_exercise_validation_marks_the_step_and_saves_nothing(ui_store, village_ids, qtbot):
    dialog = ExerciseDialog(ui_store, village_id=village_ids["上张村"], item="P01")
    qtbot.addWidget(dialog)
    set_text(dialog.head, "date", "2026-09-01")
    set_text(dialog.head, "amount", "很多")
    _set_step(dialog, "proposal", "date", "九月一日")
    dialog.on_save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.head.errors["subject"].text() == "必须填写"
    assert dialog.head.errors["amount"].text() == "应为数字"
    assert "党支部提议·日期：日期格式应为 年-月-日" in dialog.message.text()
    assert ui_store.list("power_exercise") == []


def test_catalogue_browser_shows_steps_and_publicity(ui_store, qtbot):
    page = PowersPage(ui_store, Hub(), lambda k, i: None)
    qtbot.addWidget(page)
    page.items.setCurrentRow(0)
    text = page.item_text.toPlainText()
    assert "方案公示" in text and "公示不少于 15 天" in text
    page.items.setCurrentRow(9)
    assert "宅基地" in page.item_text.toPlainText()
