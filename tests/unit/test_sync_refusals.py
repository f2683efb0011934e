"""Damaged and hostile files are refused with a Chinese reason, and the store does not change."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.trust import enrol
from village_counsel.store import Store
from village_counsel.sync import export_changes, import_file, import_paths, importer, keys, office_init
from village_counsel.villages import create_village


@pytest.fixture
def source(tmp_path):
    s = Store(tmp_path / "source" / "store.db")
    v = create_village(s, {"name": "上张村"})
    for day in (5, 6, 7):
        s.put("session", {"date": f"2026-11-{day:02d}", "format": "现场说"}, village_id=v.id)
    yield s
    s.close()


@pytest.fixture
def target(tmp_path):
    """A store that already holds some data of its own and one earlier import from ``source``."""
    s = Store(tmp_path / "target" / "store.db")
    v = create_village(s, {"name": "东门村"})
    s.put("session", {"date": "2026-10-01", "format": "线上说"}, village_id=v.id)
    yield s
    s.close()


@pytest.fixture
def good(source, tmp_path) -> Path:
    return export_changes(source, tmp_path / "good.zip").path


def _snapshot(store: Store) -> tuple:
    return (
        store.fingerprint(),
        store.select("SELECT count(*) FROM revisions")[0][0],
        store.select("SELECT count(*) FROM imports")[0][0],
        store.clock.last,
    )


def _read(path: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        members = {n: zf.read(n) for n in zf.namelist() if n not in ("manifest.json", "manifest.sig")}
    return manifest, members


def _write(
    path: Path,
    manifest: dict | bytes,
    members: dict[str, bytes],
    signer: Ed25519PrivateKey | None,
    *,
    signature: bytes | None = None,
    fix_hashes: bool = False,
) -> Path:
    """An export file built by hand; ``signer`` re-signs the manifest so only the intended defect remains."""
    if isinstance(manifest, dict):
        if fix_hashes:
            for m in manifest["members"]:
                if m["name"] in members:
                    body = members[m["name"]]
                    m["sha256"], m["size"] = hashlib.sha256(body).hexdigest(), len(body)
        raw = json.dumps(manifest, ensure_ascii=False).encode()
    else:
        raw = manifest
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
        zf.writestr("manifest.json", raw)
        if signer is not None or signature is not None:
            sig = signature if signature is not None else signer.sign(raw)  # type: ignore[union-attr]
            zf.writestr("manifest.sig", keys.b64(sig))
    return path


def _assert_refused(target: Store, path: Path, reason: str) -> None:
    before = _snapshot(target)
    result = import_file(target, path)
    assert not result.ok, result.summary()
    assert reason in result.reason, result.reason
    assert "已拒绝" in result.summary()
    assert _snapshot(target) == before
    assert target.select("SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'sync_%'") == [(0,)]


def _records(members: dict[str, bytes]) -> tuple[str, list[dict]]:
    name = next(iter(members))
    return name, [json.loads(line) for line in members[name].decode().splitlines()]


def _with_record(source: Store, good: Path, tmp_path: Path, change) -> Path:
    """A correctly signed file whose session line was changed by ``change(record)``."""
    manifest, members = _read(good)
    name, rows = _records(members)
    change(next(r for r in rows if r["kind"] == "session"))
    members[name] = ("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n").encode()
    return _write(
        tmp_path / "bad-record.zip", manifest, members, keys.device_private_key(source), fix_hashes=True
    )


def test_not_a_zip(target, tmp_path):
    (tmp_path / "x.zip").write_text("这不是压缩包")
    _assert_refused(target, tmp_path / "x.zip", "损坏或不完整")


def test_empty_file_and_empty_zip(target, tmp_path):
    (tmp_path / "empty.zip").write_bytes(b"")
    _assert_refused(target, tmp_path / "empty.zip", "文件是空的")
    with zipfile.ZipFile(tmp_path / "nothing.zip", "w"):
        pass
    _assert_refused(target, tmp_path / "nothing.zip", "压缩包是空的")


def test_truncated(target, good, tmp_path):
    data = good.read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    _assert_refused(target, tmp_path / "cut.zip", "损坏或不完整")


def test_damaged_member_bytes(target, good, tmp_path):
    data = bytearray(good.read_bytes())
    data[60] ^= 0xFF  # inside the first member's compressed data
    (tmp_path / "flip.zip").write_bytes(bytes(data))
    _assert_refused(target, tmp_path / "flip.zip", "")


def test_missing_manifest_or_signature(source, target, good, tmp_path):
    manifest, members = _read(good)
    with zipfile.ZipFile(tmp_path / "nomanifest.zip", "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    _assert_refused(target, tmp_path / "nomanifest.zip", "缺少 manifest.json")
    _write(tmp_path / "nosig.zip", manifest, members, None)
    _assert_refused(target, tmp_path / "nosig.zip", "没有签名")


@pytest.mark.parametrize("field", ["format_version", "schema_version"])
def test_newer_format(source, target, good, tmp_path, field):
    manifest, members = _read(good)
    manifest[field] += 1
    path = _write(tmp_path / "newer.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "更新版本")


@pytest.mark.parametrize("field", ["format_version", "schema_version"])
def test_a_version_number_changed_by_hand_is_a_broken_signature_not_a_newer_file(
    source, target, good, tmp_path, field
):
    manifest, members = _read(good)
    with zipfile.ZipFile(good) as zf:
        signature = keys.unb64(zf.read("manifest.sig").decode().strip(), 64)  # the old manifest's
    manifest[field] += 1
    path = _write(tmp_path / "edited.zip", manifest, members, None, signature=signature)
    _assert_refused(target, path, "签名验证失败")


def test_not_our_format(source, target, good, tmp_path):
    manifest, members = _read(good)
    manifest["format"] = "something-else"
    path = _write(tmp_path / "other.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "不是本程序的导出文件")


def test_member_not_in_manifest(source, target, good, tmp_path):
    manifest, members = _read(good)
    members["extra.jsonl"] = b'{"kind": "village"}\n'
    path = _write(tmp_path / "extra.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "清单未列出的成员")


def test_listed_member_missing(source, target, good, tmp_path):
    manifest, members = _read(good)
    manifest["members"].append({"name": "records-00002.jsonl", "sha256": "0" * 64, "size": 1, "revisions": 1})
    path = _write(tmp_path / "missing.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "缺少清单所列的成员")


def test_hash_mismatch(source, target, good, tmp_path):
    manifest, members = _read(good)
    name = next(iter(members))
    members[name] = members[name].replace("现场说".encode(), "线上说".encode())
    path = _write(tmp_path / "hash.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "校验值与清单不符")


def test_signature_mismatch(source, target, good, tmp_path):
    manifest, members = _read(good)
    name = next(iter(members))
    members[name] = members[name].replace("现场说".encode(), "线上说".encode())
    # the manifest is fixed up to match, but the old signature no longer covers it
    with zipfile.ZipFile(good) as zf:
        old_sig = keys.unb64(zf.read("manifest.sig").decode())
    manifest["members"][0]["sha256"] = hashlib.sha256(members[name]).hexdigest()
    path = _write(tmp_path / "sig.zip", manifest, members, None, signature=old_sig)
    _assert_refused(target, path, "签名验证失败")


def test_known_device_with_another_key(source, target, good, tmp_path):
    assert import_file(target, good).ok
    manifest, members = _read(good)
    impostor = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    raw = impostor.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    manifest["device_key"] = keys.b64(raw)
    manifest["seq"] = 2
    path = _write(tmp_path / "impostor.zip", manifest, members, impostor)
    _assert_refused(target, path, "公钥与以前不同")


@pytest.mark.parametrize("name", ["../evil.jsonl", "sub/records.jsonl", "/abs.jsonl", "C:\\x.jsonl", "a\\b"])
def test_member_name_with_path(source, target, good, tmp_path, name):
    manifest, members = _read(good)
    members[name] = b""
    path = _write(tmp_path / "path.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "带有路径")


def test_duplicate_member(source, target, good, tmp_path):
    manifest, members = _read(good)
    path = _write(tmp_path / "dup.zip", manifest, members, keys.device_private_key(source))
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "a") as zf:
        zf.writestr(next(iter(members)), b"")
    _assert_refused(target, path, "重复")


def test_zip_bomb_member_larger_than_declared(source, target, good, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_MEMBER_BYTES", 4 * 1024**2)
    manifest, members = _read(good)
    name = next(iter(members))
    members[name] = members[name] + b"\n" * (20 * 1024**2)  # declared size stays the small one
    path = _write(tmp_path / "bomb.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "压缩炸弹")


def test_zip_bomb_ratio(source, target, good, tmp_path):
    manifest, members = _read(good)
    name = next(iter(members))
    members[name] = members[name] + b"\n" * (3 * 1024**2)
    path = _write(tmp_path / "ratio.zip", manifest, members, keys.device_private_key(source), fix_hashes=True)
    _assert_refused(target, path, "压缩比异常")


def test_total_size_limit(source, target, good, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_TOTAL_BYTES", 10)
    _assert_refused(target, good, "总量超过限制")


def test_too_many_members(source, target, good, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_MEMBERS", 0)
    _assert_refused(target, good, "成员过多")


def test_encrypted_for_another_office(source, target, tmp_path):
    elsewhere = Store(tmp_path / "elsewhere" / "store.db")
    try:
        office = office_init(elsewhere, "石浦镇司法所")
    finally:
        elsewhere.close()
    path = export_changes(source, tmp_path / "sealed.zip", office=office).path
    _assert_refused(target, path, "本机没有该司法所的私钥")
    office_init(target, "西周镇司法所")
    _assert_refused(target, path, "本机没有该司法所的私钥")


def test_tampered_sealed_member(source, target, tmp_path):
    office = office_init(target, "西周镇司法所")
    enrol(target, source)
    path = export_changes(source, tmp_path / "sealed.zip", office=office).path
    manifest, members = _read(path)
    name = next(iter(members))
    body = bytearray(members[name])
    body[10] ^= 1
    members[name] = bytes(body)
    forged = _write(
        tmp_path / "forged.zip", manifest, members, keys.device_private_key(source), fix_hashes=True
    )
    _assert_refused(target, forged, "解密失败")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.update(kind="spaceship"), "记录类型"),
        (lambda r: r.update(rev="yesterday"), "修订号格式无效"),
        (lambda r: r.update(data=["not", "an", "object"]), "数据不是 JSON 对象"),
        (lambda r: r["data"].update(date="2026-13-45"), "字段不合格"),
        (lambda r: r["data"].update(format="随便说"), "字段不合格"),
        (lambda r: r.update(base_rev=r["rev"], base_origin=r["origin"]), "不晚于"),
        (lambda r: r.update(id="../../etc"), "记录编号无效"),
        (lambda r: r.update(resolves=[["x", "y"]]), "冲突处理信息无效"),
        (lambda r: r.update(deleted="maybe"), "删除标记无效"),
    ],
)
def test_record_that_does_not_validate(source, target, good, tmp_path, change, reason):
    _assert_refused(target, _with_record(source, good, tmp_path, change), reason)


def test_line_that_is_not_json(source, target, good, tmp_path):
    manifest, members = _read(good)
    name = next(iter(members))
    members[name] = members[name] + b"{not json\n"
    manifest["members"][0]["revisions"] += 1
    path = _write(tmp_path / "json.zip", manifest, members, keys.device_private_key(source), fix_hashes=True)
    _assert_refused(target, path, "记录无效")


def test_counts_must_match_manifest(source, target, good, tmp_path):
    manifest, members = _read(good)
    manifest["counts"]["session"] += 1
    path = _write(tmp_path / "counts.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "与清单不符")


def test_kind_must_match_existing_record(source, target, good, tmp_path):
    existing = target.select("SELECT id FROM records WHERE kind = 'village'")[0][0]

    def hijack(record: dict) -> None:
        record["id"] = existing

    _assert_refused(target, _with_record(source, good, tmp_path, hijack), "不同的记录类型")


def test_batch_with_one_bad_file_imports_the_good_ones(source, target, good, tmp_path):
    v = source.select("SELECT id FROM records WHERE kind = 'village'")[0][0]
    source.put("session", {"date": "2026-11-20", "format": "现场说"}, village_id=v)
    second = export_changes(source, tmp_path / "second.zip").path
    (tmp_path / "broken.zip").write_bytes(good.read_bytes()[:100])
    results = import_paths(target, [good, tmp_path / "broken.zip", second, tmp_path / "missing.zip"])
    assert [r.ok for r in results] == [True, False, True, False]
    assert "找不到文件" in results[3].reason
    assert target.select("SELECT count(*) FROM records WHERE kind = 'session'")[0][0] == 5
    assert {r[0] for r in target.select("SELECT id FROM records")} >= {
        r[0] for r in source.select("SELECT id FROM records")
    }


@pytest.mark.parametrize("seq", [0, -1, 2**31, 2**53, True, "3"])
def test_implausible_export_number(source, target, good, tmp_path, seq):
    manifest, members = _read(good)
    manifest["seq"] = seq
    path = _write(tmp_path / "seq.zip", manifest, members, keys.device_private_key(source))
    _assert_refused(target, path, "导出序号无效")
