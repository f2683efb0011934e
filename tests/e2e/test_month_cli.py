"""Issue 12 on the command line: villages by code, submit, township scope, sync-status submissions and
every bad input (one Chinese line, exit 1; exit 2 for a malformed argument; nothing changed). "Today" is
fixed with VILLAGE_COUNSEL_TODAY, never read from the system clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from village_counsel.paths import STORE_FILE
from village_counsel.store import Store


def run(data_dir: Path, *args: str, today: str = "2026-12-05") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VILLAGE_COUNSEL_TODAY": today}
    return subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


def refused(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip() and not line.startswith("用法")]
    assert lines, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def fingerprint(data_dir: Path) -> str:
    with Store(data_dir / STORE_FILE) as store:
        return store.fingerprint()


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    """A 司法所 store of 西周镇 holding two of its villages and one of 石浦镇, with November's work."""
    data = tmp_path_factory.mktemp("office")
    for code in ("330225102201", "330225102202", "330225101201"):
        ok(run(data, "villages", "add", code, today="2026-10-20"))
    ok(run(data, "demo", "--months", "2", "--seed", "4", today="2026-11-30"))
    ok(run(data, "keys", "office-init", "--township", "西周镇"))
    return data


def test_villages_add_list_and_the_bad_codes(tmp_path):
    data = tmp_path / "v"
    out = ok(run(data, "villages", "add", "330225102201"))
    assert "弘瀛村" in out and "330225102201" in out
    before = fingerprint(data)
    refused(run(data, "villages", "add", "330225102201"), 1, "已经添加过")
    refused(run(data, "villages", "add", "330225102"), 1, "西周镇", "不是村")  # a township's 9 digits
    refused(run(data, "villages", "add", "339999999999"), 1, "没有代码")
    refused(run(data, "villages", "add", "上张村"), 2, "参数错误")  # not a code at all
    refused(run(data, "villages", "add"), 2, "参数错误")
    assert fingerprint(data) == before
    ok(run(data, "villages", "add", "--name", "上张村", "--township", "西周镇"))
    rows = json.loads(ok(run(data, "villages", "list", "--json")))
    assert [sorted(r) for r in rows] == [["code", "county", "id", "name", "township"]] * 2
    assert {(r["name"], r["code"], r["township"], r["county"]) for r in rows} == {
        ("弘瀛村", "330225102201", "西周镇", "象山县"),
        ("上张村", None, "西周镇", None),
    }


def test_villages_merge_and_its_refusals(tmp_path):
    data = tmp_path / "m"
    ok(run(data, "villages", "add", "--name", "上张村", "--township", "西周镇"))
    ok(run(data, "villages", "add", "--name", "下张村", "--township", "西周镇"))
    ok(run(data, "demo", "--months", "1", today="2026-11-20"))
    rows = {r["name"]: r["id"] for r in json.loads(ok(run(data, "villages", "list", "--json")))}
    before = fingerprint(data)
    refused(run(data, "villages", "merge", "上张村", "上张村"), 1, "它自己")
    refused(run(data, "villages", "merge", "上张村", "没有的村"), 1, "没有名为")
    assert fingerprint(data) == before
    out = ok(run(data, "villages", "merge", rows["上张村"], rows["下张村"]))
    assert "合并" in out
    after = json.loads(ok(run(data, "villages", "list", "--json")))
    assert [r["id"] for r in after] == [rows["上张村"]]
    stats = json.loads(ok(run(data, "stats", "--json")))
    assert list(stats["villages"]) == ["上张村"]
    # the merged village's id still names a village: the one it was merged into
    ok(run(data, "report", "--month", "2026-11", "--village", rows["下张村"], "-o", str(tmp_path / "r.pdf")))
    ok(run(data, "check"))


def test_submit_and_its_refusals(office, tmp_path):
    before = fingerprint(office)
    refused(run(office, "submit", "--month", "2026-12"), 1, "尚未结束")
    refused(run(office, "submit", "--month", "2026-11", "--village", "没有的村"), 1, "没有名为")
    refused(run(office, "submit", "--month", "2026-13"), 2, "参数错误")
    assert fingerprint(office) == before
    out = ok(
        run(office, "submit", "--month", "2026-11", "--village", "弘瀛村", "--output-dir", str(tmp_path))
    )
    assert "已报送 弘瀛村 2026年11月" in out and list(tmp_path.glob("弘瀛村-2026-11-报送.pdf"))
    after = fingerprint(office)
    refused(run(office, "submit", "--month", "2026-11", "--village", "弘瀛村"), 1, "已经报送过")
    refused(run(office, "submit", "--month", "2026-11"), 1, "弘瀛村", "已经报送过")  # all or nothing
    assert fingerprint(office) == after
    status = json.loads(ok(run(office, "sync-status", "--json")))
    assert {"device", "devices", "villages", "submissions"} <= set(status)  # keys added, existing kept
    november = {s["village"]: s for s in status["submissions"] if s["month"] == "2026-11"}
    assert november["弘瀛村"]["state"] == "submitted" and november["弘瀛村"]["submitted_at"]
    assert november["东瀛村"]["state"] == "not_submitted"
    text = ok(run(office, "sync-status"))
    assert "2026-11 月报报送" in text and "东瀛村 未报送" in text


def test_an_office_report_covers_its_township_alone(office, tmp_path):
    out = tmp_path / "t.pdf"
    ok(run(office, "report", "--month", "2026-11", "-o", str(out)))
    import pypdf

    text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert "西周镇村法律顾问工作月报（汇总）" in text and "共 2 个村" in text
    assert "石北村" not in text and "石浦镇" not in text
    assert "西周镇司法所" in text
    other = tmp_path / "s.pdf"
    ok(run(office, "report", "--month", "2026-11", "--township", "330225101", "-o", str(other)))
    text = "".join(p.extract_text() for p in pypdf.PdfReader(other).pages)
    assert "石北村" in text and "弘瀛村" not in text and "石浦镇司法所" in text
    refused(
        run(office, "report", "--month", "2026-11", "--township", "墙头镇", "-o", str(other)), 1, "墙头镇"
    )
    refused(run(office, "keys", "office-init", "--township", "123"), 1, "乡镇")


def test_stats_of_a_month_counts_exercises_in_every_month_they_ran(office):
    with Store(office / STORE_FILE) as store:
        from village_counsel import powers

        expected = sum(len(powers.exercises_in_month(store, v.id, "2026-11")) for v in store.list("village"))
        started = len(store.list("power_exercise", month="2026-11"))
    stats = json.loads(ok(run(office, "stats", "--json", "--month", "2026-11")))
    assert stats["totals"]["power_exercises"] == expected >= started
