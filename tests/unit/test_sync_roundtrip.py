"""Export and import between stores: full and incremental files, relays, re-imports, encryption, keys."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.trust import enrol
from village_counsel.errors import CounselError
from village_counsel.store import Store
from village_counsel.sync import (
    export_changes,
    import_file,
    import_paths,
    keys,
    list_conflicts,
    office_init,
    read_office_key_file,
    write_office_key_file,
)
from village_counsel.villages import create_village


@pytest.fixture
def stores(tmp_path):
    opened = []

    def make(name: str) -> Store:
        s = Store(tmp_path / name / "store.db")
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def _session(store: Store, village_id: str, day: str = "2026-11-05", **extra) -> str:
    return store.put("session", {"date": day, "format": "现场说", **extra}, village_id=village_id).id


def test_first_export_is_full_then_incremental(stores, tmp_path):
    a = stores("a")
    v = create_village(a, {"name": "上张村"})
    _session(a, v.id)
    first = export_changes(a, tmp_path / "1.zip")
    assert first.full and first.seq == 1 and first.revisions == 2
    _session(a, v.id, "2026-11-06")
    second = export_changes(a, tmp_path / "2.zip")
    assert not second.full and second.seq == 2 and second.revisions == 1
    again = export_changes(a, tmp_path / "3.zip", full=True)
    assert again.full and again.revisions == 3

    b = stores("b")
    r1 = import_file(b, tmp_path / "1.zip")
    r2 = import_file(b, tmp_path / "2.zip")
    assert r1.ok and (r1.new, r1.updated, r1.unchanged) == (2, 0, 0)
    assert r2.ok and (r2.new, r2.updated, r2.unchanged) == (1, 0, 0)
    assert b.fingerprint() == a.fingerprint()
    r3 = import_file(b, tmp_path / "3.zip")
    assert r3.ok and (r3.new, r3.updated, r3.unchanged) == (0, 0, 3)


def test_reimport_and_stale_files_change_nothing(stores, tmp_path):
    a, b = stores("a"), stores("b")
    v = create_village(a, {"name": "上张村"})
    sid = _session(a, v.id)
    export_changes(a, tmp_path / "old.zip")
    a.put("session", {"date": "2026-11-07", "format": "线上说"}, id=sid)
    export_changes(a, tmp_path / "new.zip", full=True)

    assert import_file(b, tmp_path / "new.zip").ok
    print_before = b.fingerprint()
    revisions_before = b.select("SELECT count(*) FROM revisions")
    again = import_file(b, tmp_path / "new.zip")
    assert again.ok and again.already and "已导入过" in again.summary()
    stale = import_file(b, tmp_path / "old.zip")
    assert stale.ok and (stale.new, stale.updated, stale.conflicts) == (0, 0, 0)
    assert b.fingerprint() == print_before == a.fingerprint()
    assert b.select("SELECT count(*) FROM revisions") == revisions_before
    assert b.get("session", sid)["format"] == "线上说"
    assert list_conflicts(b) == []


def test_edit_after_import_replaces_without_conflict(stores, tmp_path):
    a, b = stores("a"), stores("b")
    v = create_village(a, {"name": "上张村"})
    sid = _session(a, v.id)
    export_changes(a, tmp_path / "a1.zip")
    import_file(b, tmp_path / "a1.zip")
    edited = b.put("session", {"date": "2026-11-05", "format": "线上说"}, id=sid)
    assert edited.base_origin == a.device_id
    export_changes(b, tmp_path / "b1.zip")
    result = import_file(a, tmp_path / "b1.zip")
    assert result.ok and result.updated == 1 and result.conflicts == 0
    assert a.get("session", sid)["format"] == "线上说"
    assert a.fingerprint() == b.fingerprint()
    assert list_conflicts(a) == [] and list_conflicts(b) == []


def test_relay_through_township(stores, tmp_path):
    """Laptop A → township T → laptop B: T's export carries A's revisions on to B."""
    a, t, b = stores("a"), stores("t"), stores("b")
    v = create_village(a, {"name": "上张村"})
    _session(a, v.id)
    export_changes(a, tmp_path / "a.zip")
    import_file(t, tmp_path / "a.zip")
    export_changes(t, tmp_path / "t.zip")
    result = import_file(b, tmp_path / "t.zip")
    assert result.ok and result.new == 2
    assert b.fingerprint() == a.fingerprint() == t.fingerprint()
    # B's own work goes back the same way, and A's clock moves past what it saw.
    _session(b, v.id, "2026-11-09")
    export_changes(b, tmp_path / "b.zip")
    import_file(t, tmp_path / "b.zip")
    export_changes(t, tmp_path / "t2.zip")
    assert import_file(a, tmp_path / "t2.zip").new == 1
    assert a.fingerprint() == b.fingerprint()
    assert a.clock.last >= max(r[0] for r in a.select("SELECT rev FROM revisions"))


def test_folder_import_reads_every_zip(stores, tmp_path):
    a, b = stores("a"), stores("b")
    v = create_village(a, {"name": "上张村"})
    folder = tmp_path / "usb"
    export_changes(a, folder / "1.zip")
    _session(a, v.id)
    export_changes(a, folder / "2.zip")
    (folder / "readme.txt").write_text("not an export")
    results = import_paths(b, [folder])
    assert [r.path.name for r in results] == ["1.zip", "2.zip"] and all(r.ok for r in results)
    assert b.fingerprint() == a.fingerprint()


def test_folder_import_reads_its_subfolders_and_names_files_by_their_path(stores, tmp_path):
    """A USB stick with a folder per advisor: every export inside is imported, and two advisors' files of
    the same name are told apart."""
    a, b, office = stores("a"), stores("b"), stores("office")
    create_village(a, {"name": "上张村"})
    create_village(b, {"name": "下沈村"})
    usb = tmp_path / "usb"
    export_changes(a, usb / "李律师" / "1.zip")
    export_changes(b, usb / "沈律师" / "2026-11" / "1.zip")
    export_changes(b, usb / ".trash" / "old.zip")  # hidden folders are passed over
    (usb / "月报.pdf").write_bytes(b"%PDF")
    results = import_paths(office, [usb])
    assert [r.display for r in results] == ["李律师/1.zip", "沈律师/2026-11/1.zip"] and all(
        r.ok for r in results
    )
    assert results[1].summary().startswith("沈律师/2026-11/1.zip：新增")
    assert sorted(v["name"] for v in office.list("village")) == ["上张村", "下沈村"]


def test_member_size_is_bounded(stores, tmp_path, monkeypatch):
    from village_counsel.sync import export as export_mod

    monkeypatch.setattr(export_mod, "MEMBER_REVISIONS", 3)
    a = stores("a")
    v = create_village(a, {"name": "上张村"})
    for day in range(1, 9):
        _session(a, v.id, f"2026-11-{day:02d}")
    result = export_changes(a, tmp_path / "e.zip")
    assert result.members == 3
    with zipfile.ZipFile(tmp_path / "e.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert [m["revisions"] for m in manifest["members"]] == [3, 3, 3]
    assert manifest["counts"] == {"session": 8, "village": 1}
    assert manifest["villages"] == [{"id": v.id, "name": "上张村", "revisions": 9}]
    b = stores("b")
    assert import_file(b, tmp_path / "e.zip").new == 9


def test_encrypted_export_only_for_its_office(stores, tmp_path):
    a, office, other = stores("a"), stores("office"), stores("other")
    key = office_init(office, "西周镇司法所")
    enrol(office, a)
    write_office_key_file(key, tmp_path / "office.json")
    loaded = read_office_key_file(tmp_path / "office.json")
    assert loaded == key
    v = create_village(a, {"name": "上张村"})
    a.put("session", {"date": "2026-11-05", "format": "现场说", "notes": "张三 13800000000"}, village_id=v.id)
    result = export_changes(a, tmp_path / "sealed.zip", office=loaded)
    assert result.office == loaded
    with zipfile.ZipFile(tmp_path / "sealed.zip") as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".enc"))
        manifest = json.loads(zf.read("manifest.json"))
    assert "张三".encode() not in blob and b"session" not in blob
    assert manifest["encryption"]["office_fingerprint"] == key.fingerprint

    ok = import_file(office, tmp_path / "sealed.zip")
    assert ok.ok and ok.new == 2 and office.fingerprint() == a.fingerprint()
    office_init(other, "别的司法所")
    refused = import_file(other, tmp_path / "sealed.zip")
    assert not refused.ok and "加密给司法所“西周镇司法所”" in refused.reason
    own = import_file(a, tmp_path / "sealed.zip")  # the laptop's own file, taken back by mistake
    assert not own.ok and "这是本机自己导出" in own.reason


def test_office_key_is_never_replaced(stores):
    office = stores("office")
    office_init(office, "西周镇司法所")
    with pytest.raises(CounselError, match="已有司法所密钥"):
        office_init(office, "另一个")


def test_office_key_file_errors(tmp_path):
    with pytest.raises(CounselError, match="找不到"):
        read_office_key_file(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"format": "village-counsel-office-key", "public_key": "xx"}')
    with pytest.raises(CounselError, match="不是有效的司法所公钥文件"):
        read_office_key_file(tmp_path / "bad.json")
    good = {"format": "village-counsel-office-key", "name": "x", "public_key": keys.b64(bytes(range(32)))}
    (tmp_path / "tampered.json").write_text(json.dumps({**good, "fingerprint": "0000 0000 0000 0000"}))
    with pytest.raises(CounselError, match="指纹与公钥不符"):
        read_office_key_file(tmp_path / "tampered.json")


def test_device_key_is_made_once_and_fingerprint_is_readable(stores):
    a = stores("a")
    first = keys.device_public_key(a)
    assert keys.device_public_key(a) == first
    fingerprint = keys.key_fingerprint(first)
    assert len(fingerprint) == 19 and fingerprint.count(" ") == 3


def test_office_key_file_that_is_a_pipe_or_folder_is_refused_at_once(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.key")  # reading it would wait for a writer for ever
    with pytest.raises(CounselError, match="不是普通文件"):
        read_office_key_file(tmp_path / "pipe.key")
    with pytest.raises(CounselError, match="不是普通文件"):
        read_office_key_file(tmp_path)


def test_office_key_file_is_written_whole_or_not_at_all(stores, tmp_path, monkeypatch):
    import os

    from village_counsel.sync.keys import office_key, write_office_key_file

    office = stores("office")
    office_init(office, "西周镇司法所")

    def full(fd, *a, **k):
        os.close(fd)
        raise OSError(28, "No space left on device")

    (tmp_path / "usb").mkdir()
    monkeypatch.setattr(os, "fdopen", full)
    with pytest.raises(OSError):
        write_office_key_file(office_key(office), tmp_path / "usb" / "office.key")
    assert list((tmp_path / "usb").iterdir()) == []  # no empty key file left behind
