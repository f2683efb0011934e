"""Trust: only devices an office enrolled change the records of a store that trusts the office. Each
forgery found against the program (issue 11) is a named test here; each is refused with one Chinese line
and leaves the store as it was."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.trust import enrol
from village_counsel.store import Store
from village_counsel.sync import export_changes, import_file, keys, list_conflicts
from village_counsel.sync.export import default_recipient
from village_counsel.villages import create_village, update_village


@pytest.fixture
def world(tmp_path):
    opened: list[Store] = []

    def make(name: str) -> Store:
        s = Store(tmp_path / name / "village-counsel.db")
        opened.append(s)
        return s

    office, a, b, mallory = make("office"), make("a"), make("b"), make("mallory")
    enrol(office, a, "王律师")
    enrol(office, b, "李律师")
    yield office, a, b, mallory, make
    for s in opened:
        s.close()


def _refused(store: Store, path, words: str) -> None:
    before = store.fingerprint()
    result = import_file(store, path)
    assert not result.ok and words in result.reason, result.reason
    assert "\n" not in result.reason
    assert store.fingerprint() == before


def _copy_records(source: Store, target: Store, ids: list[str]) -> None:
    """Put ``source``'s current revisions of ``ids`` into ``target`` as they are (rev, origin and all): what
    a forger holding a copy of another device's file can do with its own store."""
    for rid in ids:
        row = source.select(
            "SELECT id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data, resolves"
            " FROM revisions WHERE id = ? ORDER BY rev DESC LIMIT 1",
            [rid],
        )[0]
        target.db.execute(
            "INSERT INTO revisions (id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted,"
            " data, resolves) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            row,
        )
        target.db.execute(
            "INSERT OR REPLACE INTO records (id, kind, village_id, rev, origin, base_rev, base_origin, updated_at,"
            " deleted, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
            row[:10],
        )


def test_a_new_device_cannot_rewrite_or_delete_enrolled_devices_records(world, tmp_path):
    office, a, b, mallory, _ = world
    va = create_village(a, {"name": "上张村"})
    vb = create_village(b, {"name": "下张村"})
    assert import_file(office, export_changes(a, tmp_path / "a.zip").path).ok
    assert import_file(office, export_changes(b, tmp_path / "b.zip", plain=True).path).ok
    # a brand-new device takes both villages from a file the office relayed, and edits them
    assert import_file(mallory, export_changes(office, tmp_path / "o.zip").path).ok
    update_village(mallory, va.id, {"name": "上张村（改）"})
    mallory.delete("village", vb.id)
    forged = export_changes(mallory, tmp_path / "m.zip").path
    _refused(office, forged, "未经司法所“西周镇司法所”登记")
    _refused(a, forged, "未经司法所“西周镇司法所”登记")
    assert office.get("village", va.id)["name"] == "上张村"


def test_a_revision_of_an_unenrolled_device_is_refused_also_when_relayed_by_an_enrolled_one(world, tmp_path):
    office, a, b, mallory, _ = world
    create_village(mallory, {"name": "冒名村"})
    # an enrolled advisor took the stranger's file (a store that trusts no office would) and relays it
    lone = world[4]("lone")
    assert import_file(lone, export_changes(mallory, tmp_path / "m.zip").path).ok
    _copy_records(lone, b, [r[0] for r in lone.select("SELECT id FROM records")])
    relayed = export_changes(b, tmp_path / "b.zip", plain=True).path
    _refused(office, relayed, f"未经司法所“西周镇司法所”登记的设备 {mallory.device_id}")


def test_a_re_signed_copy_with_changed_content_is_refused_and_never_blocks_the_genuine_file(world, tmp_path):
    office, a, b, mallory, _ = world
    v = create_village(a, {"name": "上张村"})
    genuine = export_changes(a, tmp_path / "a.zip", plain=True).path
    # the same (id, rev, origin) with other content, signed with a key of the forger's own
    _copy_records(a, mallory, [v.id])
    mallory.db.execute("UPDATE revisions SET data = json_set(data, '$.name', '假村')")
    mallory.db.execute("UPDATE records SET data = json_set(data, '$.name', '假村')")
    copy = export_changes(mallory, tmp_path / "copy.zip").path
    _refused(office, copy, "未经司法所“西周镇司法所”登记")
    result = import_file(office, genuine)
    assert result.ok and result.new == 1 and office.get("village", v.id)["name"] == "上张村"


def test_a_file_claiming_an_enrolled_devices_id_with_another_key_is_refused(world, tmp_path):
    office, a, b, mallory, make = world
    fresh = make("fresh")  # an advisor's new store that never saw A: it must not pin the forger's key
    enrol(office, fresh, "赵律师")
    create_village(mallory, {"name": "冒名村"})
    mallory.db.execute("UPDATE local SET value = ? WHERE key = 'device_id'", [a.device_id])
    mallory.db.execute("UPDATE revisions SET origin = ?", [a.device_id])
    mallory.db.execute("UPDATE records SET origin = ?", [a.device_id])
    mallory.device_id = a.device_id
    impostor = export_changes(mallory, tmp_path / "impostor.zip").path
    _refused(fresh, impostor, f"设备 {a.device_id}")
    _refused(office, impostor, "未经司法所")
    create_village(a, {"name": "上张村"})
    assert import_file(
        fresh, export_changes(a, tmp_path / "a.zip", plain=True).path
    ).ok  # A is not locked out


def test_a_forged_resolution_cannot_hide_an_open_conflict(world, tmp_path):
    office, a, b, mallory, _ = world
    v = create_village(a, {"name": "上张村", "households": 100})
    assert import_file(b, export_changes(a, tmp_path / "a1.zip", plain=True).path).ok
    update_village(a, v.id, {"households": 111})
    update_village(b, v.id, {"households": 222})
    for source, name in ((a, "a2"), (b, "b1")):
        assert import_file(office, export_changes(source, tmp_path / f"{name}.zip", plain=True).path).ok
    assert import_file(office, tmp_path / "a1.zip").ok
    open_before = [c.key for c in list_conflicts(office)]
    assert len(open_before) == 1
    # a stranger "settles" it with a revision naming the losing version
    assert import_file(mallory, export_changes(office, tmp_path / "o.zip").path).ok
    loser = open_before[0]
    mallory.put("village", {**mallory.get("village", v.id).data}, id=v.id, resolves=[(loser[1], loser[2])])
    _refused(office, export_changes(mallory, tmp_path / "m.zip").path, "未经司法所")
    assert [c.key for c in list_conflicts(office)] == open_before
    # and even from a device that may write, a resolution cannot name a version made after itself
    line = json.loads(
        next(
            iter(
                zipfile.ZipFile(tmp_path / "a2.zip").read(n)
                for n in zipfile.ZipFile(tmp_path / "a2.zip").namelist()
                if n.endswith(".jsonl")
            )
        ).splitlines()[-1]
    )
    from village_counsel.sync.members import record_row

    line["resolves"] = [["9999999999999-00000", b.device_id]]
    with pytest.raises(ValueError, match="晚于自身"):
        record_row(line, latest_ms=10**13)


def test_a_revoked_device_is_refused_at_the_office_and_once_told_everywhere(world, tmp_path):
    office, a, b, mallory, _ = world
    create_village(a, {"name": "上张村"})
    assert import_file(office, export_changes(a, tmp_path / "a1.zip", plain=True).path).ok
    device_id, advisor = keys.revoke(office, "王律师")
    assert (device_id, advisor) == (a.device_id, "王律师")
    create_village(a, {"name": "东门村"})
    later = export_changes(a, tmp_path / "a2.zip", plain=True).path
    _refused(office, later, "吊销")
    # the office's next export carries the signed revocation: B learns it and refuses A's files too
    assert import_file(b, export_changes(office, tmp_path / "o.zip").path).ok
    _refused(b, later, "吊销")
    # A's revisions taken by the office before the revocation still travel
    assert b.select("SELECT count(*) FROM records WHERE origin = ?", [a.device_id])[0][0] >= 1


def test_an_offices_export_names_every_enrolled_device_by_its_advisor(world, tmp_path):
    office, a, b, mallory, _ = world
    create_village(a, {"name": "上张村"})
    assert import_file(office, export_changes(a, tmp_path / "a.zip", plain=True).path).ok
    assert import_file(b, export_changes(office, tmp_path / "o.zip").path).ok
    names = keys.advisor_names(b)
    assert names[a.device_id] == "王律师" and names[b.device_id] == "李律师" and office.device_id in names
    listed = {d.advisor for d in keys.enrolled_devices(office)}
    assert {"王律师", "李律师"} <= listed


def test_exports_are_encrypted_to_the_trusted_office_by_default_with_a_routing_only_manifest(world, tmp_path):
    office, a, b, mallory, _ = world
    create_village(a, {"name": "上张村"})
    a.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=a.list("village")[0].id)
    assert default_recipient(a) == keys.office_key(office) and default_recipient(office) is None
    result = export_changes(a, tmp_path / "a.zip")
    assert result.office is not None
    with zipfile.ZipFile(result.path) as zf:
        raw = zf.read("manifest.json")
        names = zf.namelist()
    manifest = json.loads(raw)
    assert "上张村".encode() not in raw and "王律师".encode() not in raw
    for hidden in ("villages", "counts", "revisions", "seq", "certificate", "enrolled"):
        assert hidden not in manifest
    assert all(set(m) == {"name", "sha256", "size"} for m in manifest["members"])
    assert "meta.json.enc" in names
    got = import_file(office, result.path)
    assert got.ok and got.new == 2 and got.villages == ["上张村"] and got.seq == 1
    plain = export_changes(a, tmp_path / "plain.zip", plain=True, full=True)
    assert plain.office is None
    with zipfile.ZipFile(plain.path) as zf:
        assert json.loads(zf.read("manifest.json"))["certificate"]["body"]["advisor"] == "王律师"


def test_a_lone_store_keeps_pinning_the_keys_it_has_seen(tmp_path):
    with Store(tmp_path / "lone" / "s.db") as lone, Store(tmp_path / "x" / "s.db") as x:
        create_village(x, {"name": "上张村"})
        assert keys.trusted_office(lone) is None
        assert import_file(lone, export_changes(x, tmp_path / "x.zip").path).ok
        with Store(tmp_path / "y" / "s.db") as y:
            y.db.execute("UPDATE local SET value = ? WHERE key = 'device_id'", [x.device_id])
            y.device_id = x.device_id
            create_village(y, {"name": "假村"})
            _refused(lone, export_changes(y, tmp_path / "y.zip").path, "公钥与以前不同")
