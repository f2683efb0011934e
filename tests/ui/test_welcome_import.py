"""The first-run welcome started from a colleague's sync file: the villages come from the file (no
invented twin), only this device's profile is asked for; a refused file says why and changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from village_counsel import matters
from village_counsel.store import Store
from village_counsel.sync import export_changes
from village_counsel.ui.welcome import WelcomeDialog
from village_counsel.villages import create_village, get_profile, list_villages, set_profile

# the import's progress dialog is shown; the offscreen platform cannot size it to its hints: harmless
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

SHOT = os.environ.get("VC_WELCOME_IMPORT_SHOT")  # a file: save a picture of the dialog after an import


def _prints(store: Store, kind: str | None = None) -> list[tuple]:
    """What the fingerprint is made of: sorted (kind, id, rev, deleted), of one kind or all."""
    rows = store.select("SELECT kind, id, rev, deleted FROM records ORDER BY kind, id")
    return [tuple(r) for r in rows if kind is None or r[0] == kind]


@pytest.fixture
def colleague(tmp_path):
    """Another advisor's store with two villages and a 说事 session, and its full export file."""
    with Store(tmp_path / "colleague.db") as other:
        set_profile(other, {"name": "李律师"})
        shang = create_village(other, {"name": "上张村", "township": "西周镇"})
        create_village(other, {"name": "东门村", "township": "石浦镇"})
        matters.create_session(
            other,
            shang.id,
            {"date": "2026-11-05", "format": "现场说"},
            [{"raiser": "王建国", "content": "路灯坏了", "category": "村庄建设"}],
        )
        export = export_changes(other, tmp_path / "usb" / "上张村-2026-11.zip", full=True)
        yield {
            "path": export.path,
            "villages": _prints(other, "village"),
            "all": _prints(other),
            "fingerprint": other.fingerprint(),
        }


def _choose(monkeypatch, *paths: Path) -> None:
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(p) for p in paths], ""))
    )


def _import_through_button(dialog: WelcomeDialog, qtbot) -> list:
    with qtbot.waitSignal(dialog.imported, timeout=60000) as got:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    return got.args[0]


def _dialog(store, qtbot) -> WelcomeDialog:
    dialog = WelcomeDialog(store)
    qtbot.addWidget(dialog)
    return dialog


def test_starting_from_a_file_creates_no_village_of_its_own(store, qtbot, monkeypatch, colleague):
    dialog = _dialog(store, qtbot)
    _choose(monkeypatch, colleague["path"])
    (result,) = _import_through_button(dialog, qtbot)
    assert result.ok, result.reason
    assert store.fingerprint() == colleague["fingerprint"]
    note = dialog.import_note.text()
    assert not dialog.import_note.isHidden() and dialog.import_error.isHidden()
    assert note.startswith("已从文件导入：") and "上张村" in note and "东门村" in note
    assert f"（{len(colleague['all'])} 条记录）" in note
    assert not dialog.demo_button.isEnabled()  # demo records would mix with the real ones
    assert dialog.import_button.isEnabled() and dialog.start_button.isEnabled()
    if SHOT:
        dialog.grab().save(SHOT)

    # the name is still this device's own to give; no village needs typing
    dialog.on_start()
    assert dialog.profile.errors["name"].text() == "必须填写"
    assert dialog.villages_error.isHidden()
    assert get_profile(store) is None
    dialog.profile.widget("name").setText("陈律师")
    dialog.profile.widget("firm").setText("象山丹城律师事务所")
    dialog.on_start()
    assert dialog.result() == WelcomeDialog.DialogCode.Accepted
    profile = get_profile(store)
    assert profile["name"] == "陈律师" and profile["firm"] == "象山丹城律师事务所"
    # the villages are exactly the colleague's: no invented twin; the only new record is the profile
    assert len(list_villages(store)) == len(colleague["villages"]) == 2
    assert _prints(store, "village") == colleague["villages"]
    assert sorted(set(_prints(store)) - set(colleague["all"])) == [("profile", profile.id, profile.rev, 0)]


def test_a_refused_file_says_why_and_changes_nothing(store, qtbot, monkeypatch, tmp_path):
    bad = tmp_path / "x.zip"
    bad.write_bytes(os.urandom(4096))
    dialog = _dialog(store, qtbot)
    empty = store.fingerprint()
    _choose(monkeypatch, bad)
    (result,) = _import_through_button(dialog, qtbot)
    assert not result.ok and result.reason
    assert not dialog.import_error.isHidden()
    assert dialog.import_error.text() == f"x.zip：已拒绝：{result.reason}"
    assert dialog.import_note.isHidden()
    assert store.fingerprint() == empty and _prints(store) == []
    assert dialog.demo_button.isEnabled() and dialog.import_button.isEnabled()
    # still a first run without villages: one must be typed
    dialog.profile.widget("name").setText("陈律师")
    dialog.on_start()
    assert dialog.villages_error.text() == "请至少选择或填写一个村"
    assert get_profile(store) is None and list_villages(store) == []


def test_a_typed_village_already_imported_is_refused(store, qtbot, monkeypatch, colleague):
    dialog = _dialog(store, qtbot)
    _choose(monkeypatch, colleague["path"])
    _import_through_button(dialog, qtbot)
    dialog.profile.widget("name").setText("陈律师")
    dialog.villages.setPlainText("北岙村 石浦镇\n上张村 西周镇")
    dialog.on_start()
    assert dialog.villages_error.text() == "第 2 行：已有名为“上张村”的村"
    assert not dialog.villages_error.isHidden()
    assert get_profile(store) is None  # all or nothing
    assert _prints(store) == colleague["all"]
    # corrected: the new village is created as usual, beside the imported ones
    dialog.villages.setPlainText("北岙村 石浦镇")
    dialog.on_start()
    assert dialog.result() == WelcomeDialog.DialogCode.Accepted
    assert sorted(v["name"] for v in list_villages(store)) == ["上张村", "东门村", "北岙村"]
    assert get_profile(store)["name"] == "陈律师"


def test_a_file_imported_before_the_welcome_was_closed_is_remembered(store, tmp_path, qtbot):
    """Import, close the welcome without starting, open the program again: the villages are there, so
    none is required and demo data (which would mix with them) is not offered."""
    from village_counsel.sync import export_changes, import_file
    from village_counsel.ui.welcome import WelcomeDialog
    from village_counsel.villages import create_village

    with Store(tmp_path / "colleague" / "s.db") as colleague:
        create_village(colleague, {"name": "上张村"})
        assert import_file(store, export_changes(colleague, tmp_path / "x.zip").path).ok
    dialog = WelcomeDialog(store)
    qtbot.addWidget(dialog)
    assert not dialog.demo_button.isEnabled() and "上张村" in dialog.import_note.text()
