"""The security review of issue 11 through the command line: names and passphrases of any bytes, text
from files and records on the terminal, the log file (the reviewer's f12, f12b and f13 scripts)."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

from tests.e2e.test_bad_input import run
from village_counsel.store import Store
from village_counsel.sync import export_changes, keys
from village_counsel.villages import create_village


def _home(tmp_path: Path) -> dict[str, str]:
    """An environment whose log folder is under ``tmp_path``."""
    home = tmp_path / "home"
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }


def test_names_of_any_bytes_never_give_a_traceback_and_print_on_one_line(tmp_path):
    env = _home(tmp_path)
    data = tmp_path / "d"
    assert run(data, "demo", "--villages", "1", "--months", "1", env=env).returncode == 0
    base = os.fsencode(tmp_path)
    assert run(data, "export", "-o", base + b"/e\xff.zip", env=env).returncode == 0
    refused = run(data, "import", base + b"/z\xff\n.zip", env=env)
    assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
    backed = run(data, "backup", "-o", base + b"/b\xff\n.db", env=env)
    assert backed.returncode == 0 and b"b\\xff\\x0a.db" in backed.stdout
    listed = run(data, "backup", "--list", env=env)
    assert listed.returncode == 0 and b"\x1b" not in listed.stdout
    # the store has exported: the restore writes the backup's name into its export log
    restored = run(data, "restore", base + b"/b\xff\n.db", env=env)
    assert restored.returncode == 0 and len(restored.stdout.splitlines()) == 1, restored.stdout
    report = run(data, "report", "--month", "2026-11", "-o", base + b"/r\n\x1b[1m.pdf", env=env)
    assert b"\x1b" not in report.stdout + report.stderr and len(report.stdout.splitlines()) == 1
    assert run(data, "keys", "office-init", env=env).returncode == 0
    office = run(data, "keys", "office-export", "-o", base + b"/o\n\x1b[1m.key", env=env)
    assert office.returncode == 0 and b"\x1b" not in office.stdout and len(office.stdout.splitlines()) == 1
    nowhere = run(b"/tmp/nowhere\x1b[2J", "stats", env=env)
    assert nowhere.returncode == 1 and b"\x1b" not in nowhere.stderr
    # the log: the user's only, every name escaped on its line
    (log,) = Path(env["XDG_STATE_HOME"]).rglob("village-counsel.log")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_bytes()
    assert b"\x1b" not in text and b"e\\xff.zip" in text


def test_a_passphrase_comes_from_standard_input_and_may_have_any_bytes(tmp_path):
    data = tmp_path / "d"
    assert run(data, "demo", "--villages", "1", "--months", "1").returncode == 0
    weak = run(data, "keys", "export-private", "-o", str(tmp_path / "k.keys"), "--passphrase", "12345678")
    assert weak.returncode == 1 and "口令太短" in weak.stderr.decode()
    odd = b"\xff\xa1\xfd\xb3\xfb\xc7\xf9\xd8\xf7\xe6"
    made = run(data, "keys", "export-private", "-o", str(tmp_path / "k.keys"), "--passphrase", odd)
    assert made.returncode == 0 and "命令行" in made.stderr.decode()  # warned: it stays in the history
    assert json.loads((tmp_path / "k.keys").read_text())["kdf"] == "scrypt-n131072-r8-p1"
    piped = tmp_path / "pass.txt"
    piped.write_bytes(odd + b"\n")
    with piped.open("rb") as stdin:
        import subprocess
        import sys

        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "village_counsel",
                "--data-dir",
                str(tmp_path / "new"),
                "keys",
                "import-private",
                str(tmp_path / "k.keys"),
                "--passphrase",
            ],
            stdin=stdin,
            capture_output=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr.decode()
    with Store(data / "village-counsel.db") as old, Store(tmp_path / "new" / "village-counsel.db") as new:
        assert new.device_id == old.device_id
    empty = run(tmp_path / "other", "keys", "import-private", str(tmp_path / "k.keys"), "--passphrase")
    assert empty.returncode == 1 and "没有读到口令" in empty.stderr.decode()


def test_text_from_an_unverified_file_cannot_forge_a_line(tmp_path):
    """f12: the encryption block of a self-signed file carries a line break and escape codes."""
    with (
        Store(tmp_path / "office" / "village-counsel.db") as office,
        Store(tmp_path / "m" / "village-counsel.db") as m,
    ):
        keys.office_init(office, "西周镇司法所")
        create_village(m, {"name": "陌生村"})
        path = export_changes(m, tmp_path / "m.zip", office=keys.office_key(office)).path
        with zipfile.ZipFile(path) as zf:
            items = {n: zf.read(n) for n in zf.namelist()}
        manifest = json.loads(items["manifest.json"])
        manifest["encryption"]["office_name"] = "东陈乡司法所”\n导入完成：新增 0（全部正常）\x1b[8m"
        raw = json.dumps(manifest, ensure_ascii=False).encode()
        items["manifest.json"], items["manifest.sig"] = raw, keys.b64(keys.sign(m, raw)).encode()
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        for name, body in items.items():
            zf.writestr(name, body)
    proc = run(tmp_path / "lone", "import", str(tmp_path / "evil.zip"))
    assert proc.returncode == 1
    assert len(proc.stderr.splitlines()) == 1 and b"\x1b" not in proc.stderr
    assert "\\x0a" in proc.stderr.decode()


def test_text_of_a_synced_record_cannot_forge_a_line(tmp_path):
    """f12b: a village name with a line break and escape codes: refused by the form and by an import,
    and escaped by sync-status should a store hold one (written before the check)."""
    import pytest

    from village_counsel.errors import ValidationError

    bad = "上张村\n本月未同步的村：无\x1b[8m"
    with Store(tmp_path / "x" / "village-counsel.db") as x:
        with pytest.raises(ValidationError, match="控制字符"):
            create_village(x, {"name": bad})
        x.put("village", {"name": bad})
        forged = export_changes(x, tmp_path / "x.zip").path
    proc = run(tmp_path / "lone", "import", str(forged))
    assert proc.returncode == 1 and "字段不合格" in proc.stderr.decode()
    with Store(tmp_path / "lone" / "village-counsel.db") as lone:
        lone.put("village", {"name": bad})
    status = run(tmp_path / "lone", "sync-status")
    assert b"\x1b" not in status.stdout and "上张村\\x0a" in status.stdout.decode()


def test_on_a_terminal_enroll_asks_for_the_fingerprint_read_out_on_the_phone(tmp_path):
    import pty
    import subprocess
    import sys

    with Store(tmp_path / "a" / "village-counsel.db") as a:
        from village_counsel.villages import set_profile

        set_profile(a, {"name": "王律师", "firm": "象山律师事务所"})
        (tmp_path / "req.json").write_text(json.dumps(keys.make_request(a), ensure_ascii=False))
        said = keys.key_fingerprint(keys.device_public_key(a))
    assert run(tmp_path / "office", "keys", "office-init", "--name", "西周镇司法所").returncode == 0
    for typed, code in (("1111 2222 3333 4444", 1), (said, 0)):
        main, terminal = pty.openpty()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "village_counsel",
                "--data-dir",
                str(tmp_path / "office"),
                "keys",
                "enroll",
                str(tmp_path / "req.json"),
                "-o",
                str(tmp_path / "cert.json"),
            ],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.close(terminal)
        os.write(main, typed.encode() + b"\n")
        out, err = proc.communicate(timeout=60)
        os.close(main)
        assert proc.returncode == code, err.decode()
        assert "在此输入" in out.decode() and "王律师" in out.decode()
        assert (tmp_path / "cert.json").exists() == (code == 0)
