"""Hand-crafted, properly signed files that try to damage a store (found in review): each is refused and
the store is left as it was."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from village_counsel.store import DATA_VERSION, Store
from village_counsel.sync.conflicts import list_conflicts
from village_counsel.sync.importer import import_file

VILLAGE = "11111111-1111-4111-8111-111111111111"


def forge(path: Path, lines: list, device_id: str = "attacker01", raw_body: bytes | None = None) -> Path:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body = (
        raw_body
        if raw_body is not None
        else "".join(
            (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
        ).encode()
    )
    kinds, villages = Counter(), Counter()
    for line in lines:
        if isinstance(line, dict):
            kinds[line["kind"]] += 1
            if line.get("village_id"):
                villages[line["village_id"]] += 1
    manifest = {
        "format": "village-counsel-export",
        "format_version": 1,
        "schema_version": DATA_VERSION,
        "device_id": device_id,
        "device_key": base64.b64encode(public).decode(),
        "seq": 1,
        "full": True,
        "counts": dict(kinds),
        "villages": [{"id": k, "revisions": v} for k, v in villages.items()],
        "members": [
            {
                "name": "records-00001.jsonl",
                "sha256": hashlib.sha256(body).hexdigest(),
                "size": len(body),
                "revisions": len(lines),
            }
        ],
        "encryption": None,
    }
    raw = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", raw)
        zf.writestr("manifest.sig", base64.b64encode(key.sign(raw)).decode())
        zf.writestr("records-00001.jsonl", body)
    return path


def rec(
    kind: str,
    id_: str,
    data: dict,
    rev: str = "1790000000000-00000",
    origin: str = "attacker01",
    village_id: str | None = VILLAGE,
) -> dict:
    return {
        "kind": kind,
        "id": id_,
        "village_id": village_id,
        "rev": rev,
        "origin": origin,
        "base_rev": None,
        "base_origin": None,
        "updated_at": "2026-11-01T00:00:00+00:00",
        "deleted": False,
        "data": data,
        "resolves": None,
    }


def village(rev: str = "1790000000000-00000") -> dict:
    return rec("village", VILLAGE, {"name": "上张村"}, rev=rev)


@pytest.fixture
def target(tmp_path):
    with Store(tmp_path / "target.db") as s:
        s.put("village", {"name": "东门村"})
        yield s


def _refused(store: Store, path: Path, words: str) -> None:
    before = store.fingerprint()
    result = import_file(store, path)
    assert not result.ok and words in result.reason, result.reason
    assert store.fingerprint() == before


def test_a_revision_from_the_far_future_is_refused(target, tmp_path):
    _refused(target, forge(tmp_path / "f.zip", [village("9999999999999-99999")]), "未来")
    target.put("village", {"name": "西门村"})  # the clock still works
    assert len(target.clock.last) == 19


def _quarantined(store: Store, path: Path, n: int = 1) -> None:
    before = store.fingerprint()
    result = import_file(store, path)
    assert result.ok and result.quarantined == n, result.reason
    assert "隔离" in result.summary()
    assert store.fingerprint() == before


def test_the_same_revision_with_other_contents_is_quarantined_not_a_reason_to_refuse(target, tmp_path):
    assert import_file(target, forge(tmp_path / "a.zip", [village()])).ok
    other = rec("village", VILLAGE, {"name": "下张村"})
    _quarantined(target, forge(tmp_path / "b.zip", [other], device_id="relay00002"))
    shown = [c for c in list_conflicts(target) if c.quarantined]
    assert [(c.current.data["name"], c.losing.data["name"]) for c in shown] == [("上张村", "下张村")]
    # the same data, but another time of writing: still not the revision held
    again = {**village(), "updated_at": "2026-11-11T11:11:11+00:00"}
    _quarantined(target, forge(tmp_path / "d.zip", [again], device_id="relay00004"))
    assert target.get("village", VILLAGE)["name"] == "上张村"
    # a later revision of the same record, in a later file: taken as any other
    later = rec("village", VILLAGE, {"name": "上张村（新）"}, rev="1790000000001-00000")
    later.update(base_rev="1790000000000-00000", base_origin="attacker01")
    assert import_file(target, forge(tmp_path / "e.zip", [later], device_id="relay00005")).ok
    assert target.get("village", VILLAGE)["name"] == "上张村（新）"
    # two lines of one file under one identity: the first is taken, the second quarantined
    twin = "22222222-2222-4222-8222-222222222222"
    result = import_file(
        target,
        forge(
            tmp_path / "c.zip",
            [
                rec("village", twin, {"name": "甲"}, village_id=None),
                rec("village", twin, {"name": "乙"}, village_id=None),
            ],
            device_id="relay00003",
        ),
    )
    assert result.ok and result.quarantined == 1 and target.get("village", twin)["name"] == "甲"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"date": "2026-11-05", "format": "飞鸽传书"}, "形式"),
        (
            {
                "date": "2026-11-05",
                "raiser": "王",
                "content": "x",
                "category": "村庄建设",
                "stage": "bogus",
                "session_id": "s",
            },
            "阶段",
        ),
        (
            {
                "date": "2026-11-05",
                "raiser": "王",
                "content": "x",
                "category": "村庄建设",
                "stage": "说事",
                "events": [{}],
                "session_id": "s",
            },
            "events",
        ),
    ],
)
def test_records_the_program_cannot_read_are_refused(target, tmp_path, data, words):
    kind = "session" if "format" in data else "matter"
    _refused(
        target,
        forge(tmp_path / "r.zip", [village(), rec(kind, "33333333-3333-4333-8333-333333333333", data)]),
        words,
    )


def test_imported_values_are_stored_cleaned(target, tmp_path):
    entry = rec(
        "service_entry",
        "44444444-4444-4444-8444-444444444444",
        {"date": "20261105", "duty": "法律咨询", "hours": "1.5", "people": "3", "topic": " 继承 "},
    )
    assert import_file(target, forge(tmp_path / "ok.zip", [village(), entry])).ok
    stored = target.get("service_entry", entry["id"])
    assert stored["hours"] == 1.5 and stored["people"] == 3 and stored["topic"] == "继承"
    assert stored["date"] == "2026-11-05" and target.months() == ["2026-11"]


@pytest.mark.parametrize("line", ["[" * 100_000, '{"kind": NaN}'])
def test_deep_nesting_and_nan_are_refusals_not_crashes(target, tmp_path, line):
    _refused(target, forge(tmp_path / "n.zip", [line]), "无效")
