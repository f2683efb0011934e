"""设置 · 数据文件夹: the folder the data lives in (the file's name beside it), and 打开文件夹 opens that folder."""

from __future__ import annotations

from village_counsel.ui.common import Hub
from village_counsel.ui.settings_page import SettingsPage


def test_data_folder_shows_and_opens_the_folder(store, qtbot, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(
        "village_counsel.ui.settings_page.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()) or True,
    )
    page = SettingsPage(store, Hub())
    qtbot.addWidget(page)
    folder = store.path.parent
    assert page.folder_label.text() == str(folder)
    assert store.path.name not in page.folder_label.text()
    assert store.path.name in page.file_label.text()  # the file is still named, under the folder
    assert page.folder_label.toolTip() == str(store.path)
    page.open_folder.click()
    assert opened == [str(folder)]


def test_a_store_in_memory_has_no_folder(mem_store, qtbot):
    page = SettingsPage(mem_store, Hub())
    qtbot.addWidget(page)
    assert "内存" in page.folder_label.text()
    assert not page.open_folder.isEnabled()
    assert page.file_label.isHidden()
