"""Villages from the national list in the window: the welcome and 设置 pick county → township → village
(type to filter, several at once, a typed name as fallback); 设置 chooses the office's township; 报表 →
报送本月 submits a month."""

from __future__ import annotations

import os
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from village_counsel import days
from village_counsel.reports.submission import find_submission
from village_counsel.township import store_township
from village_counsel.ui.common import Hub
from village_counsel.ui.settings_page import SettingsPage
from village_counsel.ui.village_picker import PlacePicker
from village_counsel.ui.welcome import WelcomeDialog
from village_counsel.villages import list_villages, set_profile, village_id_for_code

SHOTS = os.environ.get("VC_SCREENSHOTS")  # a folder: save pictures of the pickers there


def _tick(picker: PlacePicker, name: str) -> None:
    for n in range(picker.list.count()):
        item = picker.list.item(n)
        if item.text().startswith(name):
            item.setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(
        f"{name} not listed: {[picker.list.item(n).text() for n in range(picker.list.count())]}"
    )


def test_the_picker_goes_county_township_village_and_filters(qtbot):
    picker = PlacePicker()
    qtbot.addWidget(picker)
    picker.county.setCurrentIndex(picker.county.findData("330225"))  # 象山县
    picker.township.setCurrentIndex(picker.township.findData("330225102"))  # 西周镇
    _tick(picker, "弘瀛村")
    picker.filter.setText("东瀛")  # typing filters the county's villages
    assert picker.list.count() >= 1 and all(
        "东瀛" in picker.list.item(n).text() for n in range(picker.list.count())
    )
    _tick(picker, "东瀛村")
    picker.filter.clear()
    picker.township.setCurrentIndex(picker.township.findData("330225101"))  # 石浦镇: ticks are kept
    assert picker.codes() == ["330225102201", "330225102202"]


def test_the_welcome_adds_ticked_villages_by_code_and_typed_ones_by_name(store, qtbot):
    dialog = WelcomeDialog(store)
    qtbot.addWidget(dialog)
    dialog.profile.widget("name").setText("王律师")
    dialog.picker.county.setCurrentIndex(dialog.picker.county.findData("330225"))
    dialog.picker.township.setCurrentIndex(dialog.picker.township.findData("330225102"))
    _tick(dialog.picker, "弘瀛村")
    _tick(dialog.picker, "东瀛村")
    dialog.villages.setPlainText("上张村 西周镇")  # not in the list: typed
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "welcome_picker.png"))
    dialog.on_start()
    assert dialog.result() == dialog.DialogCode.Accepted
    villages = {v["name"]: v for v in list_villages(store)}
    assert set(villages) == {"弘瀛村", "东瀛村", "上张村"}
    assert villages["弘瀛村"].id == village_id_for_code("330225102201")
    assert villages["弘瀛村"]["township"] == "西周镇" and villages["弘瀛村"]["county"] == "象山县"
    assert villages["上张村"].get("code") is None


def test_settings_adds_from_the_list_and_chooses_the_township(store, qtbot, no_modal):
    from PySide6.QtWidgets import QDialog

    set_profile(store, {"name": "王律师"})
    hub = Hub()
    page = SettingsPage(store, hub)
    qtbot.addWidget(page)

    def tick(dialog):  # 从名单添加…: two villages of 西周镇
        dialog.picker.county.setCurrentIndex(dialog.picker.county.findData("330225"))
        dialog.picker.township.setCurrentIndex(dialog.picker.township.findData("330225102"))
        _tick(dialog.picker, "弘瀛村")
        _tick(dialog.picker, "东瀛村")
        return QDialog.DialogCode.Accepted

    no_modal["PickVillagesDialog"] = tick
    with qtbot.waitSignal(hub.changed):
        page.pick_villages()
    page.add_codes(["330225102201"])  # already here: left as it is
    assert sorted(v["name"] for v in list_villages(store)) == ["东瀛村", "弘瀛村"]
    assert "未选择" in page.township_label.text()

    def choose(dialog):
        dialog.picker.township.setCurrentIndex(dialog.picker.township.findData("330225102"))
        return QDialog.DialogCode.Accepted

    no_modal["PickTownshipDialog"] = choose
    page.choose_township()
    town = store_township(store)
    assert town is not None and town.code == "330225102"
    assert "西周镇司法所" in page.township_label.text()


def test_the_report_page_submits_the_month(store, qtbot, monkeypatch):
    from village_counsel.ui.report_page import ReportPage
    from village_counsel.villages import create_village

    set_profile(store, {"name": "王律师"})
    village = create_village(store, {"code": "330225102201"})
    store.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=village.id)
    with days.fixed_today(date(2026, 12, 3)):
        page = ReportPage(store, hub=Hub())
        qtbot.addWidget(page)
        page.month.set_month("2026-11")
        page.village.set_village(village.id)
        with qtbot.waitSignal(page.shown, timeout=60000):
            page.submit(confirm=False)
        assert find_submission(store, village.id, "2026-11") is not None
        errors: list[str] = []
        monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: errors.append(text))
        monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a, **k: errors.append(text))
        monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: errors.append(text))
        page.submit(confirm=False)
        qtbot.waitUntil(lambda: not page.busy, timeout=60000)
        assert "已经报送过" in page.status.text() + "".join(errors)
