"""The paths a big import takes: members verified in worker processes, the records' indexes set aside and
rebuilt, the backup taken inside the import's transaction. Each must end exactly where the plain path
ends, and a refusal on any of them must leave the store as it was."""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from village_counsel.demo import run_demo
from village_counsel.store import DATA_VERSION, Store
from village_counsel.sync import export as export_mod
from village_counsel.sync import export_changes, import_file, importer, keys
from village_counsel.villages import create_village

from .test_sync_refusals import _read, _snapshot, _write


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A demo store exported in many small members (so several workers have work)."""
    folder = tmp_path_factory.mktemp("county")
    saved = export_mod.MEMBER_REVISIONS
    export_mod.MEMBER_REVISIONS = 60
    source = Store(folder / "source" / "store.db")
    try:
        run_demo(source, seed=5, villages=2, months=3)
        path = export_changes(source, folder / "all.zip").path
        yield source, path
    finally:
        export_mod.MEMBER_REVISIONS = saved
        source.close()


def _big_paths(monkeypatch) -> None:
    monkeypatch.setattr(importer, "PARALLEL_FROM", 0)
    monkeypatch.setattr(importer, "BULK_FROM", 0)


def _indexes(store: Store) -> list[tuple[str, str]]:
    return store.select(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
    )


def _content(store: Store) -> list[tuple]:
    return store.select(
        "SELECT id, kind, village_id, rev, origin, deleted, data, month FROM records ORDER BY id"
    )


def test_workers_and_bulk_load_end_where_the_plain_path_ends(county, tmp_path, monkeypatch):
    source, path = county
    with Store(tmp_path / "plain.db") as plain:
        first = import_file(plain, path)
        assert first.ok, first.reason
        expected = (_content(plain), _indexes(plain), plain.fingerprint())

    _big_paths(monkeypatch)
    workers = importer.Workers(2)
    try:
        with Store(tmp_path / "big.db") as big:
            second = import_file(big, path, workers=workers)
            assert workers.pool is not None and not workers.failed  # worker processes really did the work
            assert second.ok, second.reason
            assert (_content(big), _indexes(big), big.fingerprint()) == expected
            assert big.fingerprint() == source.fingerprint()
            assert big.months() == source.months()
    finally:
        workers.close()
    assert (second.new, second.updated, second.unchanged, second.conflicts) == (
        first.new,
        first.updated,
        first.unchanged,
        first.conflicts,
    )
    assert second.new == len(expected[0]) > 200
    assert len(_read(path)[0]["members"]) > 5


def test_a_bad_line_found_by_a_worker_refuses_the_file_and_changes_nothing(county, tmp_path, monkeypatch):
    source, path = county
    manifest, members = _read(path)
    name = manifest["members"][2]["name"]
    lines = members[name].decode().splitlines()
    row = json.loads(lines[7])
    row["data"]["date"] = "2026-13-45" if "date" in row["data"] else None
    row["data"]["name"] = "" if row["kind"] == "village" else row["data"].get("name")
    lines[7] = json.dumps(row, ensure_ascii=False)
    members[name] = ("\n".join(lines) + "\n").encode()
    bad = _write(tmp_path / "bad.zip", manifest, members, keys.device_private_key(source), fix_hashes=True)

    _big_paths(monkeypatch)
    with Store(tmp_path / "target.db") as target:
        create_village(target, {"name": "东门村"})
        before, indexes = _snapshot(target), _indexes(target)
        workers = importer.Workers(2)
        try:
            result = import_file(target, bad, workers=workers)
        finally:
            workers.close()
        assert not result.ok and f"{name} 第 8 行" in result.reason, result.reason
        assert _snapshot(target) == before
        assert _indexes(target) == indexes  # the indexes set aside came back with the rollback


def _die(code: int) -> None:
    os._exit(code)


def test_workers_that_die_leave_the_import_to_this_process(county, tmp_path, monkeypatch):
    source, path = county
    _big_paths(monkeypatch)
    workers = importer.Workers(1)
    workers.pool = importer._Pool(
        ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_die, initargs=(3,)
        ),
        ahead=2,
    )
    try:
        with Store(tmp_path / "t.db") as target:
            result = import_file(target, path, workers=workers)
            assert result.ok, result.reason
            assert workers.failed
            assert target.fingerprint() == source.fingerprint()
    finally:
        workers.close()


def test_backup_inside_the_import_is_the_store_before_it(county, tmp_path):
    source, path = county
    with Store(tmp_path / "t.db") as target:
        create_village(target, {"name": "东门村"})
        made = []

        def backup() -> None:
            made.append(target.backup(tmp_path / "before.db"))

        assert import_file(target, path, before_merge=backup).ok
        assert len(made) == 1
        with Store(made[0]) as copy:
            assert copy.select("SELECT count(*) FROM records")[0][0] == 1
        assert target.fingerprint() != Store(made[0]).fingerprint()


def test_files_carry_the_data_version_and_the_store_has_no_base_index(county):
    source, path = county
    manifest, _ = _read(path)
    assert manifest["schema_version"] == DATA_VERSION
    names = {name for name, _ in _indexes(source)}
    assert "revisions_base" not in names and "records_kind_month" in names


def test_a_failed_backup_refuses_that_file_and_is_tried_again_for_the_next(county, tmp_path):
    source, path = county
    second = export_changes(source, tmp_path / "again.zip", full=True).path  # other bytes, same records
    calls = []

    def backup() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")

    with Store(tmp_path / "t.db") as target:
        create_village(target, {"name": "东门村"})
        before = _snapshot(target)
        first, then = importer.import_paths(target, [path, second], before_merge=backup)
        assert not first.ok and "备份没有做成" in first.reason and "No space left" in first.reason
        assert then.ok and len(calls) == 2
        assert before != _snapshot(target)


def test_a_database_error_refuses_one_file_in_chinese_and_the_batch_goes_on(county, tmp_path, monkeypatch):
    import sqlite3

    source, path = county
    second = export_changes(source, tmp_path / "again.zip", full=True).path
    real = importer._Importer._finish
    failures = [sqlite3.OperationalError("database or disk is full")]

    def finish(self, *args):  # noqa: ANN001, ANN202
        real(self, *args)  # the clock has seen the file's revisions, the history row is written...
        if failures:
            raise failures.pop()  # ...and then the disk is full

    monkeypatch.setattr(importer._Importer, "_finish", finish)
    with Store(tmp_path / "t.db") as target:
        first, then = importer.import_paths(target, [path, second])
        assert not first.ok and "磁盘已满" in first.reason
        assert then.ok and target.fingerprint() == source.fingerprint()
        assert target.clock.last >= target.select("SELECT max(rev) FROM revisions")[0][0]


def test_a_file_rolled_back_late_leaves_the_clock_where_it_was(county, tmp_path, monkeypatch):
    import sqlite3

    source, path = county
    real = importer._Importer._finish

    def finish(self, *args):  # noqa: ANN001, ANN202
        real(self, *args)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(importer._Importer, "_finish", finish)
    with Store(tmp_path / "t.db") as target:
        clock, before = target.clock.last, _snapshot(target)
        assert not import_file(target, path).ok
        assert target.clock.last == clock and _snapshot(target) == before


def test_a_leftover_temp_table_and_workers_that_cannot_start_do_not_stop_an_import(
    county, tmp_path, monkeypatch
):
    source, path = county
    _big_paths(monkeypatch)

    class NoProcesses:
        def submit(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            raise OSError(24, "Too many open files")

        def shutdown(self, **kwargs):  # noqa: ANN003, ANN202
            pass

    workers = importer.Workers(1)
    workers.pool = importer._Pool(NoProcesses(), ahead=2)  # type: ignore[arg-type]
    with Store(tmp_path / "t.db") as target:
        target.db.execute("CREATE TEMP TABLE sync_touched (id TEXT)")  # as an interrupted import leaves it
        result = import_file(target, path, workers=workers)
        assert result.ok, result.reason
        assert workers.failed and target.fingerprint() == source.fingerprint()


def test_a_refused_file_does_not_move_the_clock(county, tmp_path):
    source, path = county
    manifest, members = _read(path)
    name = manifest["members"][-1]["name"]
    members[name] = members[name] + b"{not json\n"
    manifest["members"][-1]["revisions"] += 1
    bad = _write(tmp_path / "bad.zip", manifest, members, keys.device_private_key(source), fix_hashes=True)
    with Store(tmp_path / "t.db") as target:
        clock = target.clock.last
        assert not import_file(target, bad).ok
        assert target.clock.last == clock


def test_a_conflict_whose_revisions_are_in_different_members_is_counted(tmp_path, monkeypatch):
    """A record new to the importing store whose two concurrent edits arrive in separate members: no
    member sees the fork, yet the import counts the conflict (it lists a record met again in a later
    member) and the store lists it."""
    stores = [Store(tmp_path / f"{n}.db") for n in range(4)]
    try:
        first, left, right, relay = stores
        rec = first.put("session", {"date": "2026-11-05", "format": "现场说", "venue": "祠堂"})
        start = export_changes(first, tmp_path / "start.zip").path
        for store in (left, right):
            assert import_file(store, start).ok
        left.put("session", {**rec.data, "venue": "村委会"}, id=rec.id)
        right.put("session", {**rec.data, "venue": "文化礼堂"}, id=rec.id)
        for store in (left, right):
            assert import_file(relay, export_changes(store, tmp_path / f"{store.device_id}.zip").path).ok
        monkeypatch.setattr(export_mod, "MEMBER_REVISIONS", 2)  # the start and one edit, then the other
        path = export_changes(relay, tmp_path / "relay.zip", full=True).path
        with Store(tmp_path / "fresh.db") as fresh:
            result = import_file(fresh, path)
            assert result.ok, result.reason
            assert (result.records, result.new, result.conflicts) == (1, 1, 1)
            assert import_file(fresh, path).already
    finally:
        for store in stores:
            store.close()
