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
