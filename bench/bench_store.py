"""Store scale: demo generation rate, `stats --json` start-up, `check` at township and county scale.

python -m bench store            # 30 villages x 12 months
BENCH_VILLAGES=400 python -m bench store
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from village_counsel.demo import run_demo
from village_counsel.stats import check, stats
from village_counsel.store import Store


def _cli(data: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(data), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    villages = int(os.environ.get("BENCH_VILLAGES", "30"))
    months = int(os.environ.get("BENCH_MONTHS", "12"))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with Store(data / "village-counsel.db") as store:
            start = time.perf_counter()
            result = run_demo(store, seed=1, villages=villages, months=months)
            took = time.perf_counter() - start
            records = sum(result.created.values())
            print(
                f"demo {villages} villages x {months} months: {records} records in {took:.1f} s "
                f"({records / took:.0f} records/s)"
            )
            start = time.perf_counter()
            stats(store)
            print(f"stats() in-process: {(time.perf_counter() - start) * 1000:.0f} ms")
            start = time.perf_counter()
            problems = check(store)
            print(f"check(): {(time.perf_counter() - start) * 1000:.0f} ms, {len(problems)} problems")
        size = (data / "village-counsel.db").stat().st_size
        print(f"store size: {size / 2**20:.1f} MiB")
        runs = sorted(_cli(data, "stats", "--json") for _ in range(5))
        print(f"`stats --json` wall time (median of 5, start-up included): {runs[2] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
