"""Import history: gaps in a device's export numbers, each village's last sync, this store's pending work."""

from __future__ import annotations

from datetime import date

from village_counsel.store import Store
from village_counsel.sync import device_statuses, export_changes, import_file, own_status, village_statuses
from village_counsel.villages import create_village


def test_gap_after_latest_full_export_only(tmp_path):
    with Store(tmp_path / "a" / "s.db") as a, Store(tmp_path / "t" / "s.db") as township:
        v = create_village(a, {"name": "上张村"})
        paths = []
        for n in range(5):
            a.put("session", {"date": f"2026-11-{n + 1:02d}", "format": "现场说"}, village_id=v.id)
            paths.append(export_changes(a, tmp_path / f"{n + 1}.zip", full=(n == 2)).path)
        import_file(township, paths[0])
        import_file(township, paths[3])
        (device,) = device_statuses(township)
        assert device.missing == [2, 3] and device.last_seq == 4 and device.files == 2
        import_file(township, paths[2])  # number 3 is a full export: what came before no longer matters
        (device,) = device_statuses(township)
        assert device.missing == []
        import_file(township, paths[4])
        assert device_statuses(township)[0].missing == []
        assert township.fingerprint() == a.fingerprint()


def test_village_last_sync_and_this_month(tmp_path):
    with Store(tmp_path / "a" / "s.db") as a, Store(tmp_path / "t" / "s.db") as township:
        create_village(a, {"name": "上张村"})
        create_village(township, {"name": "东门村"})
        import_file(township, export_changes(a, tmp_path / "a.zip").path)
        today = date.today()
        by_name = {v.name: v for v in village_statuses(township, today)}
        assert by_name["上张村"].synced_this_month and by_name["上张村"].last_sync
        assert not by_name["东门村"].synced_this_month and by_name["东门村"].last_sync is None
        next_year = date(today.year + 1, today.month, 1)
        assert not any(v.synced_this_month for v in village_statuses(township, next_year))


def test_own_status_counts_pending_revisions(tmp_path):
    with Store(tmp_path / "a" / "s.db") as a:
        v = create_village(a, {"name": "上张村"})
        assert own_status(a)["pending"] == 1 and own_status(a)["last_export_seq"] == 0
        export_changes(a, tmp_path / "1.zip")
        a.put("session", {"date": "2026-11-02", "format": "现场说"}, village_id=v.id)
        status = own_status(a)
        assert (
            status["pending"] == 1 and status["last_export_seq"] == 1 and status["device_id"] == a.device_id
        )


def test_gaps_are_counted_not_listed_one_by_one():
    from village_counsel.sync.status import MISSING_LISTED, DeviceStatus, _gaps

    assert _gaps(1, 4, {1, 4}) == ([2, 3], 2)
    assert _gaps(4, 6, {4, 5, 6}) == ([], 0)
    # a (forged or mistaken) number in the billions: counted gap by gap, at once
    listed, count = _gaps(1, 2**31 - 1, {1, 5, 2**31 - 1})
    assert count == 2**31 - 1 - 3 and listed[:3] == [2, 3, 4] and listed[3] == 6
    assert len(listed) == MISSING_LISTED
    status = DeviceStatus("d", "f", 2**31 - 1, "", "", 3, listed, count)
    assert status.missing_text().endswith(f"等共 {count} 个")
    assert DeviceStatus("d", "f", 4, "", "", 2, [2, 3], 2).missing_text() == "2、3"


def test_check_waits_for_what_a_file_out_of_order_names(tmp_path):
    """An incremental file imported before the one with its village: not a problem, a note; once the
    other file arrives, neither. A record of this device's own naming nothing is still a problem."""
    from village_counsel.stats import check

    with Store(tmp_path / "a" / "s.db") as a, Store(tmp_path / "t" / "s.db") as township:
        v = create_village(a, {"name": "上张村"})
        first = export_changes(a, tmp_path / "1.zip").path
        a.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=v.id)
        second = export_changes(a, tmp_path / "2.zip").path
        assert import_file(township, second).ok
        notes: list[str] = []
        assert check(township, notes=notes) == []
        assert len(notes) == 1 and "1 条" in notes[0] and "尚未同步" in notes[0]
        assert import_file(township, first).ok
        notes = []
        assert check(township, notes=notes) == [] and notes == []
        township.put("session", {"date": "2026-11-06", "format": "现场说"}, village_id="no-such-village")
        assert any("所属村 no-such-village 不存在" in p for p in check(township))


def test_this_month_is_the_local_month(monkeypatch):
    import time

    from village_counsel.sync.status import _local_month

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert _local_month("2026-11-30T22:00:00+00:00") == "2026-12"  # 06:00 on 1 December in Ningbo
        assert _local_month("2026-11-30T15:59:59+00:00") == "2026-11"
        assert _local_month("2026-11-30T22:00:00") == "2026-12"  # (no zone: stored times are UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
