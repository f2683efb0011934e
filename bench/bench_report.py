"""Printed reports: one village-month against the program's own start-up (`stats --json`), and the
township report at 10 / 100 / 400 villages to show it grows linearly.

python -m bench report
BENCH_REPORT_SIZES=10,100 python -m bench report     # skip the 400-village store
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from village_counsel.demo import run_demo
from village_counsel.reports.figures import month_report
from village_counsel.reports.monthly import render
from village_counsel.store import Store

TODAY = date(2026, 11, 20)
ENDED = date(2026, 12, 5)  # the month printed after it ended
RUNS = 5


def _cli(data: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(data), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _median(fn, runs: int = RUNS) -> float:
    return statistics.median(fn() for _ in range(runs))


def one_village(tmp: Path) -> None:
    """A realistic advisor's store (3 villages, a year) and the report of one village's month."""
    data = tmp / "village"
    with Store(data / "village-counsel.db") as store:
        run_demo(store, seed=1, villages=3, months=12, today=TODAY)
        name = store.list("village")[0]["name"]
    out = tmp / "one.pdf"
    startup = _median(lambda: _cli(data, "stats", "--json"))
    report = _median(lambda: _cli(data, "report", "--month", "2026-10", "--village", name, "-o", str(out)))
    with Store(data / "village-counsel.db") as store:
        start = time.perf_counter()
        rep = month_report(store, "2026-10", name, today=TODAY)
        figures = time.perf_counter() - start
        start = time.perf_counter()
        pdf = render(rep)
        layout = time.perf_counter() - start
    print(f"`stats --json` (start-up, median of {RUNS}): {startup * 1000:.0f} ms")
    print(
        f"`report --village` one village-month (median of {RUNS}): {report * 1000:.0f} ms "
        f"= {report / startup:.2f}x start-up (target <= 2x); in-process figures {figures * 1000:.0f} ms, "
        f"layout {layout * 1000:.0f} ms, {len(pdf) // 1024} KB"
    )


def township(tmp: Path, sizes: list[int]) -> None:
    """Township reports of one month at several sizes: seconds per village should stay flat."""
    print(
        "villages | pages | figures s | layout s | total s | ms per village | PDF MB | ended month figures s"
    )
    for n in sizes:
        data = tmp / f"t{n}"
        with Store(data / "village-counsel.db") as store:
            run_demo(store, seed=2, villages=n, months=1, today=TODAY)
            start = time.perf_counter()
            rep = month_report(store, "2026-11", today=TODAY)
            figures = time.perf_counter() - start
            start = time.perf_counter()
            pdf = render(rep)
            layout = time.perf_counter() - start
            # the same month once it has ended: 补录 and 报送 are looked for in every village
            start = time.perf_counter()
            month_report(store, "2026-11", today=ENDED)
            ended = time.perf_counter() - start
        pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
        total = figures + layout
        print(
            f"{n:>8} | {pages:>5} | {figures:>9.2f} | {layout:>8.2f} | {total:>7.2f} | "
            f"{total / n * 1000:>14.0f} | {len(pdf) / 2**20:>6.1f} | {ended:>21.2f}"
        )


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_REPORT_SIZES", "10,100,400").split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        one_village(Path(tmp))
        township(Path(tmp), sizes)


if __name__ == "__main__":
    main()
