"""设置 · 村: a village added by mistake can be deleted; one that holds records cannot."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from village_counsel.errors import RuleError
from village_counsel.ui.common import Hub
from village_counsel.ui.settings_page import SettingsPage
from village_counsel.villages import create_village, delete_village, list_villages


def test_only_an_empty_village_can_be_deleted(store, village):
    empty = create_village(store, {"name": "错村"})
    store.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=village.id)
    with pytest.raises(RuleError, match="还有 1 条记录"):
        delete_village(store, village.id)
    assert delete_village(store, empty.id).deleted
    assert [v["name"] for v in list_villages(store)] == ["上张村"]


def test_the_settings_page_deletes_the_chosen_village_after_asking(store, village, qtbot, monkeypatch):
    create_village(store, {"name": "错村"})
    hub = Hub()
    page = SettingsPage(store, hub)
    qtbot.addWidget(page)
    row = next(r for r in range(page.villages.rowCount()) if page.villages.record(r)["name"] == "错村")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    page.delete_village(row)
    assert len(list_villages(store)) == 2
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(hub.changed):
        page.delete_village(row)
    assert [v["name"] for v in list_villages(store)] == ["上张村"]
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: errors.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: errors.append(text))
    store.put("service_entry", {"date": "2026-11-05", "duty": "法律咨询"}, village_id=village.id)
    page.villages.reload()
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a, **k: asked.append(text))
    page.delete_village(0)
    assert list_villages(store) and errors and "不能删除" in errors[0]
    assert asked == []  # refused before asking, not after


def test_a_village_from_another_devices_file_is_not_deleted_here(store, tmp_path):
    from village_counsel.store import Store
    from village_counsel.sync import export_changes, import_file

    with Store(tmp_path / "colleague" / "s.db") as colleague:
        theirs = create_village(colleague, {"name": "下沈村"})
        assert import_file(store, export_changes(colleague, tmp_path / "x.zip").path).ok
    with pytest.raises(RuleError, match="从其他设备的同步文件导入"):
        delete_village(store, theirs.id)
    assert [v["name"] for v in list_villages(store)] == ["下沈村"]
