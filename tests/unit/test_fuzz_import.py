"""Fuzz test of import: 2,000+ mutants of genuine export files — flipped bytes, truncations, re-zipped and
renamed members, odd names, huge declared sizes, copies re-signed with a key the office never enrolled —
imported in-process into an office's store. Each is either refused with a one-line reason and the store
unchanged, or imported only because it still is the genuine file of an enrolled device (a re-zip of the
same signed content): then the store is exactly what the genuine file makes it."""

from __future__ import annotations

import json
import random
import sqlite3
import struct
import warnings
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.trust import enrol
from tests.unit.test_sync_refusals import _read, _write
from village_counsel.store import Store
from village_counsel.sync import export_changes, import_file
from village_counsel.villages import create_village

MUTANTS = 2100
ODD_NAMES = [
    "../records-00001.jsonl",
    "/etc/passwd",
    "a\nb.jsonl",
    "\x1b[31mred.jsonl",
    "记录.jsonl",
    "records-00001.jsonl\x00.txt",
    "C:\\x.jsonl",
    "x" * 300,
    "records-00001.JSONL",
    "manifest.json",
    "",
]


@pytest.fixture
def lab(tmp_path):
    office = Store(tmp_path / "office" / "village-counsel.db")
    advisor = Store(tmp_path / "advisor" / "village-counsel.db")
    enrol(office, advisor, "王律师")
    v = create_village(advisor, {"name": "上张村"})
    for day in range(1, 9):
        advisor.put(
            "session",
            {"date": f"2026-11-{day:02d}", "format": "现场说", "notes": f"第{day}次"},
            village_id=v.id,
        )
    plain = export_changes(advisor, tmp_path / "plain.zip", plain=True).path
    sealed = export_changes(advisor, tmp_path / "sealed.zip", full=True).path
    own = create_village(office, {"name": "东门村"})
    office.put("session", {"date": "2026-10-01", "format": "线上说"}, village_id=own.id)
    pristine = tmp_path / "pristine.db"
    office.backup(pristine)
    before = office.fingerprint()
    assert import_file(office, plain).ok
    genuine = office.fingerprint()
    yield office, [plain, sealed], pristine, before, genuine, tmp_path
    office.close()
    advisor.close()


def _reset(office: Store, pristine: Path) -> None:
    source = sqlite3.connect(f"file:{pristine}?mode=ro", uri=True)
    try:
        source.backup(office.db.conn)
    finally:
        source.close()


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out))] ^= rng.randint(1, 255)
    return bytes(out)


def _rezip(path: Path, rng: random.Random, out: Path, rename: bool) -> None:
    with zipfile.ZipFile(path) as zf:
        items = [(info.filename, zf.read(info)) for info in zf.infolist()]
    rng.shuffle(items)
    if rename:
        i = rng.randrange(len(items))
        items[i] = (rng.choice(ODD_NAMES) + rng.choice(["", ".jsonl", ".enc"]), items[i][1])
    elif rng.random() < 0.2:
        items.append((rng.choice(["extra.jsonl", "notes.txt"]), b"{}\n"))
    elif rng.random() < 0.2:
        items.pop(rng.randrange(len(items)))
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as zf:
        warnings.simplefilter("ignore")  # a duplicate name is one of the hostile cases
        for name, body in items:
            info = zipfile.ZipInfo(name)
            info.compress_type = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
            zf.writestr(info, body)


def _huge_size(data: bytes, rng: random.Random) -> bytes:
    """Declare a member far bigger (or smaller) than it is in the ZIP's central directory."""
    out = bytearray(data)
    at = rng.choice([i for i in range(len(out) - 46) if out[i : i + 4] == b"PK\x01\x02"])
    out[at + 24 : at + 28] = struct.pack("<I", rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 1, 0]))
    return bytes(out)


def _resigned(path: Path, rng: random.Random, out: Path, device_id: str) -> None:
    """Changed content, hashes fixed, signed with a key of the forger's own (the advisor's id kept, or not)."""
    manifest, members = _read(path)
    if "certificate" not in manifest:  # sealed: the forger cannot read it; re-sign it as it is
        _write(out, manifest, members, Ed25519PrivateKey.generate())
        return
    name = next(n for n in members if n.endswith(".jsonl"))
    lines = members[name].decode().splitlines()
    line = json.loads(lines[rng.randrange(len(lines))])
    line["data"]["notes"] = "改过的内容"
    lines[rng.randrange(len(lines))] = json.dumps(line, ensure_ascii=False)
    members[name] = ("\n".join(lines) + "\n").encode()
    if rng.random() < 0.5:
        manifest["device_id"] = "forger0001"
    else:
        manifest["device_id"] = device_id
    key = Ed25519PrivateKey.generate()
    from village_counsel.sync import keys

    manifest["device_key"] = keys.b64(keys._raw_public(key))
    _write(out, manifest, members, key, fix_hashes=True)


def test_thousands_of_mutants_are_refused_or_are_the_genuine_file(lab):
    office, sources, pristine, before, genuine, tmp_path = lab
    rng = random.Random(20261207)
    advisor_id = json.loads(zipfile.ZipFile(sources[0]).read("manifest.json"))["device_id"]
    kinds = ["flip", "truncate", "rezip", "rename", "huge", "resign"]
    seen = {k: [0, 0] for k in kinds}  # refused, imported
    mutant = tmp_path / "mutant.zip"
    for n in range(MUTANTS):
        _reset(office, pristine)
        assert office.fingerprint() == before
        source = sources[n % 2]
        kind = kinds[n % len(kinds)]
        data = source.read_bytes()
        if kind == "flip":
            mutant.write_bytes(_flip(data, rng))
        elif kind == "truncate":
            mutant.write_bytes(data[: rng.randrange(len(data))])
        elif kind in ("rezip", "rename"):
            _rezip(source, rng, mutant, rename=kind == "rename")
        elif kind == "huge":
            mutant.write_bytes(_huge_size(data, rng))
        else:
            _resigned(source, rng, mutant, advisor_id)
        result = import_file(office, mutant)
        if result.ok:
            seen[kind][1] += 1
            assert kind not in ("resign", "truncate"), (kind, n)
            assert office.fingerprint() == genuine, (kind, n)  # nothing but the genuine content
        else:
            seen[kind][0] += 1
            assert result.reason and "\n" not in result.reason and "\x1b" not in result.reason, (kind, n)
            assert office.fingerprint() == before, (kind, n, result.reason)
    assert sum(a + b for a, b in seen.values()) >= 2000
    assert all(refused for refused, _ in seen.values()), seen  # every kind of damage was met and refused
    assert seen["resign"][1] == 0
