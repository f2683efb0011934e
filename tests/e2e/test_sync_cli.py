"""Sync from the command line, as people run it: export, import, keys, sync-status, conflicts, resolve."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(data_dir), *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def fingerprint(data_dir: Path) -> str:
    proc = run(data_dir, "stats", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["fingerprint"]


@pytest.fixture(scope="module")
def laptop(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("laptop")
    assert run(data, "demo", "--villages", "2", "--months", "1").returncode == 0
    return data


@pytest.mark.parametrize(
    "command",
    [
        ["export"],
        ["import"],
        ["keys"],
        ["keys", "office-init"],
        ["keys", "office-export"],
        ["sync-status"],
        ["conflicts"],
        ["resolve"],
    ],
)
def test_every_sync_command_has_help(tmp_path, command):
    proc = run(tmp_path, *command, "--help")
    assert proc.returncode == 0 and "用法：" in proc.stdout


def test_usage_errors_exit_2(tmp_path):
    assert run(tmp_path, "import").returncode == 2
    assert run(tmp_path, "export").returncode == 2
    assert run(tmp_path, "keys", "office-export").returncode == 2


def test_keys_shows_device_and_fingerprint(tmp_path):
    proc = run(tmp_path, "keys")
    assert proc.returncode == 0
    assert "设备编号" in proc.stdout and "公钥指纹" in proc.stdout
    again = run(tmp_path, "keys")
    assert again.stdout == proc.stdout  # the key is made once and kept


def test_export_import_round_trip_and_batch_with_bad_file(laptop, tmp_path):
    office = tmp_path / "office"
    out = run(laptop, "export", "-o", str(tmp_path / "usb" / "first.zip"))
    assert out.returncode == 0 and "完整" in out.stdout
    (tmp_path / "usb" / "broken.zip").write_bytes(b"PK\x03\x04 broken")
    proc = run(office, "import", str(tmp_path / "usb"))
    assert proc.returncode == 1
    assert "first.zip：新增" in proc.stdout
    assert "broken.zip：已拒绝：" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert fingerprint(office) == fingerprint(laptop)
    again = run(office, "import", str(tmp_path / "usb" / "first.zip"))
    assert again.returncode == 0 and "已导入过" in again.stdout
    status = json.loads(run(office, "sync-status", "--json").stdout)
    assert len(status["devices"]) == 1 and status["devices"][0]["missing"] == []
    assert all(v["synced_this_month"] for v in status["villages"])


def test_gap_is_reported(laptop, tmp_path):
    township = tmp_path / "township"
    run(laptop, "export", "--full", "-o", str(tmp_path / "a.zip"))
    run(laptop, "export", "-o", str(tmp_path / "b.zip"))
    run(laptop, "export", "-o", str(tmp_path / "c.zip"))
    assert run(township, "import", str(tmp_path / "a.zip")).returncode == 0
    proc = run(township, "import", str(tmp_path / "c.zip"))
    assert proc.returncode == 0 and "缺少第" in proc.stdout
    status = json.loads(run(township, "sync-status", "--json").stdout)
    (device,) = status["devices"]
    assert len(device["missing"]) == 1


def test_encrypted_to_office(laptop, tmp_path):
    office, stranger = tmp_path / "office", tmp_path / "stranger"
    init = run(office, "keys", "office-init", "--name", "西周镇司法所")
    assert init.returncode == 0 and "西周镇司法所" in init.stdout
    assert run(office, "keys", "office-init").returncode == 1
    assert run(office, "keys", "office-export", "-o", str(tmp_path / "office.json")).returncode == 0
    assert run(stranger, "keys", "office-export", "-o", str(tmp_path / "x.json")).returncode == 1
    # enrolment: the laptop asks, the office enrols it, the laptop installs its certificate
    asked = run(laptop, "keys", "request", "-o", str(tmp_path / "req.json"))
    assert asked.returncode == 0, asked.stderr
    said = asked.stdout.split("核对本机公钥指纹：")[1].strip()  # what the advisor reads out on the phone
    enroll = ("keys", "enroll", str(tmp_path / "req.json"), "-o", str(tmp_path / "cert.json"))
    unchecked = run(office, *enroll)  # no terminal to type it and no --fingerprint: nothing is signed
    assert unchecked.returncode == 1 and "--fingerprint" in unchecked.stderr
    wrong = run(office, *enroll, "--fingerprint", "0000 0000 0000 0000")
    assert wrong.returncode == 1 and "指纹不符" in wrong.stderr and not (tmp_path / "cert.json").exists()
    enrolled = run(office, *enroll, "--fingerprint", said.lower().replace(" ", ""))
    assert enrolled.returncode == 0 and "指纹相符" in enrolled.stdout, enrolled.stderr
    installed = run(laptop, "keys", "install", str(tmp_path / "cert.json"))
    assert installed.returncode == 0 and "西周镇司法所" in installed.stdout, installed.stderr
    sealed = run(
        laptop, "export", "--full", "--to", str(tmp_path / "office.json"), "-o", str(tmp_path / "s.zip")
    )
    assert sealed.returncode == 0 and "已加密给司法所" in sealed.stdout
    assert run(office, "import", str(tmp_path / "s.zip")).returncode == 0
    assert fingerprint(office) == fingerprint(laptop)
    refused = run(stranger, "import", str(tmp_path / "s.zip"))
    assert refused.returncode == 1 and "本机没有该司法所的私钥" in refused.stderr
    missing = run(laptop, "export", "--to", str(tmp_path / "none.json"), "-o", str(tmp_path / "n.zip"))
    assert missing.returncode == 1 and "找不到司法所公钥文件" in missing.stderr


def test_conflicts_and_resolve(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(a, "demo", "--villages", "1", "--months", "1").returncode == 0
    run(a, "export", "-o", str(tmp_path / "a1.zip"))
    run(b, "import", str(tmp_path / "a1.zip"))
    # the same village edited on both sides
    code = (
        "import sys; from village_counsel.store import Store; from village_counsel.villages import *;"
        "s = Store(sys.argv[1]); v = list_villages(s)[0]; update_village(s, v.id, {'households': int(sys.argv[2])})"
    )
    for data, n in ((a, 111), (b, 222)):
        subprocess.run([sys.executable, "-c", code, str(data / "village-counsel.db"), str(n)], check=True)
    run(a, "export", "-o", str(tmp_path / "a2.zip"))
    run(b, "export", "-o", str(tmp_path / "b1.zip"))
    assert "冲突 1" in run(a, "import", str(tmp_path / "b1.zip")).stdout
    assert "冲突 1" in run(b, "import", str(tmp_path / "a2.zip")).stdout
    listed = json.loads(run(a, "conflicts", "--json").stdout)
    assert listed == json.loads(run(b, "conflicts", "--json").stdout) and len(listed) == 1
    losing = listed[0]["losing"]
    text = run(a, "conflicts").stdout  # in words, with the command that keeps the other version
    assert text.startswith("村“") and "village " not in text
    assert (
        f"village-counsel --data-dir {a} resolve {listed[0]['id']} {losing['rev']} {losing['origin']}" in text
    )
    status = run(a, "sync-status").stdout
    assert "+00:00" not in status and "年" in status  # times in local time, as people read them
    assert run(a, "resolve", listed[0]["id"], "bad-rev", "x").returncode == 1
    done = run(a, "resolve", listed[0]["id"], losing["rev"], losing["origin"])
    assert done.returncode == 0 and "已处理冲突" in done.stdout
    assert "没有待处理" in run(a, "conflicts").stdout
    run(a, "export", "-o", str(tmp_path / "a3.zip"))
    run(b, "import", str(tmp_path / "a3.zip"))
    assert json.loads(run(b, "conflicts", "--json").stdout) == []
    assert fingerprint(a) == fingerprint(b)


@pytest.mark.slow
def test_real_size_round_trip(tmp_path):
    """demo --villages 40 --months 12 → export → import into an empty store → equal fingerprints."""
    source, empty = tmp_path / "source", tmp_path / "empty"
    assert run(source, "demo", "--villages", "40", "--months", "12").returncode == 0
    out = run(source, "export", "-o", str(tmp_path / "county.zip"))
    assert out.returncode == 0
    proc = run(empty, "import", "--no-backup", str(tmp_path / "county.zip"))
    assert proc.returncode == 0, proc.stderr
    assert fingerprint(empty) == fingerprint(source)
    check = run(empty, "check")
    assert check.returncode == 0, check.stdout


def test_a_refused_import_makes_no_backup(tmp_path):
    store_dir = tmp_path / "s"
    assert run(store_dir, "demo").returncode == 0
    bad = tmp_path / "garbage.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    proc = run(store_dir, "import", str(bad))
    assert proc.returncode == 1
    assert not list((store_dir / "backups").glob("*import*"))
