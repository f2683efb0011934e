"""The main window and the first-run welcome."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from village_counsel.ui.main_window import PAGES, MainWindow
from village_counsel.ui.welcome import WelcomeDialog
from village_counsel.villages import get_profile, list_villages

# the offscreen platform cannot size a shown window to its hints; harmless
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_every_page_opens(ui_store, qtbot):
    window = MainWindow(ui_store)
    qtbot.addWidget(window)
    for n, name in enumerate(PAGES):
        window.show_page(name)
        assert window.stack.currentIndex() == n
        assert window.stack.currentWidget() is window.pages[n]
    assert "王律师" in window.statusBar().currentMessage()


def test_dashboard_figures_open_their_records(ui_store, village_ids, qtbot, no_modal):
    from village_counsel import matters

    window = MainWindow(ui_store)
    qtbot.addWidget(window)
    window.show()
    matters.create_session(
        ui_store,
        village_ids["上张村"],
        {"date": window.dashboard.month.month() + "-01", "format": "现场说"},
        [{"raiser": "甲", "content": "修路", "category": "村庄建设"}],
    )
    window.hub.emit_changes(ui_store.list("session")[0])
    assert window.dashboard.tiles["raised"].value.text() == "1"
    title, records = window.dashboard.records_for("stage", "说事")
    assert [r["content"] for r in records] == ["修路"]
    window.dashboard.tiles["raised"].clicked.emit()
    shown = no_modal["__seen__"][-1]
    assert shown.list.count() == 1


def test_welcome_sets_up_profile_and_villages(store, qtbot):
    dialog = WelcomeDialog(store)
    qtbot.addWidget(dialog)
    dialog.on_start()
    assert dialog.profile.errors["name"].text() == "必须填写"
    assert get_profile(store) is None
    dialog.profile.widget("name").setText("陈律师")
    dialog.on_start()
    assert dialog.villages_error.text() == "请至少选择或填写一个村"
    assert get_profile(store) is None  # nothing saved half-way
    dialog.villages.setPlainText("上张村 西周镇\n东门村")
    dialog.on_start()
    assert dialog.result() == WelcomeDialog.DialogCode.Accepted
    assert get_profile(store)["name"] == "陈律师"
    assert {v["name"] for v in list_villages(store)} == {"上张村", "东门村"}


def test_welcome_demo_data(store, qtbot):
    dialog = WelcomeDialog(store)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=60000):
        dialog.on_demo()
    assert get_profile(store) is not None and list_villages(store)


def test_placeholder_or_real_report_and_sync_pages(ui_store, qtbot):
    window = MainWindow(ui_store)
    qtbot.addWidget(window)
    for page in (window.reports, window.sync):
        assert page.findChildren(QLabel)


def test_ctrl_z_undoes_the_last_change_and_again_redoes(ui_store, village_ids, qtbot):
    from village_counsel import matters
    from village_counsel.ui.main_window import MainWindow

    window = MainWindow(ui_store)
    qtbot.addWidget(window)
    session, _ = matters.create_session(
        ui_store,
        village_ids["上张村"],
        {"date": "2026-11-05", "format": "现场说"},
        [{"raiser": "王建国", "content": "路灯坏了", "category": "村庄建设"}],
    )
    window.undo()
    assert ui_store.list("session") == [] and ui_store.list("matter") == []
    assert "已撤销" in window.statusBar().currentMessage()
    window.undo()
    assert [s.id for s in ui_store.list("session")] == [session.id]
    assert "已恢复刚才撤销的修改" in window.statusBar().currentMessage()  # a redo says so
    window.undo()
    assert ui_store.list("session") == [] and "已撤销" in window.statusBar().currentMessage()


def test_settings_tells_same_name_villages_apart(store, qtbot):
    from village_counsel.ui.common import Hub
    from village_counsel.ui.settings_page import SettingsPage
    from village_counsel.villages import create_village

    create_village(store, {"name": "上张村", "township": "西周镇"})
    create_village(store, {"name": "东门村", "township": "石浦镇"})
    other = "7f3c2a10-0000-4000-8000-000000000001"  # the same name, from another advisor's file
    store.put("village", {"name": "上张村", "township": "西周镇"}, id=other, village_id=other)
    page = SettingsPage(store, Hub())
    qtbot.addWidget(page)
    model = page.villages
    shown = sorted(model.data(model.index(row, 0)) for row in range(model.rowCount()))
    assert shown[2] == "东门村"  # (上 sorts before 东)
    twins = shown[:2]
    assert all(t.startswith("上张村（西周镇 ") for t in twins) and twins[0] != twins[1]


def test_qt_own_words_are_chinese(qapp):
    """The 是/否 of a question and a text box's context menu come from Qt: its Chinese translation is
    loaded whatever the system's language."""
    from PySide6.QtWidgets import QLineEdit, QMessageBox

    from village_counsel.ui.app import install_translations

    assert install_translations(qapp)
    box = QMessageBox()
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    assert sorted(b.text() for b in box.buttons()) == ["否(&N)", "是(&Y)"]
    line = QLineEdit()  # (the menu is the line's child: keep the line alive)
    menu = line.createStandardContextMenu()
    assert any(a.text().startswith("复制") for a in menu.actions())


def test_dashboard_duty_figures_and_their_lists_agree(ui_store, village_ids, qtbot):
    """A quarterly duty's bar counts its quarter, and the list behind it shows the same entries; the
    entries tile counts the month, as its list does."""
    from village_counsel import checklist
    from village_counsel.ui.main_window import MainWindow

    window = MainWindow(ui_store)
    qtbot.addWidget(window)
    vid = village_ids["上张村"]
    checklist.log_service(ui_store, vid, {"date": "2026-10-05", "duty": "普法讲座", "people": 30})
    checklist.log_service(ui_store, vid, {"date": "2026-11-06", "duty": "法律咨询"})
    page = window.dashboard
    page.month.set_month("2026-11")
    page.village.set_village(vid)
    page.refresh()
    lecture = next(p for p in page.progress if p.duty.name == "普法讲座")
    _, listed = page.records_for("duty", "普法讲座")
    assert lecture.done == len(listed) == 1  # October's lecture counts for the fourth quarter
    _, month_entries = page.records_for("entries")
    assert page.tiles["entries"].value.text() == str(len(month_entries)) == "1"
