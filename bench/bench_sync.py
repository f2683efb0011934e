"""Sync at county scale: full export and import into an empty store, against the floor of a bare sqlite3
``executemany`` of as many rows in one transaction, measured in the same run. Export and import each run
in a fresh subprocess, which reports its own peak memory (ru_maxrss: Python heap plus SQLite's page cache;
tracemalloc is not used for the timed runs, it slows allocation several times over).

python -m bench sync                                   # demo 400 villages x 12 months (several minutes)
BENCH_VILLAGES=40 python -m bench sync                 # quicker
BENCH_SYNC_STORE=/path/village-counsel.db python -m bench sync   # reuse a store (it is copied, not changed)
BENCH_SYNC_BASELINE=/path/to/old/checkout python -m bench sync  # also import with that code, alternating
BENCH_SYNC_RELAY=1 python -m bench sync                # the file imported is a relay's (another store's export)

Every import is measured in wall seconds and in CPU seconds (the importing process and its verification
workers together): on a shared 2-core machine the wall time is noisy, the CPU time much less so. With
``BENCH_SYNC_BASELINE`` the imports of the old code (its ``village_counsel`` imported from that folder)
and of this code alternate, and their medians are compared.
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
    if kind in FLOORS:
        rows, took = _floor(Path(store_path), Path(file_path), kind)
        me = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"seconds": took, "rows": rows, "cpu_s": me.ru_utime + me.ru_stime}))
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


def _child(kind: str, store_path: Path, file_path: Path, code: str | None = None) -> dict:
    """One phase in a process of its own; ``code``: a checkout whose ``village_counsel`` it imports."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = os.pathsep.join([code, str(Path(__file__).resolve().parent.parent)])
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_sync", kind, str(store_path), str(file_path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    got["cpu_total"] = got.get("cpu_s", 0.0) + got.get("worker_cpu_s", 0.0)
    return got


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


# The floors: a bare executemany of every revision row into a plain table in one transaction, (1) with the
# store's journal pragmas (WAL, synchronous NORMAL; sqlite3's default 4 KiB pages) — the floor this bench
# has always measured; (2) the same with the store's page size too (a new store has 16 KiB pages);
# (3) sqlite3 exactly as it comes (rollback journal, synchronous FULL, 4 KiB pages: no double write
# through a WAL, so on this machine usually the fastest).
FLOORS = {
    "floor": "WAL, 4 KiB pages",
    "floor-pages": "WAL, the store's page size",
    "floor-bare": "sqlite3 defaults",
}


def _floor(source: Path, folder: Path, kind: str) -> tuple[int, float]:
    """One floor of :data:`FLOORS`: the seconds of its executemany and commit."""
    src = sqlite3.connect(source)
    rows = src.execute(
        "SELECT id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data, resolves"
        " FROM revisions"
    ).fetchall()
    src.close()
    for path in folder.glob("floor.db*"):
        path.unlink()
    db = sqlite3.connect(folder / "floor.db", isolation_level=None)
    if kind == "floor-pages":
        from village_counsel.store import PAGE_SIZE

        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    if kind != "floor-bare":
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
        if os.environ.get("BENCH_SYNC_RELAY"):
            # what an advisor imports from the office: every revision made by another device than the signer
            _child("import", folder / "relay.db", folder / "export.zip")
            _child("export", folder / "relay.db", folder / "relayed.zip")
            (folder / "relayed.zip").replace(folder / "export.zip")
            print("the file imported is a relay's full export of it")
        # The disk is shared by every phase: each timed phase starts once the previous one's writes are on
        # disk (os.sync), else the floor would pay for the import's write-back or the other way round.
        # Import and floor alternate, three times each; the medians are compared.
        imports: list[dict] = []
        baseline = os.environ.get("BENCH_SYNC_BASELINE")
        old_imports: list[dict] = []
        floors: dict[str, list[float]] = {kind: [] for kind in FLOORS}
        floor_cpu: dict[str, list[float]] = {kind: [] for kind in FLOORS}
        rows = 0
        for _ in range(RUNS):
            for code, runs in ((None, imports), *(((baseline, old_imports),) if baseline else ())):
                for path in folder.glob("empty*.db*"):
                    path.unlink()
                _settle()
                runs.append(_child("import", folder / "empty.db", folder / "export.zip", code))
            for kind, times in floors.items():
                _settle()
                floored = _child(kind, source, folder)
                rows = floored["rows"]
                times.append(floored["seconds"])
                floor_cpu[kind].append(floored["cpu_total"])
        imports.sort(key=lambda r: r["seconds"])
        imported = imports[len(imports) // 2]
        medians = {kind: sorted(times)[len(times) // 2] for kind, times in floors.items()}
        print(
            "runs: import "
            + ", ".join(f"{r['seconds']:.1f} s ({r['rss_mib']:.0f} MiB)" for r in imports)
            + "; "
            + "; ".join(
                f"floor ({FLOORS[kind]}) " + ", ".join(f"{t:.1f}" for t in times) + " s"
                for kind, times in floors.items()
            )
            + " (medians compared)"
        )
        # Memory of the whole import: the importing process and every worker at its peak (an upper bound:
        # shared library pages are counted once per process).
        total_mib = imported["rss_mib"] + imported["workers"] * imported["worker_rss_mib"]
        print(
            f"import into an empty store: {imported['records']} records ({imported['revisions']} revisions)"
            f" in {imported['seconds']:.1f} s with {imported['workers']} verification workers;"
            f" CPU {imported['cpu_s']:.1f} s importing process + {imported['worker_cpu_s']:.1f} s workers"
        )
        cpu = _median([r["cpu_total"] for r in imports])
        print(
            "import CPU (process + workers) per run: "
            + ", ".join(f"{r['cpu_total']:.1f}" for r in imports)
            + f" s → median {cpu:.1f} s; against the floors' CPU: "
            + "; ".join(f"{FLOORS[k]} {cpu / max(_median(v), 1e-9):.1f}x" for k, v in floor_cpu.items())
        )
        if baseline:
            old_wall = _median([r["seconds"] for r in old_imports])
            old_cpu = _median([r["cpu_total"] for r in old_imports])
            new_wall = _median([r["seconds"] for r in imports])
            print(
                f"against {baseline} (runs alternated): wall {new_wall:.2f} s vs {old_wall:.2f} s"
                f" ({new_wall / old_wall - 1:+.1%}); CPU {cpu:.2f} s vs {old_cpu:.2f} s"
                f" ({cpu / old_cpu - 1:+.1%}); old CPU per run: "
                + ", ".join(f"{r['cpu_total']:.1f}" for r in old_imports)
            )
        print(
            f"import memory: importing process peak RSS {imported['rss_mib']:.0f} MiB"
            f" + {imported['workers']} x {imported['worker_rss_mib']:.0f} MiB workers = {total_mib:.0f} MiB"
        )
        ratios = {kind: imported["seconds"] / floor for kind, floor in medians.items()}
        for kind, floor in medians.items():
            verdict = "ok" if ratios[kind] <= TARGET_RATIO else "MISSED"
            print(
                f"floor ({FLOORS[kind]}): bare executemany of {rows} rows in one transaction: {floor:.1f} s;"
                f" import / floor = {ratios[kind]:.1f}x (target <= {TARGET_RATIO:g}x: {verdict})"
            )
        verdict_time = "ok" if max(ratios.values()) <= TARGET_RATIO else "MISSED"
        verdict_mem = "ok" if total_mib < TARGET_MIB else "MISSED"
        print(
            f"import / floor = {max(ratios.values()):.1f}x against the fastest floor"
            f" (target <= {TARGET_RATIO:g}x: {verdict_time});"
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
