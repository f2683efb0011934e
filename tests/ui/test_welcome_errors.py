"""The first-run welcome: every problem is shown at once, not one round at a time; nothing is saved half-way."""

from __future__ import annotations

import os

from village_counsel.ui.welcome import WelcomeDialog
from village_counsel.villages import get_profile, list_villages

SHOTS = os.environ.get("VC_SCREENSHOTS")  # a folder: save a picture of the errors there


def _dialog(store, qtbot) -> WelcomeDialog:
    dialog = WelcomeDialog(store)
    qtbot.addWidget(dialog)
    return dialog


def test_everything_empty_flags_the_name_and_the_villages_together(store, qtbot):
    dialog = _dialog(store, qtbot)
    dialog.on_start()
    assert dialog.profile.errors["name"].text() == "必须填写"
    assert not dialog.profile.errors["name"].isHidden()
    assert dialog.villages_error.text() == "请至少选择或填写一个村"
    assert not dialog.villages_error.isHidden()
    assert get_profile(store) is None and list_villages(store) == []
    if SHOTS:
        dialog.resize(720, 560)
        dialog.grab().save(os.path.join(SHOTS, "welcome_empty_errors.png"))


def test_profile_and_every_bad_village_line_at_once(store, qtbot):
    dialog = _dialog(store, qtbot)
    dialog.profile.widget("phone").setText("电话号码")
    dialog.villages.setPlainText("上张村 西周镇\n" + "长" * 41 + "\n上张村")
    dialog.on_start()
    assert dialog.profile.errors["name"].text() == "必须填写"
    assert not dialog.profile.errors["phone"].isHidden()
    lines = dialog.villages_error.text().splitlines()
    assert [line.split("：")[0] for line in lines] == ["第 2 行", "第 3 行"]
    assert "已有名为“上张村”的村" in lines[1]
    assert get_profile(store) is None and list_villages(store) == []  # all or nothing
    if SHOTS:
        dialog.resize(720, 560)
        dialog.grab().save(os.path.join(SHOTS, "welcome_errors.png"))
    # corrected: saved in one go
    dialog.profile.widget("name").setText("陈律师")
    dialog.profile.widget("phone").setText("")
    dialog.villages.setPlainText("上张村 西周镇\n东门村")
    dialog.on_start()
    assert dialog.result() == WelcomeDialog.DialogCode.Accepted
    assert dialog.villages_error.isHidden()
    assert {v["name"] for v in list_villages(store)} == {"上张村", "东门村"}
