"""设置 · 备份与恢复: back up to a chosen file; restore asks first, showing the backup's date, villages and
records, and keeps this device's identity."""

from __future__ import annotations

import stat

from village_counsel import backup
from village_counsel.store import Store
from village_counsel.sync import keys
from village_counsel.ui.common import Hub
from village_counsel.ui.settings_page import SettingsPage
from village_counsel.villages import create_village


def test_backup_to_a_chosen_file_then_restore_after_a_question(store, qtbot, monkeypatch, tmp_path):
    create_village(store, {"name": "上张村"})
    hub = Hub()
    page = SettingsPage(store, hub)
    qtbot.addWidget(page)
    assert "keys export-private" in page.backup_note.text()
    target = tmp_path / "usb" / "mine.db"
    page.backup_to(target)
    qtbot.waitUntil(lambda: "已备份到" in page.backup_note.text(), timeout=10_000)
    assert target.exists() and stat.S_IMODE(target.stat().st_mode) == 0o600
    create_village(store, {"name": "下张村"})
    device, key = store.device_id, keys.device_public_key(store)

    asked: list[str] = []
    monkeypatch.setattr(
        "village_counsel.ui.settings_page.confirm", lambda parent, title, text: asked.append(text)
    )
    page.restore_from(target)  # answered no: nothing happens
    assert len(asked) == 1 and "上张村" in asked[0] and "记录：1 条" in asked[0] and "日期：" in asked[0]
    assert len(store.list("village")) == 2

    monkeypatch.setattr("village_counsel.ui.settings_page.confirm", lambda parent, title, text: True)
    with qtbot.waitSignal(hub.changed, timeout=10_000):
        page.restore_from(target)
    assert [v["name"] for v in store.list("village")] == ["上张村"]
    assert "恢复前的数据已备份到" in page.backup_note.text()
    with Store(store.path) as again:
        assert again.device_id == device and keys.device_public_key(again) == key
    assert backup.list_backups(backup.backup_dir(store))  # the safety backup


def test_restore_of_a_file_that_is_no_backup_says_so(store, qtbot, monkeypatch, tmp_path):
    shown: list[str] = []
    monkeypatch.setattr(
        "village_counsel.ui.settings_page.report_error", lambda parent, exc: shown.append(str(exc))
    )
    page = SettingsPage(store, Hub())
    qtbot.addWidget(page)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    page.restore_from(junk)
    assert shown and ("备份" in shown[0] or "损坏" in shown[0])


def test_the_restore_question_shows_the_backups_trust_rows_and_undo_forgets(
    store, qtbot, monkeypatch, tmp_path
):
    from tests.trust import enrol

    with Store(tmp_path / "east" / "village-counsel.db") as east, Store(tmp_path / "x" / "s.db") as x:
        keys.office_init(east, "东陈乡司法所")
        enrol(east, x, "外乡律师")
        foreign = backup.make_backup(east, "handover")
    hub = Hub()
    page = SettingsPage(store, hub)
    qtbot.addWidget(page)
    create_village(store, {"name": "上张村"})
    assert store.last_operation is not None
    asked: list[str] = []
    monkeypatch.setattr(
        "village_counsel.ui.settings_page.confirm", lambda parent, title, text: asked.append(text) or True
    )
    with qtbot.waitSignal(hub.changed, timeout=10_000):
        page.restore_from(foreign)
    assert "东陈乡司法所" in asked[0] and "外乡律师" in asked[0] and "不采用" in asked[0]
    assert store.last_operation is None  # Ctrl+Z does not reach into the restored revisions
    assert keys.enrolled_devices(store) == []
