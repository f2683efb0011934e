from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from village_counsel import store as store_mod
from village_counsel.errors import NotFound, StoreError
from village_counsel.store import SCHEMA_VERSION, Store


def test_new_store_has_device_and_no_records(store):
    assert len(store.device_id) == 16
    assert store.schema_version == SCHEMA_VERSION
    assert store.select("SELECT count(*) FROM records") == [(0,)]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_device_id_survives_reopen(tmp_path):
    with Store(tmp_path / "s.db") as a:
        device = a.device_id
    with Store(tmp_path / "s.db") as b:
        assert b.device_id == device


def test_put_carries_sync_fields_and_history(store, village):
    rec = store.put("session", {"date": "2026-11-05", "format": "现场说"}, village_id=village.id)
    assert rec.rev and rec.origin == store.device_id and rec.base_rev is None and not rec.deleted
    again = store.put("session", {"date": "2026-11-06", "format": "现场说"}, id=rec.id)
    assert again.rev > rec.rev and again.base_rev == rec.rev and again.village_id == village.id
    gone = store.delete("session", rec.id)
    assert gone.deleted
    with pytest.raises(NotFound):
        store.get("session", rec.id)
    assert [h.rev for h in store.history(rec.id)] == [rec.rev, again.rev, gone.rev]


def test_fingerprint_changes_with_records(store, village):
    before = store.fingerprint()
    store.put("session", {"date": "2026-11-05"}, village_id=village.id)
    assert store.fingerprint() != before


def test_month_is_derived_from_date(store, village):
    store.put("session", {"date": "2026-11-05"}, village_id=village.id)
    assert store.months() == ["2026-11"]
    assert len(store.list("session", month="2026-11")) == 1
    assert store.list("session", month="2026-10") == []


def _first_schema_store(path):
    conn = sqlite3.connect(path)
    conn.isolation_level = None
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    with db.atomic():
        store_mod.MIGRATIONS[0](db)
        db.execute("PRAGMA user_version = 1")
    conn.close()


def test_migrates_from_first_schema(tmp_path):
    path = tmp_path / "old.db"
    _first_schema_store(path)
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        tables = {r[0] for r in s.select("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"records", "revisions", "imports", "exports", "resolutions"} <= tables


def test_stored_month_migration_keeps_every_record_and_its_month(tmp_path):
    """Migration 6 turns the generated month into a stored one: a store written at schema 5 keeps every
    record, byte for byte, and the same months."""
    import sqlite_utils

    path = tmp_path / "five.db"
    conn = sqlite3.connect(path)
    conn.isolation_level = None
    db = sqlite_utils.Database(conn)
    for number, migration in enumerate(store_mod.MIGRATIONS[:5], start=1):
        with db.atomic():
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")
    rows = [
        (
            "a",
            "session",
            "v",
            "1761121175094-00000",
            "d1",
            None,
            None,
            "t",
            0,
            '{"date":"2026-11-05","format":"现场说"}',
        ),
        ("b", "village", None, "1761121175094-00001", "d1", None, None, "t", 0, '{"name":"上张村"}'),
        ("c", "matter", "v", "1761121175094-00002", "d1", None, None, "t", 1, '{"date":"2025-01-31"}'),
    ]
    db.conn.executemany(
        "INSERT INTO records (id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    before = db.execute("SELECT *, month FROM records ORDER BY id").fetchall()
    conn.close()
    assert [r[-1] for r in before] == ["2026-11", None, "2025-01"]
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION >= 6
        assert s.select("SELECT *, month FROM records ORDER BY id") == before
        assert s.months() == ["2026-11"]  # the deleted matter's month is not listed
        s.put("session", {"date": "2026-12-01", "format": "现场说"}, village_id="v")
        assert s.months() == ["2026-11", "2026-12"]
        names = {r[0] for r in s.select("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"records_kind_village_month", "records_kind_month"} <= names


def test_newer_schema_is_refused_and_untouched(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE x (a)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="更新版本"):
        Store(path)
    assert path.read_bytes() == before


def test_damaged_file_is_refused(tmp_path):
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        Store(path)


def test_failed_operation_changes_nothing(store, village):
    before = store.fingerprint()
    with pytest.raises(RuntimeError), store.transaction():
        store.put("session", {"date": "2026-11-05"}, village_id=village.id)
        raise RuntimeError("boom")
    assert store.fingerprint() == before


def test_backup_is_a_consistent_copy(store, village, tmp_path):
    copy = store.backup(tmp_path / "b" / "copy.db")
    with Store(copy) as b:
        assert b.fingerprint() == store.fingerprint()


def test_core_never_imports_qt():
    code = (
        "import importlib, pkgutil, sys, village_counsel\n"
        "for m in pkgutil.walk_packages(village_counsel.__path__, 'village_counsel.'):\n"
        "    if '.ui' in m.name or m.name.endswith('__main__'): continue\n"
        "    importlib.import_module(m.name)\n"
        "assert 'PySide6' not in sys.modules, [k for k in sys.modules if 'PySide6' in k]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_failing_migration_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    _first_schema_store(path)

    def broken(db):
        db.execute("CREATE TABLE half_done (a)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [store_mod.MIGRATIONS[0], broken])
    with pytest.raises(StoreError):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    conn.close()


def test_stats_keeps_two_villages_of_one_name_apart(store):
    from village_counsel.stats import stats

    a = store.put("village", {"name": "上张村"})
    b = store.put("village", {"name": "上张村"})  # as after importing another advisor's village
    store.put("session", {"date": "2026-11-05"}, village_id=a.id)
    store.put("session", {"date": "2026-11-06"}, village_id=b.id)
    villages = stats(store)["villages"]
    assert len(villages) == 2 and all(v["sessions"] == 1 for v in villages.values())


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ("unable to open database file", "所在文件夹只读、没有权限或不存在"),
        ("disk I/O error", "磁盘读写出错"),
        ("Could not decode to UTF-8 column 'json_object(...)'\n   SELECT ...", "无效的文字编码"),
        ("database or disk is full", "磁盘已满"),
        ("database disk image is malformed", "已损坏"),
        ("something new\nwith SQL on the next line", "数据库错误，操作未完成：something new"),
    ],
)
def test_database_errors_are_one_chinese_line(error, says):
    from village_counsel.errors import sqlite_message

    message = sqlite_message(sqlite3.OperationalError(error))
    assert says in message and "\n" not in message
