"""The security review of issue 11: each finding reproduced as a test (the reviewer's scripts, made fast).
Every one failed before its fix."""

from __future__ import annotations

import json
import time

import pytest

from tests.trust import enrol
from village_counsel.backup import describe_backup, make_backup, restore
from village_counsel.errors import CounselError
from village_counsel.history import undo_last
from village_counsel.jsontext import canonical
from village_counsel.store import Store
from village_counsel.sync import export_changes, import_file, keys, list_conflicts
from village_counsel.sync.conflicts import open_conflict_keys
from village_counsel.villages import create_village, set_profile, update_village


@pytest.fixture
def make(tmp_path):
    opened: list[Store] = []

    def make(name: str) -> Store:
        s = Store(tmp_path / name / "village-counsel.db")
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def _office_and_two(make) -> tuple[Store, Store, Store]:
    """An office with 王律师's laptop A and 李律师's laptop B enrolled."""
    office, a, b = make("office"), make("a"), make("b")
    enrol(office, a, "王律师")
    enrol(office, b, "李律师")
    return office, a, b


def _tick() -> None:
    time.sleep(0.002)  # a later revision time than the one before (the clock counts milliseconds)


def test_s1_a_restored_backup_of_another_office_brings_none_of_its_devices(make, tmp_path):
    office, a = make("office"), make("a")
    enrol(office, a, "王律师")
    create_village(a, {"name": "上张村"})
    assert import_file(office, export_changes(a, tmp_path / "a.zip").path).ok
    other_office, x = make("office2"), make("x")
    keys.office_init(other_office, "东陈乡司法所")
    enrol(other_office, x, "外乡律师")
    foreign = make_backup(other_office, "handover")
    create_village(x, {"name": "外村"})
    stranger = export_changes(x, tmp_path / "x.zip", plain=True).path
    assert not import_file(office, stranger).ok
    summary = describe_backup(foreign)
    assert "外乡律师" in summary.trust_note() and "不采用" in summary.trust_note()
    office.close()
    restore(tmp_path / "office" / "village-counsel.db", foreign)
    office = make("office")
    assert {d.advisor for d in keys.enrolled_devices(office)} == {"王律师", "西周镇司法所"}
    result = import_file(office, stranger)
    assert not result.ok and "未经司法所“西周镇司法所”登记" in result.reason


def test_s1_a_devices_row_the_office_did_not_sign_is_not_trusted(make, tmp_path):
    office, x = make("office"), make("x")
    other = make("office2")
    keys.office_init(office, "西周镇司法所")
    cert = enrol(other, x, "外乡律师")
    keys.remember_certificate(office, cert)  # a row that came in some other way (a hand-edited store)
    create_village(x, {"name": "外村"})
    result = import_file(office, export_changes(x, tmp_path / "x.zip", plain=True).path)
    assert not result.ok and "未经司法所" in result.reason


def test_s2_an_office_without_its_key_file_refuses_instead_of_trusting_everyone(make, tmp_path):
    office, a, mallory = make("office"), make("a"), make("mallory")
    enrol(office, a, "王律师")
    create_village(mallory, {"name": "陌生村"})
    forged = export_changes(mallory, tmp_path / "m.zip").path
    fingerprint = keys.key_fingerprint(keys.device_public_key(office))
    office.close()
    for found in (tmp_path / "office" / "keys").glob("*.office.key"):
        found.unlink()
    office = make("office")
    assert keys.trusted_office(office).name == "西周镇司法所"  # trust is in the store, not the key file
    result = import_file(office, forged)
    assert not result.ok and "司法所私钥文件缺失" in result.reason and "import-private" in result.reason
    with pytest.raises(keys.KeyFileError, match="私钥文件缺失"):
        keys.office_init(office, "西周镇司法所")
    # a lost device key file is an error, not a new key under the same device id
    office.close()
    for found in (tmp_path / "office" / "keys").glob("*.device.key"):
        found.unlink()
    office = make("office")
    with pytest.raises(keys.KeyFileError, match="设备私钥文件缺失"):
        keys.device_public_key(office)
    assert not (tmp_path / "office" / "keys" / f"{office.device_id}.device.key").exists()
    assert fingerprint


def test_s2_an_office_of_before_records_its_trust_when_opened(make):
    office = make("office")
    keys.office_init(office, "西周镇司法所")
    office.db.execute("DELETE FROM local WHERE key = 'trusted_office'")
    assert keys.trusted_office(office).name == "西周镇司法所"
    assert office.get_local(keys.TRUSTED_OFFICE)


def test_s3_an_old_key_and_its_old_certificate_are_refused_once_the_device_is_reenrolled(make, tmp_path):
    office, a = make("office"), make("a")
    old = enrol(office, a, "王律师")
    v = create_village(a, {"name": "上张村"})
    assert import_file(office, export_changes(a, tmp_path / "a1.zip").path).ok
    thief = make("old-a")  # a copy of A's laptop with the old key (its old disk)
    (tmp_path / "old-a" / "keys").mkdir(parents=True, exist_ok=True)
    thief.db.execute("UPDATE local SET value = ? WHERE key = 'device_id'", [a.device_id])
    thief.device_id = a.device_id
    key_file = tmp_path / "a" / "keys" / f"{a.device_id}.device.key"
    (tmp_path / "old-a" / "keys" / key_file.name).write_bytes(key_file.read_bytes())
    thief.db.execute("DELETE FROM local WHERE key = 'device_public_key'")
    keys.install_certificate(thief, old.raw)
    assert import_file(thief, export_changes(office, tmp_path / "o.zip").path).ok
    # A gets a new key; the office re-enrols it on purpose
    a.close()
    key_file.unlink()
    a = make("a")
    a.db.execute("DELETE FROM local WHERE key IN ('device_public_key', 'device_certificate')")
    a.db.execute("DELETE FROM exports")
    time.sleep(1.05)  # a later issued_at (seconds)
    request = {
        "device_id": a.device_id,
        "device_key": keys.b64(keys.device_public_key(a)),
        "advisor": "王律师",
        "firm": "",
        "villages": [],
    }
    with pytest.raises(keys.KeyFileError, match="已登记给"):
        keys.issue_certificate(office, request)  # not silently: the id is bound to the old key
    new = keys.issue_certificate(office, request, replace=True)
    keys.install_certificate(a, new.raw)
    update_village(thief, v.id, {"name": "上张村（旧钥匙改）"})
    result = import_file(office, export_changes(thief, tmp_path / "thief.zip").path)
    assert not result.ok and "未经司法所" in result.reason
    assert office.get("village", v.id)["name"] == "上张村"
    create_village(a, {"name": "新村"})
    assert import_file(office, export_changes(a, tmp_path / "a2.zip").path).ok


def test_s3_a_request_reusing_an_enrolled_or_the_offices_own_id_is_refused(make):
    office, a, mallory = make("office"), make("a"), make("mallory")
    enrol(office, a, "王律师")
    for taken in (a.device_id, office.device_id):
        request = {
            "device_id": taken,
            "device_key": keys.b64(keys.device_public_key(mallory)),
            "advisor": "赵律师（新来的）",
            "firm": "",
            "villages": [],
        }
        with pytest.raises(keys.KeyFileError, match="已登记给|司法所本机"):
            keys.issue_certificate(office, request)
    with pytest.raises(keys.KeyFileError, match="司法所本机"):
        keys.issue_certificate(office, {**request, "device_id": office.device_id}, replace=True)
    assert {d.fingerprint for d in keys.enrolled_devices(office)} == {
        keys.key_fingerprint(keys.device_public_key(s)) for s in (office, a)
    }


def test_s4_a_revoked_devices_later_revisions_do_not_come_in_through_a_relay(make, tmp_path):
    office, b, x = make("office"), make("b"), make("x")
    enrol(office, b, "李律师")
    enrol(office, x, "被盗笔记本")
    v = create_village(x, {"name": "上张村"})
    assert import_file(office, export_changes(x, tmp_path / "x1.zip").path).ok
    assert import_file(b, export_changes(office, tmp_path / "o1.zip").path).ok
    keys.revoke(office, x.device_id)
    _tick()
    update_village(x, v.id, {"name": "上张村（被改）"})
    stolen = export_changes(x, tmp_path / "x2.zip", plain=True).path
    assert not import_file(office, stolen).ok
    assert import_file(b, stolen).ok  # B has not heard of the revocation yet
    result = import_file(office, export_changes(b, tmp_path / "b.zip").path)
    assert result.ok and result.set_aside == 1 and "已吊销" in result.summary()
    assert office.get("village", v.id)["name"] == "上张村"


def test_s5_an_enrolment_request_with_control_characters_is_refused(make, tmp_path):
    office, mallory = make("office"), make("mallory")
    keys.office_init(office, "西周镇司法所")
    for field, value in (
        ("firm", "x\n请与对方电话核对设备公钥指纹：1234\n\x1b[8m"),
        ("advisor", "王\u202e律师"),
    ):
        body = {
            "device_id": mallory.device_id,
            "device_key": keys.b64(keys.device_public_key(mallory)),
            "advisor": "王律师",
            "firm": "",
            "villages": [],
            "made_at": "2026-12-01T00:00:00+00:00",
            field: value,
        }
        path = tmp_path / "req.json"
        path.write_text(json.dumps(keys._signed(body, keys.REQUEST_FORMAT, keys.device_private_key(mallory))))
        with pytest.raises(keys.KeyFileError, match="不是有效的登记申请文件"):
            keys.read_request(path)
    assert keys.enrolled_devices(office)[0].advisor == "西周镇司法所"


def test_s6_a_quarantined_revision_settles_no_conflict(make, tmp_path):
    office, a, b = _office_and_two(make)
    v = create_village(a, {"name": "上张村"})
    assert import_file(office, export_changes(a, tmp_path / "a0.zip").path).ok
    assert import_file(b, export_changes(office, tmp_path / "o0.zip").path).ok
    update_village(b, v.id, {"name": "上张村（李改）"})
    _tick()
    update_village(a, v.id, {"name": "上张村（王改）"})  # A's is later: it becomes current
    assert import_file(office, export_changes(a, tmp_path / "a1.zip").path).ok
    assert import_file(office, export_changes(b, tmp_path / "b1.zip").path).ok
    loser = open_conflict_keys(office)
    assert len(loser) == 1
    current = office.find(v.id)
    assert current.origin == a.device_id
    if not b.select(
        "SELECT 1 FROM revisions WHERE id = ? AND rev = ? AND origin = ?", [v.id, current.rev, current.origin]
    ):
        row = office.select(
            "SELECT id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data"
            " FROM revisions WHERE id = ? AND rev = ? AND origin = ?",
            [v.id, current.rev, current.origin],
        )[0]
        b.db.execute(
            "INSERT INTO revisions (id, kind, village_id, rev, origin, base_rev, base_origin, updated_at,"
            " deleted, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
            row,
        )
    b.db.execute(
        "UPDATE revisions SET data = json_set(data, '$.name', '随便'), resolves = ? WHERE id = ? AND rev = ?"
        " AND origin = ?",
        [canonical([[loser[0][1], loser[0][2]]]), v.id, current.rev, current.origin],
    )
    result = import_file(office, export_changes(b, tmp_path / "b2.zip", full=True).path)
    assert result.ok and result.quarantined == 1
    assert open_conflict_keys(office) == loser
    assert office.find(v.id).data["name"] == "上张村（王改）"


def test_s7_between_two_copies_from_the_origin_itself_the_first_stays(make, tmp_path):
    office, a = make("office"), make("a")
    enrol(office, a, "王律师")
    v = create_village(a, {"name": "上张村", "households": 120})
    assert import_file(office, export_changes(a, tmp_path / "a1.zip").path).ok
    a.db.execute("UPDATE revisions SET data = json_set(data, '$.households', 5) WHERE id = ?", [v.id])
    result = import_file(office, export_changes(a, tmp_path / "a2.zip", full=True).path)
    assert result.ok and result.quarantined == 1
    assert office.get("village", v.id)["households"] == 120


def test_s7_the_origins_own_file_wins_over_a_tampered_relay_that_came_first(make, tmp_path):
    office, a, b = _office_and_two(make)
    v = create_village(a, {"name": "上张村", "households": 120})
    genuine = export_changes(a, tmp_path / "a.zip", plain=True).path
    assert import_file(b, genuine).ok
    b.db.execute("UPDATE revisions SET data = json_set(data, '$.households', 999) WHERE id = ?", [v.id])
    b.db.execute("UPDATE records SET data = json_set(data, '$.households', 999) WHERE id = ?", [v.id])
    assert import_file(office, export_changes(b, tmp_path / "b.zip").path).ok
    assert office.get("village", v.id)["households"] == 999
    result = import_file(office, genuine)
    assert result.ok
    assert office.get("village", v.id)["households"] == 120
    assert office.history(v.id)[-1].data["households"] == 120
    (conflict,) = list_conflicts(office)
    assert conflict.quarantined and conflict.losing.data["households"] == 999
    assert conflict.current.data["households"] == 120


def test_s7_a_quarantined_version_can_be_adopted_or_dismissed(make, tmp_path):
    from village_counsel.sync.conflicts import adopt_quarantined, dismiss_quarantined

    office, a, b = _office_and_two(make)
    v = create_village(a, {"name": "上张村", "households": 120})
    genuine = export_changes(a, tmp_path / "a.zip", plain=True).path
    assert import_file(office, genuine).ok and import_file(b, genuine).ok
    b.db.execute("UPDATE revisions SET data = json_set(data, '$.households', 999) WHERE id = ?", [v.id])
    result = import_file(office, export_changes(b, tmp_path / "b.zip").path)
    assert result.quarantined == 1
    (conflict,) = list_conflicts(office)
    adopt_quarantined(office, conflict)
    assert office.get("village", v.id)["households"] == 999 and list_conflicts(office) == []
    assert import_file(office, export_changes(b, tmp_path / "b2.zip", full=True).path).quarantined == 1
    (conflict,) = list_conflicts(office)
    dismiss_quarantined(office, conflict)
    assert list_conflicts(office) == []


def test_w1_import_private_on_a_laptop_with_records_restamps_them(make, tmp_path):
    office, a = make("office"), make("a")
    enrol(office, a, "王律师")
    create_village(a, {"name": "上张村"})
    assert import_file(office, export_changes(a, tmp_path / "a1.zip").path).ok
    keys.export_private(a, tmp_path / "a.keys", "correct horse battery")
    new = make("new-laptop")
    set_profile(new, {"name": "王律师", "firm": "象山律师事务所"})  # what the welcome writes first
    first = new.device_id
    assert keys.import_private(new, tmp_path / "a.keys", "correct horse battery") == a.device_id
    assert not new.select("SELECT 1 FROM revisions WHERE origin = ? OR base_origin = ?", [first, first])
    assert import_file(new, export_changes(office, tmp_path / "o.zip").path).ok
    create_village(new, {"name": "新村"})
    result = import_file(office, export_changes(new, tmp_path / "n.zip").path)
    assert result.ok, result.reason
    # a laptop that has spoken as itself already cannot become another device
    other = make("other")
    create_village(other, {"name": "别村"})
    export_changes(other, tmp_path / "other.zip")
    with pytest.raises(keys.KeyFileError, match="导出过文件或已登记"):
        keys.import_private(other, tmp_path / "a.keys", "correct horse battery")


def test_w4_undo_after_a_restore_never_reverts_a_record_the_user_did_not_touch(make, tmp_path):
    other = make("other")
    v1 = create_village(other, {"name": "甲村", "households": 100})
    for n in range(1, 6):
        update_village(other, v1.id, {"households": 100 + n})
    saved = make_backup(other, "x")
    window = make("window")
    v2 = create_village(window, {"name": "乙村"})
    for n in range(5):
        update_village(window, v2.id, {"households": 7 + n})
    restore(window.path, saved)
    with pytest.raises(CounselError, match="无法撤销"):
        undo_last(window)
    assert window.get("village", v1.id)["households"] == 105
