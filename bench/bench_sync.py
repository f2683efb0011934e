"""Sync at county scale: full export and import into an empty store, against the floor of a bare sqlite3
``executemany`` of as many rows in one transaction, measured in the same run. Export and import each run
in a fresh subprocess, which reports its own peak memory (ru_maxrss: Python heap plus SQLite's page cache;
tracemalloc is not used for the timed runs, it slows allocation several times over).

python -m bench sync                                   # demo 400 villages x 12 months (several minutes)
BENCH_VILLAGES=40 python -m bench sync                 # quicker
BENCH_SYNC_STORE=/path/village-counsel.db python -m bench sync   # reuse a store (it is copied, not changed)
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 3.0
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGET_MIB = 200


def _phase(kind: str, store_path: str, file_path: str) -> None:
    """Runs in the child: one export, import or floor, then prints its numbers as JSON. Every phase has a
    process of its own, so none inherits another's memory (ru_maxrss carries over a fork)."""
    if kind in ("floor", "floor-pages"):
        rows, took = _floor(Path(store_path), Path(file_path), same_pages=kind == "floor-pages")
        print(json.dumps({"seconds": took, "rows": rows}))
        return
    from village_counsel.store import Store
    from village_counsel.sync import export_changes, import_file
    from village_counsel.sync.importer import PARALLEL_FROM, Workers

    with Store(store_path) as store:
        start = time.perf_counter()
        if kind == "export":
            result = export_changes(store, file_path, full=True)
            detail = {"revisions": result.revisions, "members": result.members}
        else:
            workers = Workers()  # as the command line and the window import
            try:
                result = import_file(store, file_path, workers=workers)
            finally:
                workers.close()
            assert result.ok, result.reason
            detail = {"records": result.records, "new": result.new, "revisions": result.revisions}
        took = time.perf_counter() - start
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "seconds": took,
                "rss_mib": me.ru_maxrss / 1024,
                # the import's verification workers (ru_maxrss of children: the largest one)
                "worker_rss_mib": children.ru_maxrss / 1024,
                "workers": Workers().count
                if kind == "import" and detail.get("revisions", 0) >= PARALLEL_FROM
                else 0,
                "cpu_s": me.ru_utime + me.ru_stime,
                "worker_cpu_s": children.ru_utime + children.ru_stime,
                **detail,
            }
        )
    )


def _settle() -> None:
    os.sync()
    time.sleep(1)


def _child(kind: str, store_path: Path, file_path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_sync", kind, str(store_path), str(file_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _floor(source: Path, folder: Path, same_pages: bool = False) -> tuple[int, float]:
    """A bare executemany of every revision row into a plain table, one transaction, same journal pragmas;
    ``same_pages``: with the store's page size too (sqlite3's default is 4 KiB, a new store's 16 KiB)."""
    src = sqlite3.connect(source)
    rows = src.execute(
        "SELECT id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data, resolves"
        " FROM revisions"
    ).fetchall()
    src.close()
    for path in folder.glob("floor.db*"):
        path.unlink()
    db = sqlite3.connect(folder / "floor.db", isolation_level=None)
    if same_pages:
        from village_counsel.store import PAGE_SIZE

        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(
        "CREATE TABLE t (id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data, resolves)"
    )
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.execute("COMMIT")
    took = time.perf_counter() - start
    db.close()
    return len(rows), took


def main() -> None:
    villages = int(os.environ.get("BENCH_VILLAGES", "400"))
    months = int(os.environ.get("BENCH_MONTHS", "12"))
    reuse = os.environ.get("BENCH_SYNC_STORE")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "source.db"
        if reuse:
            with sqlite3.connect(reuse) as src, sqlite3.connect(source) as dst:
                src.backup(dst)
            print(f"store: copy of {reuse}")
        else:
            from village_counsel.demo import run_demo
            from village_counsel.store import Store

            start = time.perf_counter()
            with Store(source) as store:
                run_demo(store, seed=1, villages=villages, months=months)
            print(f"demo {villages} villages x {months} months: {time.perf_counter() - start:.0f} s")
        exported = _child("export", source, folder / "export.zip")
        size = (folder / "export.zip").stat().st_size
        print(
            f"export: {exported['revisions']} revisions, {exported['members']} members, {size / 2**20:.1f} MiB"
            f" in {exported['seconds']:.1f} s; peak RSS {exported['rss_mib']:.0f} MiB"
        )
        # The disk is shared by every phase: each timed phase starts once the previous one's writes are on
        # disk (os.sync), else the floor would pay for the import's write-back or the other way round.
        # Import and floor alternate, three times each; the medians are compared.
        imports, floors, paged = [], [], []
        for _ in range(RUNS):
            for path in folder.glob("empty*.db*"):
                path.unlink()
            _settle()
            imports.append(_child("import", folder / "empty.db", folder / "export.zip"))
            _settle()
            floored = _child("floor", source, folder)
            rows = floored["rows"]
            floors.append(floored["seconds"])
            _settle()
            paged.append(_child("floor-pages", source, folder)["seconds"])
        imports.sort(key=lambda r: r["seconds"])
        imported = imports[len(imports) // 2]
        floor = sorted(floors)[len(floors) // 2]
        floor_paged = sorted(paged)[len(paged) // 2]
        print(
            "runs: import "
            + ", ".join(f"{r['seconds']:.1f} s ({r['rss_mib']:.0f} MiB)" for r in imports)
            + "; floor "
            + ", ".join(f"{f:.1f}" for f in floors)
            + " s; floor with the store's page size "
            + ", ".join(f"{f:.1f}" for f in paged)
            + " s (medians compared)"
        )
        ratio = imported["seconds"] / floor
        # Memory of the whole import: the importing process and every worker at its peak (an upper bound:
        # shared library pages are counted once per process).
        total_mib = imported["rss_mib"] + imported["workers"] * imported["worker_rss_mib"]
        print(
            f"import into an empty store: {imported['records']} records ({imported['revisions']} revisions)"
            f" in {imported['seconds']:.1f} s with {imported['workers']} verification workers;"
            f" CPU {imported['cpu_s']:.1f} s importing process + {imported['worker_cpu_s']:.1f} s workers"
        )
        print(
            f"import memory: importing process peak RSS {imported['rss_mib']:.0f} MiB"
            f" + {imported['workers']} x {imported['worker_rss_mib']:.0f} MiB workers = {total_mib:.0f} MiB"
        )
        print(f"floor: bare executemany of {rows} rows in one transaction: {floor:.1f} s")
        print(
            f"floor with the store's page size as well: {floor_paged:.1f} s;"
            f" import / that floor = {imported['seconds'] / floor_paged:.1f}x"
        )
        verdict_time = "ok" if ratio <= TARGET_RATIO else "MISSED"
        verdict_mem = "ok" if total_mib < TARGET_MIB else "MISSED"
        print(
            f"import / floor = {ratio:.1f}x (target <= {TARGET_RATIO:g}x: {verdict_time});"
            f" import memory {total_mib:.0f} MiB (target < {TARGET_MIB} MiB: {verdict_mem})"
        )
        again = _child("import", folder / "empty.db", folder / "export.zip")  # same bytes: recognised by hash
        print(
            f"re-import of the same file (recognised by its SHA-256, nothing changes): {again['seconds']:.1f} s"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4:
        _phase(sys.argv[1], sys.argv[2], sys.argv[3])
    else:
        main()
