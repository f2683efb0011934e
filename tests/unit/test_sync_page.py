"""The 同步 page: export to a folder, import in the background with a result row per file, settle a conflict."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from village_counsel.forms import form_for
from village_counsel.store import Store
from village_counsel.sync import export_changes, import_file, list_conflicts
from village_counsel.ui.sync_page import SyncPage, local_time


@pytest.fixture
def other(tmp_path):
    s = Store(tmp_path / "other" / "store.db")
    yield s
    s.close()


def _page(qtbot, store: Store) -> SyncPage:
    page = SyncPage(store)
    qtbot.addWidget(page)
    return page


def test_export_to_folder_then_import_elsewhere(qtbot, store, village, other, tmp_path):
    store.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=village.id)
    page = _page(qtbot, store)
    assert store.device_id in page.device_label.text()
    usb = tmp_path / "usb"
    usb.mkdir()
    page.export_to(usb)
    qtbot.waitUntil(lambda: page.results_table.rowCount() == 1, timeout=10_000)
    assert page.results_table.item(0, 1).text() == "已导出"
    (exported,) = usb.glob("*.zip")
    assert store.device_id in exported.name

    target = _page(qtbot, other)
    with qtbot.waitSignal(target.changed, timeout=10_000) as blocker:
        target.import_files([usb, tmp_path / "missing.zip"])
    assert "session" in blocker.args[0].kinds
    assert target.results_table.rowCount() == 2
    assert target.results_table.item(0, 1).text() == "已导入"
    assert target.results_table.item(0, 2).text() == "2"
    assert target.results_table.item(1, 1).text() == "已拒绝"
    assert "找不到文件" in target.results_table.item(1, 6).text()
    assert other.fingerprint() == store.fingerprint()
    assert target.village_table.rowCount() == 1 and target.village_table.item(0, 2).text() == "已同步"
    assert target.device_table.item(0, 0).text() == f"设备 {store.device_id}"  # (not enrolled: no advisor)


def test_drop_files_imports_them(qtbot, store, village, other, tmp_path):
    path = export_changes(store, tmp_path / "x.zip").path
    page = _page(qtbot, other)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(page.changed, timeout=10_000):
        page.dropEvent(event)
    assert page.results_table.item(0, 1).text() == "已导入"


def _one_conflict(store, village, other, tmp_path):
    """A session both stores edited since they last shared it: one open conflict in ``store``."""
    sid = store.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=village.id).id
    import_file(other, export_changes(store, tmp_path / "1.zip").path)
    store.put("session", {"date": "2026-11-05", "format": "现场说", "venue": "祠堂"}, id=sid)
    other.put("session", {"date": "2026-11-05", "format": "现场说", "venue": "文化礼堂"}, id=sid)
    import_file(store, export_changes(other, tmp_path / "2.zip").path)
    (conflict,) = list_conflicts(store)
    return sid, conflict


def test_conflict_side_by_side_and_keep_losing(qtbot, store, village, other, tmp_path):
    sid, conflict = _one_conflict(store, village, other, tmp_path)

    page = _page(qtbot, store)
    assert page.tabs.tabText(1) == "冲突（1）"
    assert not page.keep_losing.isEnabled()
    page.conflict_table.selectRow(0)
    assert page.keep_losing.isEnabled()
    rows = {
        page.compare_table.item(r, 0).text(): (
            page.compare_table.item(r, 1).text(),
            page.compare_table.item(r, 2).text(),
        )
        for r in range(page.compare_table.rowCount())
    }
    assert rows["地点"] == (conflict.current["venue"], conflict.losing["venue"])
    with qtbot.waitSignal(page.changed, timeout=1000):
        page.keep_losing.click()
    assert list_conflicts(store) == []
    assert store.get("session", sid)["venue"] == conflict.losing["venue"]
    assert page.conflict_table.rowCount() == 0 and page.tabs.tabText(1) == "冲突"


def test_big_import_from_the_window_uses_worker_processes(qtbot, store, other, tmp_path, monkeypatch):
    """A big file (here: any file, the threshold lowered) is verified in worker processes started from the
    window's background thread; the window's own connection sees the result, and the backup made before
    it holds the store as it was."""
    from village_counsel.backup import backup_dir, list_backups
    from village_counsel.demo import run_demo
    from village_counsel.sync import importer
    from village_counsel.villages import create_village

    run_demo(store, seed=2, villages=1, months=2)
    create_village(other, {"name": "东门村"})
    path = export_changes(store, tmp_path / "big.zip").path
    started = []
    real = importer.Workers.get

    def get(self, revisions):  # noqa: ANN001, ANN202
        pool = real(self, revisions)
        started.append(pool is not None)
        return pool

    monkeypatch.setattr(importer, "PARALLEL_FROM", 0)
    monkeypatch.setattr(importer.Workers, "get", get)
    page = _page(qtbot, other)
    with qtbot.waitSignal(page.changed, timeout=60_000):
        page.import_files([path])
    assert started == [True]
    assert page.results_table.item(0, 1).text() == "已导入"
    assert (
        other.select("SELECT count(*) FROM records")[0][0]
        == store.select("SELECT count(*) FROM records")[0][0] + 1
    )
    (backup,) = list_backups(backup_dir(other))
    with Store(backup) as before:
        assert before.select("SELECT count(*) FROM records")[0][0] == 1


@pytest.fixture
def zone(monkeypatch):
    """Set the local time zone for the test: ``zone("Asia/Shanghai")``."""
    import time

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def shanghai(zone):
    zone("Asia/Shanghai")  # UTC+8


def test_times_are_local_and_readable(qtbot, store, village, other, tmp_path, shanghai):
    """Stored times are ISO 8601 in UTC; the page shows them in local time as 2026年11月27日 06:59."""
    store.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=village.id)
    import_file(other, export_changes(store, tmp_path / "1.zip").path)
    export_changes(other, tmp_path / "2.zip")
    with other.db.atomic():
        other.db.execute("UPDATE exports SET made_at = '2026-11-26T22:59:47+00:00'")
        other.db.execute("UPDATE imports SET imported_at = '2026-11-26T16:05:00+00:00'")
    page = _page(qtbot, other)
    assert "最近导出：第 1 号（2026年11月27日 06:59）" in page.device_label.text()
    assert "T22:59" not in page.device_label.text()
    assert page.device_table.item(0, 4).text() == "2026年11月27日 00:05"
    assert page.village_table.item(0, 1).text() == "2026年11月27日 00:05"


def test_conflict_times_are_local(qtbot, store, village, other, tmp_path, shanghai):
    sid, conflict = _one_conflict(store, village, other, tmp_path)
    page = _page(qtbot, store)
    current = page.conflict_table.item(0, 2).text()
    origin = "本机" if conflict.current.origin == store.device_id else f"设备 {conflict.current.origin}"
    assert current == f"{local_time(conflict.current.updated_at)}（{origin}）"
    assert "T" not in current.split("（")[0] and "年" in current


def test_local_time_format(zone):
    assert local_time(None, "从未") == "从未" and local_time("") == ""
    assert local_time("不是时间") == "不是时间"
    zone("Asia/Shanghai")
    assert local_time("2026-11-26T22:59:47+00:00") == "2026年11月27日 06:59"
    assert local_time("2026-01-05T01:02:03") == "2026年1月5日 09:02"  # no zone: UTC, as stored
    zone("UTC")
    assert local_time("2026-11-26T22:59:47+00:00") == "2026年11月26日 22:59"


def test_empty_results_table_has_readable_columns(qtbot, store):
    """Empty, the 导入结果 table's narrow columns keep room around their titles instead of running together."""
    page = _page(qtbot, store)
    page.resize(1200, 750)
    for table in (page.results_table, page.conflict_table, page.device_table, page.village_table):
        assert table.rowCount() == 0
        header = table.horizontalHeader()
        em = header.fontMetrics().horizontalAdvance("中")
        for c in range(table.columnCount() - 1):  # the last column takes the rest of the width
            title = table.horizontalHeaderItem(c).text()
            assert table.columnWidth(c) >= header.fontMetrics().horizontalAdvance(title) + 2 * em, title


def test_a_time_at_the_calendars_edge_is_shown_as_it_is():
    from village_counsel.ui.sync_page import local_time

    assert local_time("0001-01-01T00:00:00+14:00") == "0001-01-01T00:00:00+14:00"
    assert local_time("not a time") == "not a time" and local_time(None, "从未") == "从未"


def test_a_conflict_names_its_village_and_compares_readable_values(qtbot, store, village, other, tmp_path):
    sid = store.put(
        "session",
        {"date": "2026-11-05", "format": "现场说", "attendance": {"党员": 3}},
        village_id=village.id,
    ).id
    import_file(other, export_changes(store, tmp_path / "1.zip").path)
    store.put(
        "session",
        {"date": "2026-11-05", "format": "现场说", "attendance": {"党员": 4}, "service_id": "x1"},
        id=sid,
    )
    other.put("session", {"date": "2026-11-05", "format": "现场说", "attendance": {"党员": 5}}, id=sid)
    import_file(store, export_changes(other, tmp_path / "2.zip").path)
    page = _page(qtbot, store)
    assert page.conflict_table.item(0, 1).text().endswith(f"（{village['name']}）")
    assert "本机" in page.conflict_table.item(0, 2).text() + page.conflict_table.item(0, 3).text()
    page.conflict_table.selectRow(0)
    shown = {
        page.compare_table.item(r, 0).text(): (
            page.compare_table.item(r, 1).text(),
            page.compare_table.item(r, 2).text(),
        )
        for r in range(page.compare_table.rowCount())
    }
    assert sorted(shown[form_for("session").labels["attendance"]]) == ["党员 4", "党员 5"]
    assert "service_id" not in shown  # a link's id is not for comparing by eye


def test_devices_are_named_by_their_advisor_and_a_missing_file_by_whose_it_is(
    qtbot, store, village, tmp_path
):
    from tests.trust import enrol

    with Store(tmp_path / "office" / "store.db") as office, Store(tmp_path / "b" / "store.db") as b:
        enrol(office, store, "王律师")
        enrol(office, b, "李律师")
        store.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=village.id)
        export_changes(store, tmp_path / "a1.zip", plain=True)
        store.put("session", {"date": "2026-11-06", "format": "现场说"}, village_id=village.id)
        export_changes(store, tmp_path / "a2.zip", plain=True)
        store.put("session", {"date": "2026-11-07", "format": "现场说"}, village_id=village.id)
        export_changes(store, tmp_path / "a3.zip", plain=True)
        for name in ("a1", "a3"):
            assert import_file(office, tmp_path / f"{name}.zip").ok
        assert import_file(b, export_changes(office, tmp_path / "o.zip").path).ok
        for name in ("a1", "a3"):
            assert import_file(b, tmp_path / f"{name}.zip").ok
        page = _page(qtbot, b)
        names = {page.device_table.item(r, 0).text() for r in range(page.device_table.rowCount())}
        assert "王律师" in names and not any(store.device_id == n for n in names)
        assert "王律师（设备" in page.device_label.text() and "缺少第 2 号" in page.device_label.text()
        assert "加密给：西周镇司法所" in page.office_label.text()


def test_a_quarantined_version_is_adopted_or_dropped_from_the_page(qtbot, tmp_path):
    from tests.trust import enrol
    from village_counsel.villages import create_village

    with (
        Store(tmp_path / "o" / "s.db") as office,
        Store(tmp_path / "a" / "s.db") as a,
        Store(tmp_path / "b" / "s.db") as b,
    ):
        enrol(office, a, "王律师")
        enrol(office, b, "李律师")
        v = create_village(a, {"name": "上张村", "households": 120})
        genuine = export_changes(a, tmp_path / "a.zip", plain=True).path
        assert import_file(office, genuine).ok and import_file(b, genuine).ok
        b.db.execute("UPDATE revisions SET data = json_set(data, '$.households', 999) WHERE id = ?", [v.id])
        for n in (1, 2):
            assert import_file(office, export_changes(b, tmp_path / f"b{n}.zip", full=True).path).quarantined
            page = _page(qtbot, office)
            page.conflict_table.selectRow(0)
            (page.keep_current if n == 1 else page.keep_losing).click()
            assert list_conflicts(office) == [] and page.conflict_table.rowCount() == 0
            assert office.get("village", v.id)["households"] == (120 if n == 1 else 999)
