"""The command line end to end, as a person runs it: ``python -m village_counsel --data-dir DIR COMMAND``."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from village_counsel.cli import build_parser
from village_counsel.paths import STORE_FILE
from village_counsel.store import SCHEMA_VERSION, Store


def run(data_dir: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


def _stats(data_dir: Path, *extra: str) -> dict:
    proc = run(data_dir, "stats", "--json", *extra)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    proc = run(data_dir, "demo", "--villages", "3", "--months", "2")
    assert proc.returncode == 0, proc.stderr
    assert "演示数据：3 个村" in proc.stdout
    _no_traceback(proc)
    return data_dir


def _copy(demo_dir: Path, dest: Path) -> Path:
    """A copy of the demo store made with SQLite's backup API."""
    with Store(demo_dir / STORE_FILE) as s:
        s.backup(dest / STORE_FILE)
    return dest


# --- demo and stats -------------------------------------------------------------------------------------


def test_demo_then_stats_shows_every_kind_for_three_villages(demo_dir):
    data = _stats(demo_dir)
    counts = ("sessions", "matters", "power_exercises", "checklist_entries")
    assert all(data["totals"][k] > 0 for k in counts), data["totals"]
    assert len(data["villages"]) == 3
    for name, per_village in data["villages"].items():
        assert all(per_village[k] > 0 for k in counts), (name, per_village)
    for k in counts:
        assert data["totals"][k] == sum(v[k] for v in data["villages"].values())
    months = data["months"]
    assert len(months) == 2 and months == sorted(months)
    assert all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m) for m in months)
    assert re.fullmatch(r"[0-9a-f]{64}", data["fingerprint"])


def test_stats_month_filters(demo_dir):
    whole = _stats(demo_dir)
    first, second = whole["months"]
    a, b = _stats(demo_dir, "--month", first), _stats(demo_dir, "--month", second)
    assert a["month"] == first and b["month"] == second
    for k, total in whole["totals"].items():
        if k == "power_exercises":  # an exercise counts in every month it had a step or its review
            assert total <= a["totals"][k] + b["totals"][k] <= 2 * total, k
            continue
        assert a["totals"][k] + b["totals"][k] == total, k
    assert a["totals"]["sessions"] > 0 and b["totals"]["sessions"] > 0
    empty = _stats(demo_dir, "--month", "1999-01")
    assert set(empty["totals"].values()) == {0}
    assert len(empty["villages"]) == 3 and empty["months"] == whole["months"]
    assert empty["fingerprint"] == whole["fingerprint"]  # the store's, whatever the month


def test_stats_without_json_is_readable(demo_dir):
    proc = run(demo_dir, "stats")
    assert proc.returncode == 0
    assert proc.stdout.startswith("说事会 ") and "指纹 " in proc.stdout
    assert proc.stdout.count("：说事会 ") == 3  # one line per village


def test_stats_does_not_change_the_store(demo_dir):
    assert _stats(demo_dir)["fingerprint"] == _stats(demo_dir)["fingerprint"]


def test_same_seed_on_copies_gives_the_same_fingerprint(demo_dir, tmp_path):
    one = _copy(demo_dir, tmp_path / "one")
    two = _copy(demo_dir, tmp_path / "two")
    for data_dir in (one, two):
        proc = run(data_dir, "demo", "--seed", "42", "--months", "1")
        assert proc.returncode == 0, proc.stderr
    s1, s2 = _stats(one), _stats(two)
    assert s1["fingerprint"] == s2["fingerprint"] != _stats(demo_dir)["fingerprint"]
    assert len(s1["months"]) == 3  # continued for the month after the latest
    assert s1["villages"].keys() == _stats(demo_dir)["villages"].keys()


# --- check ----------------------------------------------------------------------------------------------


def test_check_is_clean_after_demo(demo_dir):
    proc = run(demo_dir, "check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "检查通过：数据完整，未发现问题。"
    _no_traceback(proc)


def test_check_on_a_new_store_is_clean(tmp_path):
    assert run(tmp_path / "new", "keys").returncode == 0  # creates the store and this device's identity
    proc = run(tmp_path / "new", "check")
    assert proc.returncode == 0 and "检查通过" in proc.stdout


def test_a_mistyped_data_dir_is_refused_not_created(tmp_path):
    for args in (
        ["check"],
        ["stats", "--json"],
        ["report", "--month", "2026-11", "-o", str(tmp_path / "r.pdf")],
    ):
        proc = run(tmp_path / "typo", *args)
        assert proc.returncode == 1 and "还没有数据文件" in proc.stderr, proc.stderr
        _no_traceback(proc)
    assert not (tmp_path / "typo").exists()


def test_check_reports_each_problem_on_one_line(demo_dir, tmp_path):
    data_dir = _copy(demo_dir, tmp_path / "broken")
    conn = sqlite3.connect(data_dir / STORE_FILE)
    matter_id = conn.execute("SELECT id FROM records WHERE kind = 'matter' ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute(
        "UPDATE records SET data = json_set(data, '$.session_id', 'lost-session') WHERE id = ?", [matter_id]
    )
    entry_id = conn.execute(
        "SELECT id FROM records WHERE kind = 'service_entry' ORDER BY id LIMIT 1"
    ).fetchone()[0]
    conn.execute("UPDATE records SET village_id = 'lost-village' WHERE id = ?", [entry_id])
    conn.commit()
    conn.close()
    proc = run(data_dir, "check")
    assert proc.returncode == 1
    _no_traceback(proc)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2, lines
    assert any(matter_id in line and "所属说事会 lost-session 不存在" in line for line in lines)
    assert any(entry_id in line and "所属村 lost-village 不存在" in line for line in lines)
    assert "检查通过" not in proc.stdout


# --- refusals and usage errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("stats", "--json", "--month", "2026-13"),
        ("stats", "--month", "2026-1"),
        ("stats", "--month", "十一月"),
        ("demo", "--villages", "0"),
        ("demo", "--villages", "x"),
        ("demo", "--villages", "-3"),
        ("demo", "--months", "0"),
        ("demo", "--seed", "abc"),
        ("no-such-command",),
        ("stats", "--bogus"),
    ],
)
def test_bad_arguments_exit_2_without_traceback(tmp_path, args):
    proc = run(tmp_path / "data", *args)
    assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
    _no_traceback(proc)
    assert "参数错误" in proc.stderr
    assert not (tmp_path / "data" / STORE_FILE).exists()  # nothing was opened or created


def test_bad_month_message_is_chinese(tmp_path):
    proc = run(tmp_path, "stats", "--json", "--month", "2026-13")
    assert "月份应为 YYYY-MM" in proc.stderr and "2026-13" in proc.stderr


def test_newer_schema_store_is_refused_and_untouched(tmp_path):
    path = tmp_path / STORE_FILE
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for command in (("stats", "--json"), ("check",), ("demo",)):
        proc = run(tmp_path, *command)
        assert proc.returncode == 1, (command, proc.stderr)
        _no_traceback(proc)
        assert "更新版本的程序" in proc.stderr and "文件未作任何改动" in proc.stderr
        assert proc.stdout == ""
    assert path.read_bytes() == before


def test_damaged_store_is_refused_in_chinese(tmp_path):
    (tmp_path / STORE_FILE).write_bytes(b"not a database at all " * 200)
    proc = run(tmp_path, "stats", "--json")
    assert proc.returncode == 1
    _no_traceback(proc)
    assert "数据文件" in proc.stderr


def test_data_dir_that_is_a_file_is_refused_in_chinese(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    proc = run(blocker, "stats", "--json")
    assert proc.returncode == 1
    _no_traceback(proc)
    assert any("\u4e00" <= c <= "\u9fff" for c in proc.stderr)


# --- help -------------------------------------------------------------------------------------------------


def _commands() -> list[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    return sorted(subparsers.choices)


def test_the_three_foundation_commands_exist():
    assert {"demo", "stats", "check"} <= set(_commands())


@pytest.mark.parametrize("command", [None, *_commands()])
def test_every_command_has_help(tmp_path, command):
    args = ("--help",) if command is None else (command, "--help")
    proc = run(tmp_path, *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("用法：") and proc.stderr == ""
    assert any("\u4e00" <= c <= "\u9fff" for c in proc.stdout)  # described in Chinese
    # Every option's description is Chinese too (argparse's own --version help is English unless given).
    for line in proc.stdout.splitlines():
        parts = re.split(r"\s{2,}", line.strip())
        if line.startswith("  -") and len(parts) > 1:
            assert any("\u4e00" <= c <= "\u9fff" for c in parts[-1]), line
    if command is None:
        for name in _commands():
            assert name in proc.stdout


def test_version(tmp_path):
    proc = run(tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout.startswith("village-counsel ")


def test_a_second_writer_waits_for_the_first_and_says_so(tmp_path):
    assert run(tmp_path, "keys").returncode == 0  # creates the store
    holder = sqlite3.connect(tmp_path / STORE_FILE, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program (the window, say) is writing
        proc = subprocess.Popen(
            [sys.executable, "-m", "village_counsel", "--data-dir", str(tmp_path), "demo"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2.5)
        assert proc.poll() is None  # it waits, it does not fail on the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "正被另一个程序写入" in err and "等待" in err and "Traceback" not in err
    assert "演示数据" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("import", ""), "路径不能为空"),  # would have imported every file in the current folder
        (("export", "-o", " "), "路径不能为空"),
        (("restore", ""), "备份文件不能为空"),
        (("report", "--month", "2026-11", "--village", "", "-o", "x.pdf"), "村名不能为空"),
        (("report", "--month", "2026-11", "-o", "长" * 300 + ".pdf"), "文件名或路径过长"),
        (("stats", "--month", "2026-٠٩"), "月份应为 YYYY-MM"),  # other scripts' digits
    ],
)
def test_empty_or_impossible_arguments_are_usage_errors(tmp_path, args, says):
    proc = run(tmp_path, *args)
    _no_traceback(proc)
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr


def test_an_empty_data_dir_is_not_the_default_store(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", "", "stats"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "数据目录不能为空" in proc.stderr


def test_full_width_digits_in_a_month_are_read_as_digits(tmp_path):
    assert run(tmp_path, "demo", "--villages", "1", "--months", "1").returncode == 0
    month = date.today().isoformat()[:7]
    wide = month.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    plain, full = (
        run(tmp_path, "stats", "--json", "--month", month),
        run(tmp_path, "stats", "--json", "--month", wide),
    )
    assert full.returncode == 0 and json.loads(full.stdout) == json.loads(plain.stdout)


def test_no_display_is_one_chinese_line_not_an_abort(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1 and "无法启动图形界面" in proc.stderr and "DISPLAY" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 2
