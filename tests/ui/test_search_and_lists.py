"""Search (Ctrl+F), list filters and sorting, and the lazy table model under qtmodeltester."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from village_counsel import checklist, matters, powers
from village_counsel.demo import run_demo
from village_counsel.ui.common import Hub
from village_counsel.ui.models import RecordTableModel
from village_counsel.ui.record_list import RecordList
from village_counsel.ui.search_dialog import SearchDialog

TODAY = date.today()


@pytest.fixture
def filled(ui_store, village_ids):
    day = (TODAY - timedelta(days=20)).isoformat()
    _, ms = matters.create_session(
        ui_store,
        village_ids["上张村"],
        {"date": day, "format": "固定日集中说"},
        [
            {"raiser": "王建国", "content": "申请低保的程序不清楚", "category": "党群关系"},
            {"raiser": "李秀英", "content": "村口路灯不亮", "category": "村庄建设"},
        ],
    )
    matters.deliberate(
        ui_store,
        ms[1].id,
        {"discussion": "维修", "route": "村内办理", "responsible": "李", "decided_on": day},
    )
    checklist.log_service(
        ui_store, village_ids["东门村"], {"date": day, "duty": "法律咨询", "content": "低保资格咨询"}
    )
    powers.create_exercise(
        ui_store, village_ids["东门村"], {"item": "P11", "date": day, "subject": "低保申请"}
    )
    return ms


def test_search_finds_a_record_by_two_chinese_characters(ui_store, filled, qtbot):
    opened = []
    dialog = SearchDialog(ui_store, lambda k, i: opened.append((k, i)))
    qtbot.addWidget(dialog)
    dialog.query.setText("低保")
    dialog.run_search()
    groups = {dialog.results.topLevelItem(i).text(0) for i in range(dialog.results.topLevelItemCount())}
    assert groups == {"说事事项（1 条）", "服务台账（1 条）", "小微权力（1 条）"}
    assert "找到 3 条" in dialog.status.text()
    dialog.query.setText("路灯")
    dialog.run_search()
    group = dialog.results.topLevelItem(0)
    assert group.childCount() == 1 and "村口路灯不亮" in group.child(0).text(0)
    dialog.on_activated(group.child(0), 0)
    assert opened == [("matter", filled[1].id)]


def test_search_hits_name_their_village_and_come_newest_first(ui_store, village_ids, qtbot):
    for days, who in ((30, "王建国"), (2, "李秀英"), (15, "陈海波")):
        day = (TODAY - timedelta(days=days)).isoformat()
        matters.create_session(
            ui_store,
            village_ids["上张村" if days != 15 else "东门村"],
            {"date": day, "format": "现场说"},
            [{"raiser": who, "content": "低保申请的程序", "category": "党群关系"}],
        )
    dialog = SearchDialog(ui_store, lambda k, i: None)
    qtbot.addWidget(dialog)
    dialog.query.setText("低保")
    dialog.run_search()
    group = dialog.results.topLevelItem(0)
    rows = [(group.child(i).text(0), group.child(i).text(1)) for i in range(group.childCount())]
    assert [r[0].split("：")[0].split()[1] for r in rows] == ["李秀英", "陈海波", "王建国"]
    assert rows[1][1].startswith("东门村 · ") and rows[0][1].startswith("上张村 · ")
    dialog.village.set_village(village_ids["东门村"])  # one village chosen: no need to say it
    dialog.run_search()
    assert not dialog.results.topLevelItem(0).child(0).text(1).startswith("东门村")
    dialog.query.setText("火星")
    dialog.run_search()
    assert dialog.results.topLevelItemCount() == 0 and "没有找到" in dialog.status.text()


def test_search_filters_by_village(ui_store, filled, village_ids, qtbot):
    dialog = SearchDialog(ui_store, lambda k, i: None)
    qtbot.addWidget(dialog)
    dialog.query.setText("低保")
    dialog.village.set_village(village_ids["上张村"])
    dialog.run_search()
    assert dialog.results.topLevelItemCount() == 1


def test_list_filters_by_village_month_and_status(ui_store, filled, village_ids, qtbot):
    rl = RecordList(ui_store, Hub(), "matter")
    qtbot.addWidget(rl)
    assert rl.model.rowCount() == 2
    rl.village.set_village(village_ids["东门村"])
    assert rl.model.rowCount() == 0 and rl.count.text() == "共 0 条"
    rl.set_filters(village_ids["上张村"], None, "待议事")
    assert [rl.model.record(0)["raiser"]] == ["王建国"] and rl.model.rowCount() == 1
    rl.set_filters(None, None, "逾期")  # decided 20 days ago, 7-day deadline
    assert rl.model.rowCount() == 1
    row = rl.model.record(0)
    assert rl.model.data(rl.model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None  # shown red
    assert row["raiser"] == "李秀英"
    rl.set_filters(None, "1999-01", None)
    assert rl.model.rowCount() == 0


def test_sorting_by_column(ui_store, filled, qtbot):
    rl = RecordList(ui_store, Hub(), "matter")
    qtbot.addWidget(rl)
    col = next(n for n, c in enumerate(rl.model.columns) if c.sort == "raiser")
    rl.view.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    first = [rl.model.record(r)["raiser"] for r in range(2)]
    rl.view.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    assert [rl.model.record(r)["raiser"] for r in range(2)] == list(reversed(first))


def test_delete_asks_first_and_tombstones(ui_store, filled, qtbot, monkeypatch):
    rl = RecordList(ui_store, Hub(), "matter")
    qtbot.addWidget(rl)
    rl.view.selectRow(0)
    target = rl.current_record()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    rl.delete_current()
    assert rl.model.rowCount() == 2
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    rl.delete_current()
    assert rl.model.rowCount() == 1
    assert ui_store.get("matter", target.id, include_deleted=True).deleted


def test_a_session_is_deleted_only_once_its_matters_are_and_takes_its_attendance_with_it(
    ui_store, village_ids, qtbot, monkeypatch
):
    """Deleting the matters along with the session would hide them from sync: another device that keeps
    the session (a conflict resolved for it) would find its matters gone. So: matters first, each on its
    own; then the session, with the attendance entry that came with it."""
    from village_counsel.history import undo_last

    day = (TODAY - timedelta(days=3)).isoformat()
    session, raised = matters.create_session(
        ui_store,
        village_ids["上张村"],
        {"date": day, "format": "现场说", "attendance": {"法律顾问": 1, "村民": 12}},
        [{"raiser": "王建国", "content": "申请低保的程序不清楚", "category": "党群关系"}],
    )
    entry_id = ui_store.get("session", session.id)["service_id"]
    assert entry_id
    rl = RecordList(ui_store, Hub(), "session")
    qtbot.addWidget(rl)
    rl.view.selectRow(0)
    asked: list[str] = []
    told: list[str] = []

    def answer(_parent, _title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *a, **k: told.append(text))
    rl.delete_current()
    assert not asked and "还有 1 个事项" in told[0]  # refused before asking
    assert not ui_store.get("session", session.id).deleted
    ui_store.delete("matter", raised[0].id)
    rl.refresh()
    rl.view.selectRow(0)
    rl.delete_current()
    assert "参会台账将一并删除" in asked[0]
    assert ui_store.get("session", session.id, include_deleted=True).deleted
    assert ui_store.get("service_entry", entry_id, include_deleted=True).deleted
    undo_last(ui_store)  # one operation: both come back
    assert not ui_store.get("session", session.id).deleted
    assert not ui_store.get("service_entry", entry_id).deleted


@pytest.mark.parametrize("kind", ["matter", "session", "power_exercise", "service_entry", "village"])
def test_models_pass_qtmodeltester(store, qtmodeltester, kind):
    run_demo(store, villages=2, months=1)
    model = RecordTableModel(store, kind)
    assert model.rowCount() > 0
    qtmodeltester.check(model, force_py=True)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model, force_py=True)
