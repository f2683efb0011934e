"""The security review of issue 11, files on disk: what an encrypted export shows (f6), temporary files
(S9), the export number of a killed export (f17), folder modes (W3), the passphrase file (S12)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import zipfile

import pytest

from tests.trust import enrol
from village_counsel import backup, keyfiles
from village_counsel.store import Store
from village_counsel.sync import export, export_changes, import_file, keys
from village_counsel.villages import create_village, update_village


@pytest.fixture
def pair(tmp_path):
    office = Store(tmp_path / "office" / "village-counsel.db")
    advisor = Store(tmp_path / "a" / "village-counsel.db")
    enrol(office, advisor, "王律师")
    yield office, advisor
    office.close()
    advisor.close()


def _shape(path) -> tuple[int, list[int], int, set[tuple[int, ...]]]:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        dates = {info.date_time for info in zf.infolist()}
    return (
        len(manifest["members"]),
        [m["size"] for m in manifest["members"]],
        manifest["sealed"]["size"],
        dates,
    )


def test_an_encrypted_export_shows_neither_its_size_nor_its_time(pair, tmp_path):
    office, advisor = pair
    shapes = []
    for n in (1, 5, 60):
        with Store(tmp_path / f"b{n}" / "village-counsel.db") as b:
            enrol(office, b, f"律师{n}")
            v = create_village(b, {"name": "上张村"})
            for i in range(n - 1):
                update_village(b, v.id, {"name": f"上张村{i}", "notes": "说明" * 40})
            path = export_changes(b, tmp_path / f"b{n}.zip").path
            shapes.append(_shape(path))
            assert import_file(office, path).ok  # the padding reads as nothing
    assert shapes[0] == shapes[1] == shapes[2]  # 1, 5 or 60 revisions: the same members, sizes, dates
    members, sizes, meta, dates = shapes[0]
    assert members % export.MEMBER_COUNT_STEP == 0
    assert all((size - 16) % export.MEMBER_STEP == 0 for size in sizes)  # (16: the AEAD tag)
    assert (meta - 16) % export.META_STEP == 0
    assert dates == {export.ENTRY_DATE}


def test_padding_that_is_not_zeros_is_refused(pair, tmp_path, monkeypatch):
    office, advisor = pair
    create_village(advisor, {"name": "上张村"})
    monkeypatch.setattr(
        export,
        "_padded",
        lambda data, step, filler=b"\0": data + (b"x" if filler == b"\0" else filler) * (-len(data) % step),
    )
    result = import_file(office, export_changes(advisor, tmp_path / "a.zip").path)
    assert not result.ok and "多余的内容" in result.reason


def test_temporary_files_are_private_from_the_first_byte_and_dead_ones_are_cleaned(
    pair, tmp_path, monkeypatch
):
    office, advisor = pair
    create_village(advisor, {"name": "上张村"})
    out = tmp_path / "out"
    out.mkdir()
    dead = 2**22 + 12345  # (above any pid this machine hands out)
    for stale in (f".old.zip.{dead}.part", f".old.db.{dead}.part", f".old.db.{dead}.part-journal"):
        (out / stale).write_bytes(b"x")
    (out / f".keep.zip.{os.getpid()}.part").write_bytes(b"x")  # a live process's: left alone
    seen = []
    real_sign, real_backup = keys.sign, Store.backup

    def sign(store, message):
        seen.extend(stat.S_IMODE(p.stat().st_mode) for p in out.glob(".e.zip.*.part"))
        return real_sign(store, message)

    def backup_to(self, dest):
        seen.append(stat.S_IMODE(os.stat(dest).st_mode))
        return real_backup(self, dest)

    monkeypatch.setattr(keys, "sign", sign)
    monkeypatch.setattr(Store, "backup", backup_to)
    export_changes(advisor, out / "e.zip")
    backup.backup_to(advisor, out / "b.db")
    assert seen == [0o600, 0o600]
    assert sorted(p.name for p in out.iterdir()) == [f".keep.zip.{os.getpid()}.part", "b.db", "e.zip"]


def test_an_export_killed_right_after_its_rename_never_gives_its_number_again(tmp_path):
    path = tmp_path / "a" / "village-counsel.db"
    with Store(path) as s:
        create_village(s, {"name": "上张村"})
    code = (
        "import os, signal, sys\n"
        "import village_counsel.sync.export as ex\n"
        "real = os.replace\n"
        "class OS:\n"
        "    def __getattr__(self, n): return getattr(os, n)\n"
        "    @staticmethod\n"
        "    def replace(a, b): real(a, b); os.kill(os.getpid(), signal.SIGKILL)\n"
        "ex.os = OS()\n"
        "from village_counsel.store import Store\n"
        f"ex.export_changes(Store({str(path)!r}), {str(tmp_path / 'first.zip')!r})\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with zipfile.ZipFile(tmp_path / "first.zip") as zf:
        first = json.loads(zf.read("manifest.json"))["seq"]
    with Store(path) as s:
        assert export_changes(s, tmp_path / "second.zip").seq == first + 1


def test_only_a_folder_the_program_makes_is_made_private(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    Store(shared / "village-counsel.db").close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777  # as /tmp: left as it is
    assert stat.S_IMODE((shared / "village-counsel.db").stat().st_mode) == 0o600
    Store(tmp_path / "made" / "village-counsel.db").close()
    assert stat.S_IMODE((tmp_path / "made").stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "weak", ["12345678", " " * 12, "aaaaaaaaaaaa", "1234567890", "abcdefghijk", "password123", "口令口令口"]
)
def test_a_weak_passphrase_is_refused(pair, tmp_path, weak):
    _, advisor = pair
    with pytest.raises(keys.KeyFileError, match="口令"):
        keys.export_private(advisor, tmp_path / "k.keys", weak)
    assert not (tmp_path / "k.keys").exists()


def test_a_private_key_file_of_before_still_opens(pair, tmp_path, monkeypatch):
    _, advisor = pair
    monkeypatch.setattr(keys, "KDF", "scrypt-n32768-r8-p1")
    keys.export_private(advisor, tmp_path / "k.keys", "村民说事2026年")
    monkeypatch.undo()
    assert json.loads((tmp_path / "k.keys").read_text())["kdf"] == "scrypt-n32768-r8-p1"
    with Store(tmp_path / "new" / "village-counsel.db") as new:
        assert keys.import_private(new, tmp_path / "k.keys", "村民说事2026年") == advisor.device_id
        assert keys.device_public_key(new) == keys.device_public_key(advisor)
    assert keyfiles.key_path(advisor, "device") is not None
