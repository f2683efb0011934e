"""Bad input everywhere (issue 11): names of any bytes are shown escaped on one line, a folder import goes
on past any bad file, outputs that are not regular files are refused before anything is written, a
failed or killed export never frees its number or leaves a part file, import workers die with their
parent."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from village_counsel.store import Store
from village_counsel.sync import export_changes
from village_counsel.villages import create_village


def run(data_dir: Path | bytes, *args: str | bytes, **kw: object) -> subprocess.CompletedProcess[bytes]:
    """The command line on ``data_dir``; whatever the input, never a traceback or a logging error."""
    proc = subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", data_dir, *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        **kw,  # type: ignore[arg-type]
    )
    both = proc.stdout + proc.stderr
    assert b"Traceback" not in both and b"Logging error" not in both, both.decode("utf-8", "replace")
    return proc


def _export(tmp_path: Path, name: str, village: str) -> Path:
    with Store(tmp_path / f"src-{name}" / "village-counsel.db") as source:
        create_village(source, {"name": village})
        return export_changes(source, tmp_path / f"{name}.zip").path


def _utf8_flagged_garbage(path: Path, good: Path) -> Path:
    """A copy of ``good`` with one member name flagged UTF-8 but not UTF-8."""
    with zipfile.ZipFile(good) as zf, zipfile.ZipFile(path, "w") as out:
        for info in zf.infolist():
            data = zf.read(info)
            out.writestr("xé.jsonl" if info.filename.startswith("records") else info.filename, data)
    path.write_bytes(path.read_bytes().replace("é".encode(), b"\xff\xfe"))
    return path


def test_a_folder_import_goes_on_past_every_bad_file_and_names_each_on_one_line(tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    good = _export(tmp_path, "good", "上张村")
    (folder / "good.zip").write_bytes(good.read_bytes())
    gbk = os.fsencode(folder) + b"/" + "下张村".encode("gbk") + b".zip"  # a Windows USB stick's name
    with open(gbk, "wb") as fh:
        fh.write(_export(tmp_path, "gbk", "下张村").read_bytes())
    _utf8_flagged_garbage(folder / "flag.zip", good)
    with zipfile.ZipFile(folder / "evil\nname\x1b[31m.zip", "w") as zf:
        zf.writestr("a\nb\x1b[2J.jsonl", b"x")
    (folder / "empty.zip").write_bytes(b"")
    (folder / "junk.zip").write_bytes(os.urandom(3000))
    data = tmp_path / "office"
    proc = run(data, "import", str(folder))
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert proc.returncode == 1
    assert "Traceback" not in err and "\x1b" not in out + err
    lines = [line for line in (out + err).splitlines() if line and not line.startswith("提示")]
    assert len(lines) == 6, lines  # one line per file, whatever its name
    assert "\\xcf\\xc2" in out  # the GBK name, escaped: 下 is CF C2 in GBK
    assert any("新增 1" in line for line in out.splitlines() if line.startswith("good.zip"))
    assert "evil\\x0aname\\x1b[31m.zip" in err and "UTF-8" in err
    with Store(data / "village-counsel.db") as office:
        assert sorted(v.get("name") for v in office.list("village")) == ["上张村", "下张村"]
        assert office.select("SELECT count(*) FROM imports")[0][0] == 2


def test_export_onto_a_device_or_a_folder_is_refused_before_writing(tmp_path):
    data = tmp_path / "d"
    assert run(data, "demo").returncode == 0
    null = Path("/dev/null")
    proc = run(data, "export", "-o", str(null))
    assert proc.returncode == 1 and "不是普通文件" in proc.stderr.decode()
    assert stat.S_ISCHR(null.stat().st_mode)
    (tmp_path / "folder.zip").mkdir()
    proc = run(data, "export", "-o", str(tmp_path / "folder.zip"))
    assert proc.returncode == 1 and "文件夹" in proc.stderr.decode()
    proc = run(data, "backup", "-o", str(null))
    assert proc.returncode == 1 and stat.S_ISCHR(null.stat().st_mode)
    with Store(data / "village-counsel.db") as store:
        assert store.select("SELECT count(*) FROM exports")[0][0] == 0


def test_an_export_under_a_name_of_any_bytes_is_written_recorded_and_its_number_not_reused(tmp_path):
    data = tmp_path / "d"
    assert run(data, "demo").returncode == 0
    odd = os.fsencode(tmp_path) + b"/\xb0\xb8-\n.zip"
    proc = run(data, "export", "-o", odd)
    assert proc.returncode == 0, proc.stderr
    assert os.path.exists(odd) and b"\\xb0\\xb8-\\x0a.zip" in proc.stdout
    assert stat.S_IMODE(os.stat(odd).st_mode) == 0o600
    proc = run(data, "export", "--full", "-o", str(tmp_path / "second.zip"))
    assert proc.returncode == 0 and "第 2 号" in proc.stdout.decode()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_killed_export_leaves_no_part_file_once_exported_again(tmp_path):
    data = tmp_path / "d"
    assert run(data, "demo", "--months", "2").returncode == 0
    target = tmp_path / "out.zip"
    proc = subprocess.Popen(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(data), "export", "-o", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".out.zip.*.part")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for left in tmp_path.glob(".out.zip.*.part"):  # personal data: never readable by others, even half
        assert stat.S_IMODE(left.stat().st_mode) == 0o600
    # an export to another name in the same folder clears what the dead one left
    assert run(data, "export", "-o", str(tmp_path / "other.zip")).returncode == 0
    assert not list(tmp_path.glob(".out.zip.*.part")) and zipfile.is_zipfile(tmp_path / "other.zip")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_import_workers_die_with_their_parent(tmp_path):
    code = (
        "import sys, time\n"
        "from village_counsel.sync.importer import PARALLEL_FROM, Workers\n"
        "if __name__ == '__main__':\n"
        "    pool = Workers(2).get(PARALLEL_FROM)\n"
        "    futures = [pool.executor.submit(time.sleep, 60) for _ in range(2)]\n"
        "    time.sleep(1.5)\n"
        "    print(' '.join(str(p) for p in pool.executor._processes), flush=True)\n"
        "    time.sleep(60)\n"
    )
    script = tmp_path / "parent.py"
    script.write_text(code)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    with parent.stdout:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False
