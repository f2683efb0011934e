"""Import (导入): verify a whole export file before touching the store, then merge it in one transaction.

Verification reads the ZIP as a stream with hard caps (never trusting header sizes), checks the manifest,
its signature and every member's hash, and validates every revision line with the record kind's form.
Lines that pass go to a TEMP table (SQLite's temp database, not the store file), so memory stays flat
and the store is not written until everything has passed.

Merging is set-based SQL: unseen revisions join ``revisions``; a record's current revision is the highest
``(rev, origin)`` of all its revisions — a total order, so the result does not depend on the order files
arrive in, and importing a file twice (or an older one after a newer one) changes nothing. Conflicts are
not stored but computed (see :mod:`.conflicts`), so every store that saw the same files lists the same ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag

from ..clock import parse_rev, wall_ms
from ..errors import CounselError, ValidationError
from ..forms import form_for, validate
from ..shapes import shape_problem
from ..store import KINDS, SCHEMA_VERSION, Changes, Store
from . import keys
from .conflicts import count_open_conflicts
from .fileformat import (
    DEVICE_ID,
    EXTENSION,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAX_FILE_BYTES,
    MAX_LINE_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_RESOLVES,
    MAX_SIGNATURE_BYTES,
    MAX_TOTAL_BYTES,
    RECORD_ID,
    SIGNATURE,
    plain_member_name,
)

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_COLUMNS = "id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data, resolves"
_BATCH = 2000
_CACHE_KIB = 40 * 1024


class Refused(CounselError):
    """An export file refused, with the one-line Chinese reason; the store is unchanged."""


@dataclass
class ImportResult:
    """What one file did (or why it was refused)."""

    path: Path
    ok: bool = False
    reason: str = ""
    device_id: str = ""
    device_fingerprint: str = ""
    seq: int = 0
    full: bool = False
    made_at: str = ""
    already: bool = False  # this very file was imported before: nothing to do
    revisions: int = 0
    records: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    villages: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)

    def summary(self) -> str:
        """The one-line Chinese summary the CLI prints and the window shows."""
        if not self.ok:
            return f"{self.path.name}：已拒绝：{self.reason}"
        if self.already:
            return f"{self.path.name}：此文件已导入过，无变化"
        return (
            f"{self.path.name}：新增 {self.new}，更新 {self.updated}，未变 {self.unchanged}，冲突 {self.conflicts}"
            f"（设备 {self.device_id} 第 {self.seq} 号{'完整' if self.full else '增量'}导出）"
        )


# --- finding files -------------------------------------------------------------------------------------


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every ``*.zip`` directly inside each folder (sorted by name)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == EXTENSION))
        else:
            out.append(path)
    return out


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    before_merge: Callable[[], None] | None = None,
) -> list[ImportResult]:
    """Import every export among ``paths``; a refused file does not stop the others. ``before_merge``
    runs once, before the first verified file changes the store (the automatic backup)."""
    pending = [before_merge] if before_merge else []

    def first_merge() -> None:
        while pending:
            pending.pop()()

    files = expand_paths(paths)
    results = []
    for n, path in enumerate(files):

        def step(done: int, total: int, n: int = n) -> None:
            if progress:
                progress(n * 1000 + (done * 1000 // max(total, 1)), len(files) * 1000)

        results.append(import_file(store, path, progress=step, before_merge=first_merge))
    if progress:
        progress(len(files) * 1000, max(len(files), 1) * 1000)
    return results


def import_file(
    store: Store,
    path: str | Path,
    progress: Progress | None = None,
    before_merge: Callable[[], None] | None = None,
) -> ImportResult:
    """Verify and merge one export file. A refusal is returned (``ok=False``), never raised."""
    result = ImportResult(Path(path))
    try:
        _Importer(store, result.path, progress, before_merge).run(result)
    except Refused as exc:
        result.ok, result.reason = False, str(exc)
        log.info("refused %s: %s", path, exc)
    except OSError as exc:
        result.ok, result.reason = False, f"无法读取文件：{exc.strerror or exc}"
    return result


# --- verification --------------------------------------------------------------------------------------


def _refuse(message: str) -> Refused:
    return Refused(message)


def _check_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = _strict_loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse("清单（manifest.json）不是有效的 JSON，文件已损坏")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse("不是本程序的导出文件（清单格式不对）")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse("清单中的格式版本无效")
    if version > FORMAT_VERSION:
        raise _refuse(
            f"由更新版本的程序导出（文件格式第 {version} 版，本程序支持到第 {FORMAT_VERSION} 版），请先升级程序"
        )
    schema = manifest.get("schema_version")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise _refuse("清单中的数据结构版本无效")
    if schema > SCHEMA_VERSION:
        raise _refuse(
            f"由更新版本的程序导出（数据结构第 {schema} 版，本程序支持到第 {SCHEMA_VERSION} 版），请先升级程序"
        )
    device = manifest.get("device_id")
    if not isinstance(device, str) or not DEVICE_ID.match(device):
        raise _refuse("清单中的设备编号无效")
    seq = manifest.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise _refuse("清单中的导出序号无效")
    if not isinstance(manifest.get("full"), bool):
        raise _refuse("清单中缺少完整/增量标记")
    members = manifest.get("members")
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        raise _refuse("清单中的成员列表无效或成员过多")
    total_size = 0
    names = set()
    for m in members:
        if not (
            isinstance(m, dict)
            and isinstance(m.get("name"), str)
            and plain_member_name(m["name"])
            and m["name"] not in (MANIFEST, SIGNATURE)
            and isinstance(m.get("sha256"), str)
            and len(m["sha256"]) == 64
            and all(c in "0123456789abcdef" for c in m["sha256"])
            and isinstance(m.get("size"), int)
            and not isinstance(m.get("size"), bool)
            and 0 <= m["size"] <= MAX_MEMBER_BYTES
            and isinstance(m.get("revisions"), int)
            and not isinstance(m.get("revisions"), bool)
            and m["revisions"] >= 0
        ):
            raise _refuse("清单中的成员条目无效（名称带路径、超出大小限制或缺少校验值）")
        if m["name"] in names:
            raise _refuse(f"清单中成员 {m['name']} 重复")
        names.add(m["name"])
        total_size += m["size"]
    if total_size > MAX_TOTAL_BYTES:
        raise _refuse("文件内容总量超过限制（可能是压缩炸弹），已拒绝")
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(v, int) for v in counts.values()):
        raise _refuse("清单中的记录计数无效")
    villages = manifest.get("villages")
    if not isinstance(villages, list) or not all(
        isinstance(v, dict) and isinstance(v.get("id"), str) and isinstance(v.get("revisions"), int)
        for v in villages
    ):
        raise _refuse("清单中的村列表无效")
    return manifest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"不允许的数值 {name}")


def _strict_loads(text: str) -> Any:
    """JSON as the exporter writes it: NaN and Infinity are not JSON and are refused."""
    return json.loads(text, parse_constant=_reject_constant)


# A revision may be dated a little ahead of this machine's clock (another laptop's clock runs fast; demo
# data continues into coming months), but not years ahead: a revision from the far future would drag
# this store's clock there for good.
MAX_FUTURE_MS = 3 * 366 * 24 * 3600 * 1000


def _rev_in_range(rev: str) -> bool:
    return parse_rev(rev)[0] <= wall_ms() + MAX_FUTURE_MS


def _text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _is_rev(value: Any) -> bool:
    try:
        parse_rev(value)
    except ValueError:
        return False
    return True


def _record_row(obj: Any) -> tuple[Any, ...]:
    """A verified revision line as a row for the incoming table; ValueError (Chinese) when it is not."""
    if not isinstance(obj, dict):
        raise ValueError("不是 JSON 对象")
    kind = obj.get("kind")
    if kind not in KINDS:
        raise ValueError(f"记录类型“{kind}”未知")
    rid = obj.get("id")
    if not (isinstance(rid, str) and RECORD_ID.match(rid)):
        raise ValueError("记录编号无效")
    village_id = obj.get("village_id")
    if village_id is not None and not (isinstance(village_id, str) and RECORD_ID.match(village_id)):
        raise ValueError("所属村编号无效")
    rev, origin = obj.get("rev"), obj.get("origin")
    if not _is_rev(rev):
        raise ValueError("修订号格式无效")
    if not _rev_in_range(rev):
        raise ValueError("修订号的时间远在未来（对方设备时钟错误或文件被篡改）")
    if not (isinstance(origin, str) and DEVICE_ID.match(origin)):
        raise ValueError("来源设备编号无效")
    base_rev, base_origin = obj.get("base_rev"), obj.get("base_origin")
    if (base_rev is None) != (base_origin is None):
        raise ValueError("上一修订信息不完整")
    if base_rev is not None:
        if not _is_rev(base_rev) or not (isinstance(base_origin, str) and DEVICE_ID.match(base_origin)):
            raise ValueError("上一修订信息无效")
        if base_rev >= rev:
            raise ValueError("修订号不晚于它所基于的修订")
    updated_at = obj.get("updated_at")
    if not _text(updated_at, 40):
        raise ValueError("修改时间无效")
    deleted = obj.get("deleted")
    if deleted not in (True, False, 0, 1):
        raise ValueError("删除标记无效")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise ValueError("数据不是 JSON 对象")
    try:
        data = validate(form_for(kind), data)
        problem = shape_problem(kind, data)
    except ValidationError as exc:
        raise ValueError(f"字段不合格：{exc}")
    except (TypeError, AttributeError, KeyError):
        raise ValueError("字段不合格")
    if problem:
        raise ValueError(f"字段不合格：{problem}")
    resolves = obj.get("resolves")
    if resolves is not None:
        if not (isinstance(resolves, list) and 0 < len(resolves) <= MAX_RESOLVES):
            raise ValueError("冲突处理信息无效")
        for pair in resolves:
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and _is_rev(pair[0])
                and isinstance(pair[1], str)
                and DEVICE_ID.match(pair[1])
            ):
                raise ValueError("冲突处理信息无效")
        resolves = json.dumps(resolves, separators=(",", ":"))
    return (
        rid,
        kind,
        village_id,
        rev,
        origin,
        base_rev,
        base_origin,
        updated_at,
        int(bool(deleted)),
        # as Store.put writes it, so the same revision has the same text in every store
        json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        resolves,
    )


class _Importer:
    def __init__(
        self,
        store: Store,
        path: Path,
        progress: Progress | None,
        before_merge: Callable[[], None] | None = None,
    ) -> None:
        self.store, self.path, self.progress, self.before_merge = store, path, progress, before_merge
        self.scratch: Path | None = None

    def run(self, result: ImportResult) -> None:
        path = self.path
        if not path.exists():
            raise _refuse("找不到文件")
        if not path.is_file():
            raise _refuse("不是文件")
        size = path.stat().st_size
        if size == 0:
            raise _refuse("文件是空的")
        if size > MAX_FILE_BYTES:
            raise _refuse("文件过大，超过导入限制")
        file_hash = _sha256_file(path)
        with _big_cache(self.store):
            self._run(result, path, file_hash)

    def _run(self, result: ImportResult, path: Path, file_hash: str) -> None:
        try:
            with zipfile.ZipFile(path) as zf:
                manifest, cipher = self._verify_head(zf)
                self._fill(result, manifest)
                seen = self.store.select(
                    "SELECT new + updated + unchanged FROM imports WHERE file_sha256 = ? LIMIT 1", [file_hash]
                )
                if seen:
                    # These very bytes were verified and merged before: nothing can change.
                    result.ok, result.already = True, True
                    result.records = result.unchanged = int(seen[0][0] or 0)
                    return
                self._load(zf, manifest, cipher)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError) as exc:
            self._drop()
            raise _refuse(f"文件已损坏或不完整，无法作为导出文件读取（{_zip_reason(exc)}）")
        except BaseException:
            self._drop()
            raise
        if _sha256_file(path) != file_hash:
            self._drop()
            raise _refuse("文件在导入过程中被改动")
        try:
            if self.before_merge is not None:
                self.before_merge()
            self._merge(result, manifest, file_hash)
        finally:
            self._drop()
        result.ok = True

    # -- head: ZIP directory, manifest, signature, keys

    def _verify_head(self, zf: zipfile.ZipFile) -> tuple[dict[str, Any], Any]:
        infos = zf.infolist()
        if not infos:
            raise _refuse("压缩包是空的，不是导出文件")
        if len(infos) > MAX_MEMBERS + 2:
            raise _refuse("压缩包成员过多，已拒绝")
        names: set[str] = set()
        for info in infos:
            if not plain_member_name(info.filename):
                raise _refuse(f"压缩包成员名“{info.filename[:60]}”带有路径或非法字符，已拒绝")
            if info.filename in names:
                raise _refuse(f"压缩包成员 {info.filename} 重复出现")
            if info.flag_bits & 0x1:
                raise _refuse("压缩包使用了密码加密，不是本程序的导出文件")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refuse("压缩包使用了不支持的压缩方式")
            names.add(info.filename)
        if MANIFEST not in names:
            raise _refuse("不是本程序的导出文件（缺少 manifest.json）")
        if SIGNATURE not in names:
            raise _refuse("导出文件没有签名（缺少 manifest.sig）")
        raw = _read_capped(zf, zf.getinfo(MANIFEST), MAX_MANIFEST_BYTES)
        manifest = _check_manifest(raw)
        listed = {m["name"] for m in manifest["members"]}
        extra = names - listed - {MANIFEST, SIGNATURE}
        if extra:
            raise _refuse(f"压缩包中有清单未列出的成员 {sorted(extra)[0]}，已拒绝")
        missing = listed - names
        if missing:
            raise _refuse(f"缺少清单所列的成员 {sorted(missing)[0]}（文件不完整）")

        try:
            public = keys.unb64(manifest.get("device_key"), 32)
            signature = keys.unb64(
                _read_capped(zf, zf.getinfo(SIGNATURE), MAX_SIGNATURE_BYTES).decode("ascii").strip(), 64
            )
        except (ValueError, UnicodeDecodeError):
            raise _refuse("签名或设备公钥格式无效")
        if not keys.verify_signature(public, signature, raw):
            raise _refuse("签名验证失败：文件被改动或已损坏")
        self._check_device(manifest["device_id"], public)
        return manifest, self._cipher(manifest)

    def _check_device(self, device_id: str, public: bytes) -> None:
        if device_id == self.store.device_id:
            known = keys.b64(keys.device_public_key(self.store))
        else:
            row = self.store.select(
                "SELECT device_key FROM imports WHERE device_id = ? AND device_key IS NOT NULL"
                " ORDER BY n DESC LIMIT 1",
                [device_id],
            )
            known = row[0][0] if row else None
        if known is not None and known != keys.b64(public):
            raise _refuse(
                f"设备 {device_id} 的公钥与以前不同（以前指纹 {keys.key_fingerprint(keys.unb64(known))}，"
                f"此文件 {keys.key_fingerprint(public)}），可能是冒充的文件，已拒绝"
            )

    def _cipher(self, manifest: dict[str, Any]) -> Any:
        enc = manifest.get("encryption")
        if enc is None:
            if any(m["name"].endswith(".enc") for m in manifest["members"]):
                raise _refuse("清单未声明加密，但成员是加密的")
            return None
        if not isinstance(enc, dict) or enc.get("scheme") != keys.CIPHER:
            raise _refuse("文件使用了不支持的加密方式")
        mine = keys.office_key(self.store)
        fingerprint = str(enc.get("office_fingerprint", ""))[:40]
        office_name = str(enc.get("office_name", ""))[:60]
        if mine is None or mine.fingerprint != fingerprint or enc.get("office_key") != keys.b64(mine.public):
            raise _refuse(
                f"此文件加密给司法所“{office_name}”（指纹 {fingerprint}），本机没有该司法所的私钥，无法读取"
            )
        try:
            cipher = keys.opener(self.store, keys.unb64(enc.get("ephemeral_key"), 32))
        except ValueError:
            raise _refuse("加密信息无效")
        return cipher

    def _fill(self, result: ImportResult, manifest: dict[str, Any]) -> None:
        result.device_id = manifest["device_id"]
        result.device_fingerprint = keys.key_fingerprint(keys.unb64(manifest["device_key"], 32))
        result.seq = manifest["seq"]
        result.full = manifest["full"]
        result.made_at = str(manifest.get("made_at", ""))[:40]
        result.revisions = sum(m["revisions"] for m in manifest["members"])
        result.villages = [str(v.get("name") or v["id"]) for v in manifest["villages"]]

    # -- body: members, lines, the incoming table

    def _load(self, zf: zipfile.ZipFile, manifest: dict[str, Any], cipher: Any) -> None:
        db = self.store.db
        self._drop()
        # Verified lines wait in a scratch database beside the store (never in the store file); it is
        # detached and deleted afterwards, which is much cheaper than dropping a big TEMP table.
        self.scratch = Path(tempfile.mkdtemp(prefix="village-counsel-import-"))
        db.execute("ATTACH DATABASE ? AS sync_scratch", [str(self.scratch / "incoming.db")])
        db.execute("PRAGMA sync_scratch.journal_mode = OFF")
        db.execute("PRAGMA sync_scratch.synchronous = OFF")
        db.execute(f"PRAGMA sync_scratch.cache_size = {-_CACHE_KIB // 4}")
        db.execute(f"CREATE TABLE sync_scratch.incoming ({_COLUMNS})")
        total = sum(m["revisions"] for m in manifest["members"])
        kinds: Counter[str] = Counter()
        villages: Counter[str] = Counter()
        self.max_rev = ""
        done = 0
        insert = f"INSERT INTO sync_scratch.incoming ({_COLUMNS}) VALUES ({','.join('?' * 11)})"
        db.execute("BEGIN")
        try:
            for index, member in enumerate(manifest["members"], start=1):
                info = zf.getinfo(member["name"])
                body = _read_capped(zf, info, min(member["size"], MAX_MEMBER_BYTES), declared=member["size"])
                if len(body) != member["size"] or hashlib.sha256(body).hexdigest() != member["sha256"]:
                    raise _refuse(f"成员 {member['name']} 的校验值与清单不符（文件被改动或已损坏）")
                if cipher is not None:
                    body = _open_sealed(cipher, index, member["name"], body)
                rows = []
                count = 0
                for number, line in _lines(body, member["name"]):
                    try:
                        row = _record_row(_strict_loads(line))
                    except RecursionError:
                        raise _refuse(f"成员 {member['name']} 第 {number} 行记录无效：嵌套过深")
                    except ValueError as exc:
                        raise _refuse(f"成员 {member['name']} 第 {number} 行记录无效：{exc}")
                    rows.append(row)
                    kinds[row[1]] += 1
                    if row[2]:
                        villages[row[2]] += 1
                    if row[3] > self.max_rev:
                        self.max_rev = row[3]
                    if len(rows) >= _BATCH:
                        db.conn.executemany(insert, rows)
                        count += len(rows)
                        rows = []
                db.conn.executemany(insert, rows)
                count += len(rows)
                if count != member["revisions"]:
                    raise _refuse(f"成员 {member['name']} 的记录数与清单不符")
                done += count
                if self.progress:
                    self.progress(done, total)
            if dict(kinds) != {k: v for k, v in manifest["counts"].items() if v}:
                raise _refuse("各类记录数与清单不符")
            if dict(villages) != {v["id"]: v["revisions"] for v in manifest["villages"] if v["revisions"]}:
                raise _refuse("各村记录数与清单不符")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        # One record id must keep one kind, in the file and against the store.
        records, mixed = self.store.select(
            "SELECT count(*), coalesce(sum(mixed), 0) FROM"
            " (SELECT min(kind) != max(kind) AS mixed FROM sync_scratch.incoming GROUP BY id)"
        )[0]
        self.records = int(records)
        bad = self.store.select(
            "SELECT i.id FROM sync_scratch.incoming i JOIN records c ON c.id = i.id WHERE c.kind != i.kind LIMIT 1"
        )
        if mixed or bad:
            raise _refuse("同一记录编号出现了不同的记录类型，文件无效")
        # A revision is identified by (id, rev, origin): the same identity with other contents, in the file
        # or against what this store holds, would make stores that agree on fingerprints disagree on data.
        twins = self.store.select(
            "SELECT 1 FROM sync_scratch.incoming GROUP BY id, rev, origin"
            " HAVING count(DISTINCT coalesce(village_id, '') || '|' || deleted || '|' || data) > 1 LIMIT 1"
        )
        clash = self.store.select(
            "SELECT 1 FROM sync_scratch.incoming i JOIN revisions r"
            " ON r.id = i.id AND r.rev = i.rev AND r.origin = i.origin"
            " WHERE r.data != i.data OR r.deleted != i.deleted"
            " OR coalesce(r.village_id, '') != coalesce(i.village_id, '') LIMIT 1"
        )
        if twins or clash:
            raise _refuse("文件中的某条修订与已有的同一修订内容不一致（文件被篡改或来自出错的设备），未导入")

    def _drop(self) -> None:
        db = self.store.db
        for table in ("sync_best", "sync_win"):
            db.execute(f"DROP TABLE IF EXISTS temp.{table}")
        if any(row[1] == "sync_scratch" for row in db.execute("PRAGMA database_list")):
            db.execute("DETACH DATABASE sync_scratch")
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    # -- merge: one transaction

    def _merge(self, result: ImportResult, manifest: dict[str, Any], file_hash: str) -> None:
        store, db = self.store, self.store.db
        db.execute("BEGIN IMMEDIATE")
        try:
            with store.transaction():
                before = int(store.select("SELECT coalesce(max(seq), 0) FROM revisions")[0][0])
                # In id order: the indexes on id (and records' key) then fill sequentially.
                db.execute(
                    f"INSERT OR IGNORE INTO revisions ({_COLUMNS}) SELECT {_COLUMNS} FROM sync_scratch.incoming"
                    " ORDER BY id, rev, origin"
                )
                # Per record touched: its highest new revision; it becomes current when above the current.
                db.execute(
                    "CREATE TEMP TABLE sync_best AS SELECT id, kind, rev, origin, max(rev || ' ' || origin) AS top"
                    " FROM revisions WHERE seq > ? GROUP BY id",
                    [before],
                )
                db.execute(
                    "CREATE TEMP TABLE sync_win AS SELECT b.id, b.kind, c.id IS NULL AS is_new FROM temp.sync_best b"
                    " LEFT JOIN records c ON c.id = b.id WHERE c.id IS NULL OR (b.rev, b.origin) > (c.rev, c.origin)"
                )
                db.execute(
                    "INSERT OR REPLACE INTO records (id, kind, village_id, rev, origin, base_rev, base_origin,"
                    " updated_at, deleted, data) SELECT r.id, r.kind, r.village_id, r.rev, r.origin, r.base_rev,"
                    " r.base_origin, r.updated_at, r.deleted, r.data FROM temp.sync_win w"
                    " JOIN temp.sync_best b ON b.id = w.id"
                    " JOIN revisions r ON r.id = b.id AND r.rev = b.rev AND r.origin = b.origin"
                )
                db.execute(
                    "INSERT OR IGNORE INTO resolutions (id, rev, origin) SELECT r.id, json_extract(j.value, '$[0]'),"
                    " json_extract(j.value, '$[1]') FROM revisions r, json_each(r.resolves) j"
                    " WHERE r.seq > ? AND r.resolves IS NOT NULL",
                    [before],
                )
                records = self.records
                new, updated = store.select("SELECT coalesce(sum(is_new), 0), count(*) FROM temp.sync_win")[0]
                result.records, result.new, result.updated = records, int(new), int(updated) - int(new)
                result.unchanged = records - int(updated)
                result.conflicts = count_open_conflicts(store, "SELECT id FROM temp.sync_best")
                result.changes.kinds.update(
                    r[0] for r in store.select("SELECT DISTINCT kind FROM temp.sync_win")
                )
                if updated and int(updated) <= 10_000:
                    result.changes.ids.update(r[0] for r in store.select("SELECT id FROM temp.sync_win"))
                if self.max_rev:
                    store.clock.observe(self.max_rev)
                db.execute(
                    "INSERT INTO imports (device_id, device_key, seq, file_sha256, imported_at, made_at, villages,"
                    " new, updated, unchanged, conflicts, file_name, full) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        manifest["device_id"],
                        manifest["device_key"],
                        manifest["seq"],
                        file_hash,
                        datetime.now(UTC).isoformat(timespec="seconds"),
                        result.made_at,
                        json.dumps(
                            [
                                {"id": v["id"], "name": str(v.get("name") or "")[:40]}
                                for v in manifest["villages"]
                            ],
                            ensure_ascii=False,
                        ),
                        result.new,
                        result.updated,
                        result.unchanged,
                        result.conflicts,
                        self.path.name[:200],
                        int(manifest["full"]),
                    ],
                )
            db.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            raise
        if self.progress:
            self.progress(result.revisions, result.revisions)


# --- helpers -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _big_cache(store: Store) -> Iterator[None]:
    """A larger page cache while importing, so index inserts of a big file mostly hit memory (bounded)."""
    db = store.db
    main, temp = (db.execute(f"PRAGMA {schema}.cache_size").fetchone()[0] for schema in ("main", "temp"))
    db.execute(f"PRAGMA main.cache_size = {-_CACHE_KIB}")
    db.execute(f"PRAGMA temp.cache_size = {-_CACHE_KIB // 4}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA main.cache_size = {main}")
        db.execute(f"PRAGMA temp.cache_size = {temp}")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, declared: int | None = None) -> bytes:
    """A member's content, read as a stream and stopped as soon as it exceeds ``cap``."""
    parts = []
    size = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                if declared is not None and declared <= MAX_MEMBER_BYTES:
                    raise _refuse(f"成员 {info.filename} 比清单声明的大（文件被改动或是压缩炸弹）")
                raise _refuse(f"成员 {info.filename} 超过大小限制（可能是压缩炸弹），已拒绝")
            parts.append(chunk)
    if size > (1 << 20) and size > MAX_RATIO * max(info.compress_size, 1):
        raise _refuse(f"成员 {info.filename} 压缩比异常（可能是压缩炸弹），已拒绝")
    return b"".join(parts)


def _open_sealed(cipher: Any, index: int, name: str, body: bytes) -> bytes:
    try:
        packed = cipher.decrypt(keys.member_nonce(index), body, name.encode())
    except InvalidTag:
        raise _refuse(f"成员 {name} 解密失败（文件被改动，或不是加密给本司法所的）")
    inflater = zlib.decompressobj()
    try:
        plain = inflater.decompress(packed, MAX_MEMBER_BYTES + 1)
    except zlib.error:
        raise _refuse(f"成员 {name} 解密后无法解压")
    if len(plain) > MAX_MEMBER_BYTES or inflater.unconsumed_tail or not inflater.eof:
        raise _refuse(f"成员 {name} 解压后超过大小限制或不完整，已拒绝")
    return plain


def _lines(body: bytes, name: str) -> Iterator[tuple[int, str]]:
    if body and not body.endswith(b"\n"):
        raise _refuse(f"成员 {name} 不完整（最后一行没有结束）")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(f"成员 {name} 不是 UTF-8 文本")
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        if len(line) > MAX_LINE_BYTES:
            raise _refuse(f"成员 {name} 第 {number} 行过长")
        yield number, line


def _zip_reason(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        return "校验和错误"
    if isinstance(exc, EOFError) or "truncated" in text.lower():
        return "文件被截断"
    return "ZIP 结构错误"
