"""One clock per store, not per process: a window left open while another process imports never writes a
revision older than its base, and two imports of one file at once record it once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from village_counsel.clock import wall_ms
from village_counsel.store import Store
from village_counsel.sync import export_changes, import_file
from village_counsel.villages import create_village

DAY_MS = 24 * 3600 * 1000


def _cli(data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_window_open_while_another_process_imports_never_goes_back(tmp_path):
    # A colleague's laptop whose clock runs a day ahead.
    with Store(tmp_path / "colleague" / "village-counsel.db") as colleague:
        village = create_village(colleague, {"name": "上张村", "township": "西周镇", "county": "象山县"})
        ahead = colleague.put(
            "session",
            {"date": "2026-11-05", "format": "现场说"},
            village_id=village.id,
            at_ms=wall_ms() + DAY_MS,
        )
        export_changes(colleague, tmp_path / "colleague.zip")

    mine = tmp_path / "mine"
    with Store(mine / "village-counsel.db") as window:  # the window, open the whole time
        own = create_village(window, {"name": "下张村", "township": "西周镇", "county": "象山县"})
        window_clock = window.clock.last
        proc = _cli(mine, "import", str(tmp_path / "colleague.zip"))  # another process, same store
        assert proc.returncode == 0, proc.stderr
        assert window.clock.last == window_clock  # this process has not looked since

        edited = window.put("session", {"date": "2026-11-06", "format": "现场说"}, id=ahead.id)
        assert edited.base_rev == ahead.rev and edited.rev > ahead.rev
        again = window.put("village", {**own.data, "name": "下张村二组"}, id=own.id)
        assert again.rev > edited.rev  # the clock stays past everything the import brought
        assert window.get_local("clock") >= again.rev
        export_changes(window, tmp_path / "mine.zip")

    # Every other store takes the result (a revision older than its base would be refused for good).
    with Store(tmp_path / "office" / "village-counsel.db") as office:
        for name in ("colleague.zip", "mine.zip"):
            result = import_file(office, tmp_path / name)
            assert result.ok, result.reason
        assert office.find(ahead.id).rev == edited.rev
    assert _cli(mine, "check").returncode == 0


def test_two_imports_of_one_file_at_once_record_it_once(tmp_path):
    with Store(tmp_path / "source.db") as source:
        village = create_village(source, {"name": "上张村", "township": "西周镇", "county": "象山县"})
        for day in range(1, 20):
            source.put("session", {"date": f"2026-11-{day:02d}", "format": "现场说"}, village_id=village.id)
        export_changes(source, tmp_path / "f.zip")
    data = tmp_path / "target"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "village_counsel",
                "--data-dir",
                str(data),
                "import",
                str(tmp_path / "f.zip"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    with Store(data / "village-counsel.db") as target:
        assert target.select("SELECT count(*) FROM imports")[0][0] == 1
        assert target.select("SELECT count(*) FROM records WHERE kind = 'session'")[0][0] == 19
    assert _cli(data, "check").returncode == 0


def test_a_write_waits_for_another_connection_and_is_told(tmp_path):
    path = tmp_path / "s.db"
    told: list[float] = []
    with Store(path) as first, Store(path) as second:
        create_village(first, {"name": "上张村", "township": "西周镇", "county": "象山县"})
        first.begin_immediate()
        started = time.monotonic()
        Store.on_wait = lambda: told.append(time.monotonic() - started)
        try:
            threading.Timer(1.8, lambda: first.db.execute("COMMIT")).start()
            made = create_village(second, {"name": "下张村", "township": "西周镇", "county": "象山县"})
        finally:
            Store.on_wait = None
        assert made.rev and len(told) == 1 and 0.8 <= told[0] <= 1.8
        assert time.monotonic() - started >= 1.7
