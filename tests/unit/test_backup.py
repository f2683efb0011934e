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
