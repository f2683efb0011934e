"""The 报表 page's 填写风险与计划… button: the ``monthly_note`` of one village and month, printed in its report."""

from __future__ import annotations

import pypdf
import pytest
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog

from tests.ui.conftest import set_text
from village_counsel.history import undo_last
from village_counsel.ui.note_dialog import MonthlyNoteDialog
from village_counsel.ui.report_page import ReportPage

MONTH = "2026-11"
RISKS = "汛期临近，溪堤与山塘存在安全隐患，需督促排查。"
PLAN = "开展一次民法典专题普法讲座；跟进未办结说事事项。"


def all_notes(store):
    """Every monthly note, tombstones included: a second record would show here."""
    return store.list("monthly_note", include_deleted=True)


@pytest.fixture
def page(ui_store, village_ids, qtbot):
    page = ReportPage(ui_store)
    qtbot.addWidget(page)
    page.month.set_month(MONTH)
    page.village.set_village(village_ids["上张村"])
    return page


def fill(values, seen=None):
    """A handler for ``no_modal``: type ``values`` into the dialog, press 保存, report the outcome."""

    def handler(dialog):
        if seen is not None:
            seen.append(dialog.editor.values())
        for name, value in values.items():
            set_text(dialog.editor, name, value)
        dialog.on_save()
        return dialog.result()

    return handler


def test_creates_the_note_of_the_chosen_village_and_month(page, ui_store, village_ids, no_modal, qtbot):
    no_modal["MonthlyNoteDialog"] = fill({"risks": RISKS, "plan": PLAN})
    assert page.note_button.isEnabled()
    with qtbot.waitSignal(page.note_saved) as saved:
        page.note_button.click()
    (note,) = all_notes(ui_store)
    assert not note.deleted and note.village_id == village_ids["上张村"]
    assert note.data == {"month": MONTH, "date": f"{MONTH}-01", "risks": RISKS, "plan": PLAN}
    assert saved.args[0].kinds == {"monthly_note"} and note.id in saved.args[0].ids
    assert "已保存上张村2026年11月" in page.status.text()
    # one operation: Ctrl+Z takes it back
    undo_last(ui_store)
    assert ui_store.list("monthly_note") == []


def test_editing_again_changes_the_same_record(page, ui_store, no_modal):
    no_modal["MonthlyNoteDialog"] = fill({"risks": RISKS, "plan": PLAN})
    page.edit_note()
    (first,) = all_notes(ui_store)
    seen: list[dict] = []
    no_modal["MonthlyNoteDialog"] = fill({"plan": "协助修订村规民约。"}, seen)
    dialog = page.edit_note()
    assert seen == [{"risks": RISKS, "plan": PLAN}]  # the dialog opened on the saved text
    assert dialog.windowTitle().startswith("修改")
    (second,) = all_notes(ui_store)
    assert second.id == first.id and second.rev != first.rev
    assert second["risks"] == RISKS and second["plan"] == "协助修订村规民约。"
    assert len(ui_store.history(first.id)) == 2


def test_the_other_village_and_month_have_their_own_note(page, ui_store, village_ids, no_modal):
    no_modal["MonthlyNoteDialog"] = fill({"risks": RISKS})
    page.edit_note()
    page.village.set_village(village_ids["东门村"])
    page.edit_note()
    page.month.set_month("2026-10")
    page.edit_note()
    notes = all_notes(ui_store)
    assert sorted((n.village_id, n["month"]) for n in notes) == sorted(
        [
            (village_ids["上张村"], MONTH),
            (village_ids["东门村"], MONTH),
            (village_ids["东门村"], "2026-10"),
        ]
    )


def test_township_view_has_no_note_to_edit(page, ui_store, village_ids, no_modal):
    page.village.setCurrentIndex(0)  # 全部村（乡镇汇总）
    assert page.village.village_id() is None
    assert not page.note_button.isEnabled()
    assert "请先在“村”中选择一个村" in page.note_button.toolTip()
    assert page.edit_note() is None
    assert no_modal["__seen__"] == []
    page.village.set_village(village_ids["东门村"])
    assert page.note_button.isEnabled() and "东门村2026年11月" in page.note_button.toolTip()


def test_township_view_after_the_villages_reload(ui_store, qtbot):
    """The combos reload without signals when the page is shown: the button still follows them."""
    page = ReportPage(ui_store)
    qtbot.addWidget(page)
    page.village.setCurrentIndex(1)
    assert page.note_button.isEnabled()
    page.village.blockSignals(True)
    page.village.setCurrentIndex(0)
    page.village.blockSignals(False)
    page.showEvent(QShowEvent())  # (showing a window offscreen makes Qt warn)
    assert not page.note_button.isEnabled()


def test_too_long_a_text_is_refused_at_the_field(page, ui_store, no_modal):
    dialogs = []

    def handler(dialog):
        dialogs.append(dialog)
        return fill({"risks": "隐" * 5001, "plan": PLAN})(dialog)

    no_modal["MonthlyNoteDialog"] = handler
    assert page.edit_note().result() == QDialog.DialogCode.Rejected
    error = dialogs[0].editor.errors["risks"]
    assert not error.isHidden() and error.text() == "不能超过 5000 个字"
    assert dialogs[0].editor.errors["plan"].isHidden()
    assert all_notes(ui_store) == []
    assert "已保存" not in page.status.text()


def test_an_empty_new_note_is_not_stored(page, ui_store, no_modal):
    dialogs = []

    def handler(dialog):
        dialogs.append(dialog)
        return fill({"risks": "  ", "plan": ""})(dialog)

    no_modal["MonthlyNoteDialog"] = handler
    page.edit_note()
    assert dialogs[0].result() == QDialog.DialogCode.Rejected
    assert "请至少填写" in dialogs[0].editor.errors["risks"].text()
    assert all_notes(ui_store) == []


def test_notes_from_two_sources_are_merged_into_one(page, ui_store, village_ids, no_modal):
    """Older data (or the demo) may hold two notes of one month: the editor shows what the report
    prints — both texts — and saving leaves one."""
    vid = village_ids["上张村"]
    a = ui_store.put("monthly_note", {"month": MONTH, "date": f"{MONTH}-01", "risks": "甲"}, village_id=vid)
    b = ui_store.put("monthly_note", {"month": MONTH, "date": f"{MONTH}-01", "plan": "乙"}, village_id=vid)
    seen: list[dict] = []
    no_modal["MonthlyNoteDialog"] = fill({}, seen)
    page.edit_note()
    assert seen == [{"risks": "甲", "plan": "乙"}]
    (kept,) = ui_store.list("monthly_note", village_id=vid)
    assert kept.id == b.id and kept["risks"] == "甲" and kept["plan"] == "乙"
    assert ui_store.get("monthly_note", a.id, include_deleted=True).deleted


def test_the_saved_text_is_printed_in_the_report(page, ui_store, no_modal, qtbot):
    def report_text() -> str:
        with qtbot.waitSignal(page.shown, timeout=60000):
            page.generate()
        return "".join(p.extract_text() for p in pypdf.PdfReader(page.pdf_path).pages).replace("\n", "")

    before = report_text()
    assert "（未填写）" in before and "本月未报告风险隐患与重大事项" in before
    no_modal["MonthlyNoteDialog"] = fill({"risks": RISKS, "plan": PLAN})
    page.edit_note()
    after = report_text()
    assert RISKS in after and PLAN in after
    assert "（未填写）" not in after
    assert (
        after.index("风险隐患与重大事项")
        < after.index(RISKS)
        < after.index("下月工作计划")
        < after.index(PLAN)
    )


def test_the_dialog_fits_a_small_screen(ui_store, village_ids, qtbot):
    dialog = MonthlyNoteDialog(ui_store, village_ids["上张村"], MONTH, "上张村")
    qtbot.addWidget(dialog)
    assert dialog.width() <= 1350 and dialog.height() <= 680
    assert dialog.windowTitle() == "填写月度风险与计划：上张村 2026年11月"


def test_in_the_window_a_saved_note_is_announced_to_every_page(ui_store, village_ids, no_modal, qtbot):
    from village_counsel.ui.main_window import MainWindow

    window = MainWindow(ui_store)
    qtbot.addWidget(window)
    page = window.reports
    page.month.set_month(MONTH)
    page.village.set_village(village_ids["上张村"])
    no_modal["MonthlyNoteDialog"] = fill({"risks": RISKS})
    with qtbot.waitSignal(window.hub.changed) as changed:
        page.edit_note()
    assert changed.args[0].kinds == {"monthly_note"}


def test_a_note_has_one_month_spelling(ui_store, village_ids):
    from village_counsel.errors import ValidationError
    from village_counsel.notes import monthly_notes, save_monthly_note

    vid = village_ids["上张村"]
    save_monthly_note(ui_store, vid, " 2026-11", {"risks": RISKS})  # the same month, padded
    save_monthly_note(ui_store, vid, "2026-11", {"risks": RISKS, "plan": PLAN})
    (note,) = monthly_notes(ui_store, vid, "2026-11")
    assert note["risks"] == RISKS and note["plan"] == PLAN
    with pytest.raises(ValidationError, match="月份应为"):
        save_monthly_note(ui_store, vid, "2026-13", {"risks": RISKS})


def test_files_written_are_as_private_as_the_users_umask_says(tmp_path):
    import os

    from village_counsel.paths import write_atomic

    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "private.pdf", b"%PDF")
        os.umask(0o022)
        write_atomic(tmp_path / "shared.pdf", b"%PDF")
    finally:
        os.umask(old)
    assert (tmp_path / "private.pdf").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "shared.pdf").stat().st_mode & 0o777 == 0o644  # (mkstemp alone makes 0600)
