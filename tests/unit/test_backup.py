from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from village_counsel import backup
from village_counsel.errors import StoreError
from village_counsel.store import Store
from village_counsel.villages import create_village


def test_backup_and_restore_round_trip(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as s:
        create_village(s, {"name": "上张村"})
        saved = backup.make_backup(s)
        before = s.fingerprint()
        create_village(s, {"name": "东门村"})
        assert s.fingerprint() != before
    safety = backup.restore(path, saved)
    with Store(path) as s:
        assert s.fingerprint() == before
    with Store(safety) as old:
        assert len(old.list("village")) == 2


def test_restore_refuses_a_damaged_file_and_changes_nothing(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as s:
        create_village(s, {"name": "上张村"})
        before = s.fingerprint()
    bad = tmp_path / "bad.backup.db"
    bad.write_bytes(b"garbage" * 1000)
    with pytest.raises(StoreError):
        backup.restore(path, bad)
    with Store(path) as s:
        assert s.fingerprint() == before


def test_thinning_keeps_recent_dense_and_old_sparse(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2026, 11, 26, 12, 0, 0)
    for hours in range(0, 24 * 90, 6):  # every six hours for ninety days
        stamp = now - timedelta(hours=hours)
        (folder / f"{backup.PREFIX}{stamp:%Y%m%d-%H%M%S}-auto{backup.SUFFIX}").write_bytes(b"x")
    backup.thin(folder, now=now)
    kept = backup.list_backups(folder)
    ages = [(now - backup._stamp(p)).days for p in kept]
    assert sum(1 for a in ages if a < 1) == 4  # the last day: all of them
    assert len({a for a in ages if 1 <= a <= 14}) >= 13  # about one a day
    assert 5 <= sum(1 for a in ages if 14 < a <= 60) <= 8  # about one a week
    assert len(kept) < 40


def test_automatic_backup_only_when_something_changed(tmp_path):
    with Store(tmp_path / "s.db") as s:
        create_village(s, {"name": "上张村"})
        first = backup.backup_if_changed(s)
        assert first is not None and first.exists()
        assert backup.backup_if_changed(s) is None  # nothing changed since
        create_village(s, {"name": "东门村"})
        assert backup.backup_if_changed(s) is not None


def test_restoring_another_devices_backup_keeps_this_device(tmp_path):
    from village_counsel.sync.export import export_changes
    from village_counsel.sync.keys import device_public_key as device_key

    with Store(tmp_path / "other.db") as other:
        create_village(other, {"name": "上张村"})
        other_device = other.device_id
    path = tmp_path / "mine.db"
    with Store(path) as mine:
        create_village(mine, {"name": "东门村"})
        device, key = mine.device_id, device_key(mine)
        export_changes(mine, tmp_path / "e1.zip")
        export_changes(mine, tmp_path / "e2.zip")
    backup.restore(path, tmp_path / "other.db")
    with Store(path) as mine:
        assert mine.device_id == device != other_device
        assert device_key(mine) == key
        assert [v["name"] for v in mine.list("village")] == ["上张村"]
        result = export_changes(mine, tmp_path / "e3.zip")
        assert result.seq == 3 and result.full
