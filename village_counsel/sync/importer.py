"""Import (导入): verify a whole export file and merge it in one transaction that commits only if all of
it passed.

Verification reads the ZIP as a stream with hard caps (never trusting header sizes), checks the manifest,
its signature and every member's hash, and validates every revision line with the record kind's form
(:mod:`.members`; in worker processes for a big file, when the caller asks for them). Each verified member
is written at once into the write transaction; a refusal anywhere rolls it back, so the store is left
exactly as it was, and memory stays flat (a member of at most 2,000 lines at a time).

Merging: unseen revisions join ``revisions``; a record's current revision is the highest ``(rev, origin)``
of all its revisions — a total order, so the result does not depend on the order files (or members)
arrive in, and importing a file twice (or an older one after a newer one) changes nothing. Conflicts are
not stored but computed (see :mod:`.conflicts`), so every store that saw the same files lists the same ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import sqlite3
import zipfile
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool  # (a RuntimeError)
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from ..errors import CounselError, sqlite_message
from ..jsontext import canonical, loads_strict
from ..names import escaped
from ..store import DATA_VERSION, Changes, Store, month_of
from . import keys
from .conflicts import count_open_conflicts
from .fileformat import (
    DEVICE_ID,
    EXTENSION,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAX_CERTIFICATES,
    MAX_FILE_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_SEQ,
    MAX_SIGNATURE_BYTES,
    MAX_TOTAL_BYTES,
    SEALED_META,
    SIGNATURE,
    plain_member_name,
)
from .members import (
    MemberRows,
    Refused,
    _refuse,
    damaged,
    member_rows,
    read_capped,
    verify_in_worker,
    worker_init,
)

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_COLUMNS = "id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted, data, resolves"
_BATCH = 2000
# A row's data comes as the UTF-8 bytes of its text (verified as such): bound as a blob and stored as text,
# it is never made a Python string in this process.
# A revision whose origin (?5) is not the file's signer came by a relay (revisions.relayed, see
# _replace_held); the signer, a checked device id, is written into the statement.
_INSERT = (
    f"INSERT OR IGNORE INTO revisions ({_COLUMNS}, relayed)"
    " VALUES (?,?,?,?,?,?,?,?,?,CAST(? AS TEXT),?, CASE WHEN ?5 = '{signer}' THEN NULL ELSE 1 END)"
)
# Every column but the identity: a revision held already must come again exactly as it is held.
_HELD = (
    "SELECT kind, village_id, base_rev, base_origin, updated_at, deleted, CAST(data AS BLOB), resolves"
    " FROM revisions WHERE id = ? AND rev = ? AND origin = ?"
)
_HELD_RELAYED = (
    "SELECT kind, village_id, base_rev, base_origin, updated_at, deleted, CAST(data AS BLOB), resolves, relayed"
    " FROM revisions WHERE id = ? AND rev = ? AND origin = ?"
)
_RECORD = (
    "INSERT OR REPLACE INTO records (id, kind, village_id, rev, origin, base_rev, base_origin, updated_at, deleted,"
    " data, month) VALUES (?,?,?,?,?,?,?,?,?,CAST(? AS TEXT),?)"
)
_IDS_SHOWN = 10_000  # the window refreshes these records one by one; beyond, it reloads its lists
_CACHE_KIB = 8 * 1024


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
    quarantined: int = 0  # revisions that collide with one held (same id, rev, origin; other content)
    set_aside: int = 0  # revisions of revoked devices that this store did not hold: not taken
    villages: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    label: str = ""  # the name shown; by default the file's (import_paths: its path within a folder)

    @property
    def display(self) -> str:
        return escaped(self.label or os.fsdecode(self.path.name))

    def summary(self) -> str:
        """The one-line Chinese summary the CLI prints and the window shows."""
        if not self.ok:
            return f"{self.display}：已拒绝：{self.reason}"
        if self.already:
            return f"{self.display}：此文件已导入过，无变化"
        held = f"，隔离 {self.quarantined}（与已有修订同号不同内容，见冲突列表）" if self.quarantined else ""
        if self.set_aside:
            held += f"，未采用已吊销设备的修订 {self.set_aside} 条"
        return (
            f"{self.display}：新增 {self.new}，更新 {self.updated}，未变 {self.unchanged}，冲突 {self.conflicts}"
            f"{held}（设备 {self.device_id} 第 {self.seq} 号{'完整' if self.full else '增量'}导出）"
        )


# --- worker processes ---------------------------------------------------------------------------------

# Files with at least this many revisions are verified in worker processes; a village's monthly file has
# a few thousand, and starting the workers costs about a tenth of a second.
PARALLEL_FROM = 20_000
# Files with at least this many revisions, and at least as many as the store has records, are loaded
# with the records' secondary indexes set aside (see _Importer._set_indexes_aside).
BULK_FROM = 50_000


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass
class _Pool:
    executor: ProcessPoolExecutor
    ahead: int  # members verified ahead of the writer: bounds memory (a member is at most 5,000 lines)


class Workers:
    """The verification workers of one import, started when the first big file needs them (``spawn``, so
    nothing of this process — its store connection, a window's threads — is inherited) and shared by
    the files that follow. Without working multiprocessing the files are verified in-process."""

    def __init__(self, count: int | None = None) -> None:
        # On one processor, workers would only add their start-up and the transfer of every row.
        cpus = _cpus()
        self.count = (min(4, cpus) if cpus > 1 else 0) if count is None else count
        self.pool: _Pool | None = None
        self.failed = False

    def get(self, revisions: int) -> _Pool | None:
        if revisions < PARALLEL_FROM or self.count < 1 or self.failed:
            return None
        if self.pool is None:
            try:
                executor = ProcessPoolExecutor(
                    self.count,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=worker_init,
                    initargs=(os.getpid(),),
                )
            except (OSError, ImportError, NotImplementedError, ValueError) as exc:
                log.warning("import workers unavailable, verifying in-process: %s", exc)
                self.failed = True
                return None
            self.pool = _Pool(executor, ahead=self.count + 1)
        return self.pool

    def broken(self, exc: BaseException) -> None:
        log.warning("import workers stopped (%s), verifying in-process", exc)
        self.failed = True
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.executor.shutdown(wait=True, cancel_futures=True)
            self.pool = None


# --- finding files -------------------------------------------------------------------------------------


# A folder is searched this deep for export files: a USB stick with a folder per advisor (or per month
# inside it), not a whole disk.
FOLDER_DEPTH = 3


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every ``*.zip`` inside each folder and its subfolders (up to
    :data:`FOLDER_DEPTH` levels; hidden ones skipped), in order of their path."""
    return [path for path, _ in _expand(paths)]


def _expand(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """:func:`expand_paths`, each file with the name to show for it: a file found in a folder's subfolder
    by its path from that folder (沈建国/B-6.zip: two advisors' B-6.zip stay apart)."""
    out: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(
                (found, found.relative_to(path).as_posix()) for found in sorted(_zips(path, FOLDER_DEPTH))
            )
        else:
            out.append((path, path.name))
    return out


def _zips(folder: Path, depth: int) -> Iterator[Path]:
    try:
        entries = list(folder.iterdir())
    except OSError:
        return  # an unreadable subfolder is passed over (the folder given itself was readable)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_file() and entry.suffix.lower() == EXTENSION:
                yield entry
            elif depth > 1 and entry.is_dir() and not entry.is_symlink():
                yield from _zips(entry, depth - 1)
        except OSError:
            continue


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    before_merge: Callable[[], None] | None = None,
    *,
    parallel: bool = False,
) -> list[ImportResult]:
    """Import every export among ``paths``; a refused file does not stop the others. ``before_merge``
    runs once, before the first verified file changes the store (the automatic backup); if it fails, that
    file is refused and the next one tries again. ``parallel``: verify big files in worker processes —
    only for a program whose main module is guarded by ``if __name__ == "__main__":`` (``spawn`` loads
    it again in each worker), as the command line and the window are."""
    pending = [before_merge] if before_merge else []

    def first_merge() -> None:
        if pending:
            pending[0]()
            pending.clear()  # only once it has succeeded

    labelled = _expand(paths)
    files = [path for path, _ in labelled]
    results = []
    workers = Workers() if parallel else None
    try:
        for n, path in enumerate(files):

            def step(done: int, total: int, n: int = n) -> None:
                if progress:
                    progress(n * 1000 + (done * 1000 // max(total, 1)), len(files) * 1000)

            result = import_file(store, path, progress=step, before_merge=first_merge, workers=workers)
            result.label = labelled[n][1]
            results.append(result)
    finally:
        if workers is not None:
            workers.close()
    if progress:
        progress(len(files) * 1000, max(len(files), 1) * 1000)
    return results


def import_file(
    store: Store,
    path: str | Path,
    progress: Progress | None = None,
    before_merge: Callable[[], None] | None = None,
    workers: Workers | None = None,
) -> ImportResult:
    """Verify and merge one export file. A refusal is returned (``ok=False``), never raised. ``workers``
    (see :class:`Workers` and :func:`import_paths`): verify a big file in worker processes."""
    result = ImportResult(Path(path))
    try:
        _Importer(store, result.path, progress, before_merge, workers).run(result)
    except Refused as exc:
        result.ok, result.reason = False, str(exc)
        log.info("refused %s: %s", escaped(os.fsdecode(path)), exc)
    except BackupFailed as exc:
        result.ok, result.reason = False, str(exc)
        log.warning("import of %s stopped: %s", escaped(os.fsdecode(path)), exc)
    except OSError as exc:
        result.ok, result.reason = False, f"无法读取文件：{exc.strerror or exc}"
    except (
        sqlite3.Error
    ) as exc:  # disk full, locked, damaged store: this file is not imported, the next may be
        result.ok, result.reason = False, f"未导入：{sqlite_message(exc)}"
        log.warning("import of %s failed: %s", escaped(os.fsdecode(path)), exc)
    except (ValueError, UnicodeError, RecursionError, MemoryError, LookupError, TypeError) as exc:
        # Nothing in a file should get here; if something does, this file is refused (the transaction
        # rolled back) and a folder's other files still import. The log keeps the traceback.
        result.ok, result.reason = False, "文件无法读取（内部错误，详情已记入日志）"
        log.exception("import of %s failed: %s", escaped(os.fsdecode(path)), exc)
    return result


class BackupFailed(CounselError):
    """The backup before an import could not be made: the file is not imported."""


# --- verification --------------------------------------------------------------------------------------


class NewerFormat(Refused):
    """A file of a newer format: said as such only when its signature holds (else it was tampered with)."""


def _check_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = loads_strict(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse("清单（manifest.json）不是有效的 JSON，文件已损坏")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse("不是本程序的导出文件（清单格式不对）")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse("清单中的格式版本无效")
    if version > FORMAT_VERSION:
        raise NewerFormat(
            f"由更新版本的程序导出（文件格式第 {version} 版，本程序支持到第 {FORMAT_VERSION} 版），请先升级程序"
        )
    schema = manifest.get("schema_version")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise _refuse("清单中的数据结构版本无效")
    if schema > DATA_VERSION:
        raise NewerFormat(
            f"由更新版本的程序导出（数据结构第 {schema} 版，本程序支持到第 {DATA_VERSION} 版），请先升级程序"
        )
    device = manifest.get("device_id")
    if not isinstance(device, str) or not DEVICE_ID.match(device):
        raise _refuse("清单中的设备编号无效")
    members = manifest.get("members")
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        raise _refuse("清单中的成员列表无效或成员过多")
    sealed = manifest.get("sealed")
    total_size = 0
    names = set()
    for m in members:
        if not (
            isinstance(m, dict)
            and isinstance(m.get("name"), str)
            and plain_member_name(m["name"])
            and m["name"] not in (MANIFEST, SIGNATURE, SEALED_META)
            and _sized(m)
        ):
            raise _refuse("清单中的成员条目无效（名称带路径、超出大小限制或缺少校验值）")
        if m["name"] in names:
            raise _refuse(f"清单中成员 {m['name']} 重复")
        names.add(m["name"])
        total_size += m["size"]
    if total_size > MAX_TOTAL_BYTES:
        raise _refuse("文件内容总量超过限制（可能是压缩炸弹）")
    if sealed is not None:
        if not (
            version >= 2
            and isinstance(manifest.get("encryption"), dict)
            and isinstance(sealed, dict)
            and sealed.get("name") == SEALED_META
            and _sized(sealed)
            and sealed["size"] <= MAX_MANIFEST_BYTES
        ):
            raise _refuse("清单中的加密信息无效")
        return manifest  # the rest is checked once opened (check_body)
    check_body(manifest)
    return manifest


def _sized(m: dict[str, Any]) -> bool:
    return (
        isinstance(m.get("sha256"), str)
        and len(m["sha256"]) == 64
        and all(c in "0123456789abcdef" for c in m["sha256"])
        and isinstance(m.get("size"), int)
        and not isinstance(m.get("size"), bool)
        and 0 <= m["size"] <= MAX_MEMBER_BYTES
    )


def check_body(manifest: dict[str, Any]) -> None:
    """The manifest's fields beyond routing (in an encrypted file they were sealed)."""
    seq = manifest.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
        raise _refuse("清单中的导出序号无效")
    if not isinstance(manifest.get("full"), bool):
        raise _refuse("清单中缺少完整/增量标记")
    for m in manifest["members"]:
        n = m.get("revisions")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise _refuse("清单中的成员条目无效（缺少记录数）")
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(v, int) for v in counts.values()):
        raise _refuse("清单中的记录计数无效")
    villages = manifest.get("villages")
    if not isinstance(villages, list) or not all(
        isinstance(v, dict) and isinstance(v.get("id"), str) and isinstance(v.get("revisions"), int)
        for v in villages
    ):
        raise _refuse("清单中的村列表无效")
    for name in ("enrolled", "revoked"):
        listed = manifest.get(name, [])
        if not isinstance(listed, list) or len(listed) > MAX_CERTIFICATES:
            raise _refuse("清单中的设备登记信息无效")


class _Importer:
    def __init__(
        self,
        store: Store,
        path: Path,
        progress: Progress | None,
        before_merge: Callable[[], None] | None = None,
        workers: Workers | None = None,
    ) -> None:
        self.store, self.path, self.progress, self.before_merge = store, path, progress, before_merge
        self.workers = workers
        self.max_rev = ""
        self.rowid_before = self.seq_before = 0
        self.fresh = 0  # records new to the store (counted here: they are not all in sync_touched)
        self.changed_kinds: set[str] = set()
        self.changed_ids: set[str] = set()
        self.allowed: set[str] | None = None  # the devices whose revisions are taken (None: any)
        self.revoked: set[str] = set()  # revoked devices: only their revisions held already are taken
        self.set_aside = 0  # revisions of revoked devices not taken
        self.office_name = ""
        self.certificates: list[keys.Certificate] = []  # learned from this file, kept if it imports
        self.revocations: list[keys.Revocation] = []
        self.quarantined = 0

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
        self.result = result
        try:
            with zipfile.ZipFile(path) as zf:
                manifest, cipher = self._verify_head(zf)
                self._fill(result, manifest)
                if self._seen(file_hash):
                    return
                self._load_and_merge(zf, manifest, cipher, file_hash)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError) as exc:
            raise _refuse(damaged(exc))
        except UnicodeDecodeError:  # a member name flagged UTF-8 that is not
            raise _refuse("压缩包成员名不是有效的 UTF-8 文字，不是本程序的导出文件")
        result.ok = True
        if self.progress:
            self.progress(result.revisions, result.revisions)

    def _seen(self, file_hash: str) -> bool:
        """Whether these very bytes were verified and merged before (then nothing can change)."""
        seen = self.store.select(
            "SELECT new + updated + unchanged FROM imports WHERE file_sha256 = ? LIMIT 1", [file_hash]
        )
        if seen:
            self.result.ok, self.result.already = True, True
            self.result.records = self.result.unchanged = int(seen[0][0] or 0)
        return bool(seen)

    # -- head: ZIP directory, manifest, signature, keys

    def _verify_head(self, zf: zipfile.ZipFile) -> tuple[dict[str, Any], Any]:
        infos = zf.infolist()
        if not infos:
            raise _refuse("压缩包是空的，不是导出文件")
        if len(infos) > MAX_MEMBERS + 2:
            raise _refuse("压缩包成员过多")
        names: set[str] = set()
        for info in infos:
            if not plain_member_name(info.filename):
                raise _refuse(f"压缩包成员名“{escaped(info.filename, 60)}”带有路径或非法字符")
            if info.filename in names:
                raise _refuse(f"压缩包成员 {escaped(info.filename, 60)} 重复出现")
            if info.flag_bits & 0x1:
                raise _refuse("压缩包使用了密码加密，不是本程序的导出文件")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refuse("压缩包使用了不支持的压缩方式")
            names.add(info.filename)
        if MANIFEST not in names:
            raise _refuse("不是本程序的导出文件（缺少 manifest.json）")
        if SIGNATURE not in names:
            raise _refuse("导出文件没有签名（缺少 manifest.sig）")
        raw = read_capped(zf, zf.getinfo(MANIFEST), MAX_MANIFEST_BYTES)
        try:
            manifest = _check_manifest(raw)
        except NewerFormat:
            # a newer program's file, or this program's file with its version number changed: the
            # signature (made the same way in every version so far) tells which
            if not self._signed(zf, raw, loads_strict(raw).get("device_key")):
                raise _refuse("签名验证失败：文件被改动或已损坏")
            raise
        listed = {m["name"] for m in manifest["members"]}
        if manifest.get("sealed") is not None:
            listed.add(SEALED_META)
        extra = names - listed - {MANIFEST, SIGNATURE}
        if extra:
            raise _refuse(f"压缩包中有清单未列出的成员 {sorted(extra)[0]}")
        missing = listed - names
        if missing:
            raise _refuse(f"缺少清单所列的成员 {sorted(missing)[0]}（文件不完整）")

        if not self._signed(zf, raw, manifest.get("device_key")):
            raise _refuse("签名验证失败：文件被改动或已损坏")
        public = keys.unb64(manifest.get("device_key"), 32)
        key = self._cipher(manifest)
        if manifest.get("sealed") is not None:
            self._open_meta(zf, manifest, key)
        self.public = public
        self._check_trust(manifest, public)
        return manifest, key

    def _open_meta(self, zf: zipfile.ZipFile, manifest: dict[str, Any], key: bytes) -> None:
        """An encrypted file's sealed manifest fields, opened and merged into the manifest."""
        sealed = manifest["sealed"]
        body = read_capped(zf, zf.getinfo(SEALED_META), sealed["size"], declared=sealed["size"])
        if len(body) != sealed["size"] or hashlib.sha256(body).hexdigest() != sealed["sha256"]:
            raise _refuse(f"成员 {SEALED_META} 的校验值与清单不符（文件被改动或已损坏）")
        try:
            plain = ChaCha20Poly1305(key).decrypt(keys.member_nonce(0), body, SEALED_META.encode())
        except InvalidTag:
            raise _refuse("加密的清单解密失败（文件被改动，或不是加密给本司法所的）")
        try:
            inner = loads_strict(plain)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise _refuse("加密的清单无法读取（文件被改动或已损坏）")
        revisions = inner.get("member_revisions") if isinstance(inner, dict) else None
        if not isinstance(revisions, list) or len(revisions) != len(manifest["members"]):
            raise _refuse("加密的清单无效")
        for key in (
            "seq",
            "since_seq",
            "full",
            "made_at",
            "revisions",
            "counts",
            "villages",
            "certificate",
            "enrolled",
            "revoked",
        ):
            if key in inner:
                manifest[key] = inner[key]
        for member, n in zip(manifest["members"], revisions, strict=True):
            member["revisions"] = n
        check_body(manifest)

    def _check_trust(self, manifest: dict[str, Any], public: bytes) -> None:
        """A store that trusts an office takes a file only from a device that office enrolled (its
        certificate in the file, or known here) and not revoked, and — member by member, see _load —
        revisions only of enrolled devices. A store that trusts no office pins each device's key.

        Run before the write lock (a quick refusal) and again inside it (another process may have
        enrolled or revoked a device meanwhile)."""
        self.certificates, self.revocations = [], []
        device_id = manifest["device_id"]
        if keys.office_key_missing(self.store):
            raise _refuse(keys.OFFICE_KEY_MISSING)
        office = keys.trusted_office(self.store)
        if office is None:
            self._check_device(device_id, public)
            return
        # Only the rows whose certificate (and revocation) this office signed count: a row that came in
        # some other way (a backup of another office's store, a hand-edited file) proves nothing.
        known = keys.trusted_devices(self.store, office)
        held_certs = {d.certificate for d in known.values()}
        for obj in [manifest.get("certificate"), *manifest.get("enrolled", [])]:
            if obj is None or (isinstance(obj, dict) and canonical(obj) in held_certs):
                continue
            try:
                cert = keys.check_certificate(obj, office)
            except (ValueError, TypeError, AttributeError, KeyError):
                continue  # another office's, or forged: it proves nothing here
            held = known.get(cert.device_id)
            # A device id is bound to the key of its newest certificate: an older one (a re-enrolled
            # device's old key) never takes its place again.
            if held is None or (
                cert.issued_at > held.issued_at
                if held.key != keys.b64(cert.device_key)
                else cert.issued_at > held.issued_at and not held.revoked_at
            ):
                self.certificates.append(cert)
                known[cert.device_id] = keys.TrustedDevice(
                    keys.b64(cert.device_key), cert.issued_at, None, canonical(obj), cert.office_device
                )
        for obj in manifest.get("revoked", []):
            try:
                revocation = keys.check_revocation(obj, office)
            except (ValueError, TypeError, AttributeError, KeyError):
                continue
            held = known.get(revocation.device_id)
            if held is not None and held.key == keys.b64(revocation.device_key) and not held.revoked_at:
                self.revocations.append(revocation)
                known[revocation.device_id] = held._replace(revoked_at=revocation.revoked_at)
        if device_id == self.store.device_id:
            self._check_device(device_id, public)
        else:
            held = known.get(device_id)
            if held is None or held.key != keys.b64(public):
                raise _refuse(
                    f"设备 {device_id}（公钥指纹 {keys.key_fingerprint(public)}）未经司法所“{escaped(office.name)}”"
                    "登记（或不是其登记的密钥），文件未导入（请该设备先申请登记：keys request）"
                )
            if held.revoked_at:
                raise _refuse(
                    f"设备 {device_id} 已于 {escaped(held.revoked_at)} 被司法所“{escaped(office.name)}”吊销，文件未导入"
                )
        self.allowed = {*known, self.store.device_id}
        # A revoked device's revisions are taken only as far as this store holds them already — or from
        # the office's own device, which took them before the revocation: a relay cannot bring in what
        # the revoked device made after (or claims it made before) its revocation.
        signer = known.get(device_id)
        from_office = signer is not None and signer.office_device
        self.revoked = set() if from_office else {d for d, held in known.items() if held.revoked_at}
        self.office_name = escaped(office.name)

    @staticmethod
    def _signed(zf: zipfile.ZipFile, raw: bytes, device_key: Any) -> bool:
        """Whether ``raw`` (the manifest's bytes) carries a valid signature by ``device_key``; Refused when
        the key or the signature is not even well-formed."""
        try:
            public = keys.unb64(device_key, 32)
            signature = keys.unb64(
                read_capped(zf, zf.getinfo(SIGNATURE), MAX_SIGNATURE_BYTES).decode("ascii").strip(), 64
            )
        except (ValueError, UnicodeDecodeError, TypeError):
            raise _refuse("签名或设备公钥格式无效")
        return bool(keys.verify_signature(public, signature, raw))

    def _check_device(self, device_id: str, public: bytes) -> None:
        known: str | None
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
                f"此文件 {keys.key_fingerprint(public)}），可能是冒充的文件"
            )

    def _cipher(self, manifest: dict[str, Any]) -> Any:
        enc = manifest.get("encryption")
        if enc is None:
            if any(m["name"].endswith(".enc") for m in manifest["members"]):
                raise _refuse("清单未声明加密，但成员是加密的")
            return None
        if not isinstance(enc, dict) or enc.get("scheme") != keys.CIPHER:
            raise _refuse("文件使用了不支持的加密方式")
        if keys.office_key_missing(self.store):
            raise _refuse(keys.OFFICE_KEY_MISSING)
        mine = keys.office_key(self.store)
        # (text of a file not yet trusted: escaped, so it cannot forge a line on the terminal)
        fingerprint = escaped(str(enc.get("office_fingerprint", "")), 40)
        office_name = escaped(str(enc.get("office_name", "")), 60)
        if mine is None or mine.fingerprint != fingerprint or enc.get("office_key") != keys.b64(mine.public):
            if manifest["device_id"] == self.store.device_id:
                raise _refuse(
                    f"这是本机自己导出、加密给司法所“{office_name}”的文件：请交给司法所导入，本机无需导入"
                )
            raise _refuse(
                f"此文件加密给司法所“{office_name}”（指纹 {fingerprint}），本机没有该司法所的私钥，无法读取"
            )
        try:
            key = keys.opener_key(self.store, keys.unb64(enc.get("ephemeral_key"), 32))
        except ValueError:
            raise _refuse("加密信息无效")
        return key

    def _fill(self, result: ImportResult, manifest: dict[str, Any]) -> None:
        result.device_id = manifest["device_id"]
        result.device_fingerprint = keys.key_fingerprint(keys.unb64(manifest["device_key"], 32))
        result.seq = manifest["seq"]
        result.full = manifest["full"]
        result.made_at = str(manifest.get("made_at", ""))[:40]
        result.revisions = sum(m["revisions"] for m in manifest["members"])
        result.villages = [str(v.get("name") or v["id"]) for v in manifest["villages"]]

    # -- body: members and lines, written in the one transaction that commits only if all of it passes

    def _load_and_merge(
        self, zf: zipfile.ZipFile, manifest: dict[str, Any], key: bytes | None, file_hash: str
    ) -> None:
        """Verify every member and line, writing verified revisions (and the records they make current)
        straight into the store inside one write transaction; any refusal rolls the transaction back, so
        the store is left as it was. (An earlier version staged the lines in a scratch database first:
        that wrote every line twice.)"""
        store, db = self.store, self.store.db
        clock = store.clock.last
        db.execute("DROP TABLE IF EXISTS temp.sync_touched")  # (left by an interrupted earlier import)
        store.begin_immediate()  # waits for another import of this store (saying so after a second)
        try:
            if self._seen(file_hash):  # that other import was of this very file
                db.execute("ROLLBACK")
                return
            self._check_trust(manifest, self.public)  # as the store is now, inside the write lock
            with store.transaction():
                rebuilt = self._set_indexes_aside(sum(m["revisions"] for m in manifest["members"]))
                self._load(zf, manifest, key)
                if _sha256_file(self.path) != file_hash:
                    raise _refuse("文件在导入过程中被改动")
                for sql in rebuilt:
                    db.execute(sql)
                if self.before_merge is not None:
                    # A backup of the store as last committed (it reads through a connection of its own).
                    try:
                        self.before_merge()
                    except (OSError, sqlite3.Error) as exc:
                        reason = (
                            exc.strerror if isinstance(exc, OSError) and exc.strerror else sqlite_message(exc)
                        )
                        raise BackupFailed(
                            f"导入前的备份没有做成（{reason}），为安全起见此文件未导入"
                        ) from exc
                self._finish(manifest, file_hash)
            db.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            store.clock.reset(clock)  # the file's revisions were not kept: neither is their time
            raise
        finally:
            db.execute("DROP TABLE IF EXISTS temp.sync_touched")

    def _set_indexes_aside(self, revisions: int) -> list[str]:
        """For a file about as big as the store or bigger (a township's first import of a village, a
        restore from a colleague's export): drop the records' secondary indexes (by kind, village and
        month) inside the transaction and build them again before it commits. Building an index from
        sorted rows is much cheaper than inserting each record into it; a refusal rolls back the drop with
        everything else. Returns the statements that rebuild them."""
        if revisions < BULK_FROM:
            return []
        held = self.store.select("SELECT coalesce(max(rowid), 0) FROM records")[0][0]
        if revisions < held:
            return []
        indexes = self.store.select(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL"
        )
        for name, _ in indexes:
            self.store.db.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in indexes]

    def _load(self, zf: zipfile.ZipFile, manifest: dict[str, Any], key: bytes | None) -> None:
        self.rowid_before = int(self.store.select("SELECT coalesce(max(rowid), 0) FROM records")[0][0])
        self.seq_before = int(self.store.select("SELECT coalesce(max(seq), 0) FROM revisions")[0][0])
        signer = self.result.device_id
        if not DEVICE_ID.match(signer):  # (checked with the manifest already: safe inside the statement)
            raise _refuse("清单中的设备编号无效")
        self.insert_sql = _INSERT.format(signer=signer)
        self.store.db.execute(  # rolled back with the rest on a refusal
            "CREATE TEMP TABLE sync_touched (id TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 1,"
            " held INTEGER NOT NULL, changed INTEGER NOT NULL, suspect INTEGER NOT NULL) WITHOUT ROWID"
        )
        members = manifest["members"]
        total = sum(m["revisions"] for m in members)
        kinds: Counter[str] = Counter()
        villages: Counter[str] = Counter()
        done = 0
        for got in self._verified(zf, members, key, total):
            if self.allowed is not None and not got.origins <= self.allowed:
                stranger = sorted(got.origins - self.allowed)[0]
                raise _refuse(
                    f"文件中有来自未经司法所“{self.office_name}”登记的设备 {stranger} 的修订，文件未导入"
                )
            if self.revoked and not got.origins.isdisjoint(self.revoked):
                got = self._without_revoked(got)
            kinds.update(got.kinds)
            villages.update(got.villages)
            self.max_rev = max(self.max_rev, got.max_rev)
            self._write(got)
            done += len(got.rows)
            if self.progress:
                self.progress(done, total)
        if dict(kinds) != {k: v for k, v in manifest["counts"].items() if v}:
            raise _refuse("各类记录数与清单不符")
        if dict(villages) != {v["id"]: v["revisions"] for v in manifest["villages"] if v["revisions"]}:
            raise _refuse("各村记录数与清单不符")

    def _verified(
        self, zf: zipfile.ZipFile, members: list[dict[str, Any]], key: bytes | None, total: int
    ) -> Iterator[MemberRows]:
        """Each member verified, in order: here for a small file, in worker processes for a big one."""
        start = 1
        workers = self.workers
        pool = workers.get(total) if workers is not None else None
        if workers is not None and pool is not None:
            tasks = ((str(self.path), index, member, key) for index, member in enumerate(members, start=1))
            pending: deque[Future[MemberRows | str]] = deque()
            try:
                for task in itertools.islice(tasks, pool.ahead):
                    pending.append(pool.executor.submit(verify_in_worker, *task))
                while pending:
                    got = pending.popleft().result()
                    following = next(tasks, None)
                    if following is not None:
                        pending.append(pool.executor.submit(verify_in_worker, *following))
                    if isinstance(got, str):
                        raise _refuse(got)
                    start += 1
                    yield got
                return
            except (BrokenProcessPool, OSError, RuntimeError) as exc:
                # A worker died (killed, out of memory) or none could be started (no processes or file
                # handles left): carry on in this process from the first member not yet written.
                workers.broken(exc)
            finally:
                for future in pending:
                    future.cancel()
        cipher = ChaCha20Poly1305(key) if key else None
        for index in range(start, len(members) + 1):
            yield member_rows(zf, index, members[index - 1], cipher)

    def _write(self, got: MemberRows) -> None:
        """Write one verified member: its revisions, then each record whose highest revision is now one of
        them (the highest ``(rev, origin)`` wins, whatever order files and members come in)."""
        conn = self.store.db.conn
        rows = got.rows
        written = conn.total_changes
        conn.executemany(self.insert_sql, rows)
        inserted = conn.total_changes - written
        colliding: set[tuple[str, str, str]] = set()
        replaced: set[tuple[str, str, str]] = set()
        if inserted != len(rows):
            # Some revisions were held already (or came twice): each should be the very same revision. The
            # same identity with other contents (a tampered relay, a faulty device) is quarantined and
            # shown beside the conflicts — never a reason to refuse this device's every later file.
            signer = self.result.device_id
            for row in rows:
                held = conn.execute(_HELD_RELAYED, (row[0], row[3], row[4])).fetchone()
                if held[:8] != (*row[1:3], *row[5:11]):
                    if row[4] == signer and held[-1] == 1:
                        # The device that made the revision signed this file: its version is the revision,
                        # and the copy that arrived first by a relay is the one set aside.
                        self._replace_held(row, held)
                        replaced.add((row[0], row[3], row[4]))
                    else:
                        self._quarantine(row)
                        colliding.add((row[0], row[3], row[4]))
        current = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT id, kind, rev, origin, rowid FROM records WHERE id IN (SELECT value FROM json_each(?))",
                (canonical([h[0] for h in got.heads]),),
            )
        }
        winners = []
        # The records that matter for the counts and for conflicts, each with (id, in how many members
        # so far, held by the store before this import, made current now, may be in conflict). A record
        # new to the store is counted in self.fresh where it is first met, and listed only when it may
        # be in conflict: forked here (members.member_rows) or met again in a later member.
        touched = []
        before, forked = self.rowid_before, got.forked
        for head, month in zip(got.heads, got.months, strict=True):
            rid = head[0]
            if colliding and (rid, head[3], head[4]) in colliding and self._is_quarantined(head):
                continue  # the revision held under this identity stays; the record already reflects it
            now = current.get(rid)
            if replaced and now is not None and (rid, now[1], now[2]) in replaced and now[1:3] == head[3:5]:
                winners.append((*head[:10], month))  # the record shows the origin's version now
            if now is None:
                self.fresh += 1
                if rid in forked:
                    touched.append((rid, 1, 0, 1, 1))
            else:
                if now[0] != head[1]:
                    raise _refuse("同一记录编号出现了不同的记录类型，文件无效")
                wins = (head[3], head[4]) > (now[1], now[2])
                # A record row written during this import has a rowid above all the rows before it.
                if now[3] <= before:
                    touched.append((rid, 1, 1, wins, 1))
                else:  # met in an earlier member (listed there only if forked: then n counts on from 1)
                    touched.append((rid, 2, 0, wins, 1))
                if not wins:
                    continue
            winners.append((*head[:10], month))
            self.changed_kinds.add(head[1])
            if len(self.changed_ids) <= _IDS_SHOWN:
                self.changed_ids.add(rid)
        conn.executemany(
            "INSERT INTO temp.sync_touched (id, n, held, changed, suspect) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET n = n + 1, held = max(held, excluded.held),"
            " changed = max(changed, excluded.changed), suspect = max(suspect, excluded.suspect)",
            touched,
        )
        conn.executemany(_RECORD, winners)
        resolutions = got.resolutions
        if resolutions and colliding:  # a quarantined revision settles nothing
            resolutions = [
                (row[0], rev, origin)
                for row in rows
                if row[10] is not None and (row[0], row[3], row[4]) not in colliding
                for rev, origin in loads_strict(row[10])
            ]
        if resolutions:
            conn.executemany(
                "INSERT OR IGNORE INTO resolutions (id, rev, origin) VALUES (?, ?, ?)", resolutions
            )
        for rid in {r[0] for r in replaced}:  # what the replaced copy settled counts no more
            _settle_again(conn, rid)

    def _quarantine(self, row: tuple[Any, ...], file_device: str | None = None) -> None:
        data = row[9].decode() if isinstance(row[9], bytes) else row[9]
        self.store.db.execute(
            "INSERT OR IGNORE INTO quarantine (id, rev, origin, digest, kind, village_id, base_rev, base_origin,"
            " updated_at, deleted, data, resolves, file_device, file_name, received_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                row[0],
                row[3],
                row[4],
                _digest(row),
                row[1],
                row[2],
                row[5],
                row[6],
                row[7],
                row[8],
                data,
                row[10],
                self.result.device_id if file_device is None else file_device,
                escaped(self.path.name) if file_device is None else "",
                datetime.now(UTC).isoformat(timespec="seconds"),
            ],
        )
        self.quarantined += 1

    def _replace_held(self, row: tuple[Any, ...], held: tuple[Any, ...]) -> None:
        """Put the origin's own version of a revision in place of the copy held (which a relay brought),
        and quarantine that copy."""
        rid, rev, origin = row[0], row[3], row[4]
        data = held[6].decode() if isinstance(held[6], bytes) else held[6]
        self._quarantine((rid, held[0], held[1], rev, origin, *held[2:6], data, held[7]), file_device="")
        self.store.db.execute(
            "UPDATE revisions SET kind = ?, village_id = ?, base_rev = ?, base_origin = ?, updated_at = ?,"
            " deleted = ?, data = CAST(? AS TEXT), resolves = ?, relayed = NULL"
            " WHERE id = ? AND rev = ? AND origin = ?",
            [*row[1:3], *row[5:11], rid, rev, origin],
        )
        # the origin's version, quarantined before as the late copy, is no longer set aside
        self.store.db.execute(
            "DELETE FROM quarantine WHERE id = ? AND rev = ? AND origin = ? AND digest = ?",
            [rid, rev, origin, _digest(row)],
        )

    def _without_revoked(self, got: MemberRows) -> MemberRows:
        """``got`` less the revisions of revoked devices that this store does not hold already."""
        conn = self.store.db.conn
        kept = [
            row
            for row in got.rows
            if row[4] not in self.revoked
            or conn.execute(
                "SELECT 1 FROM revisions WHERE id = ? AND rev = ? AND origin = ?", (row[0], row[3], row[4])
            ).fetchone()
        ]
        if len(kept) == len(got.rows):
            return got
        self.set_aside += len(got.rows) - len(kept)
        out = MemberRows(rows=kept, kinds=got.kinds, villages=got.villages, max_rev=got.max_rev)
        best: dict[str, tuple[Any, ...]] = {}
        bases = set()
        for row in kept:
            top = best.get(row[0])
            if top is None or (row[3], row[4]) > (top[3], top[4]):
                best[row[0]] = row
            if row[5] is not None:
                bases.add((row[0], row[5], row[6]))
            if row[10] is not None:
                out.resolutions.extend((row[0], r, o) for r, o in loads_strict(row[10]))
        out.heads = list(best.values())
        out.months = [month_of(loads_strict(row[9])) for row in out.heads]
        leaves = Counter(row[0] for row in kept if (row[0], row[3], row[4]) not in bases)
        out.forked = {rid for rid, n in leaves.items() if n > 1}
        out.origins = {row[4] for row in kept}
        return out

    def _is_quarantined(self, head: tuple[Any, ...]) -> bool:
        held = self.store.db.conn.execute(_HELD, (head[0], head[3], head[4])).fetchone()
        return held != (*head[1:3], *head[5:11])

    def _finish(self, manifest: dict[str, Any], file_hash: str) -> None:
        """The import's numbers and its history row."""
        store, result = self.store, self.result
        for cert in self.certificates:
            keys.remember_certificate(store, cert)
        for revocation in self.revocations:
            keys.remember_revocation(store, revocation)
        result.quarantined = self.quarantined
        result.set_aside = self.set_aside
        held, updated = store.select(
            "SELECT coalesce(sum(held), 0), coalesce(sum(held AND changed), 0) FROM temp.sync_touched"
        )[0]
        result.new, result.updated = self.fresh, int(updated)
        result.records = self.fresh + int(held)
        result.unchanged = result.records - result.new - result.updated
        # Open conflicts among the records that received new revisions. A conflict needs two leaf
        # revisions, so it is looked for only where the store or the file holds a record's revisions in
        # more than one place, or one member holds two leaves (members.member_rows).
        result.conflicts = count_open_conflicts(
            store,
            "SELECT t.id FROM temp.sync_touched t WHERE (t.n > 1 OR t.suspect)"
            " AND EXISTS (SELECT 1 FROM revisions v WHERE v.id = t.id AND v.seq > ?)",
            [self.seq_before],
        )
        result.changes.kinds.update(self.changed_kinds)
        if len(self.changed_ids) <= _IDS_SHOWN:
            result.changes.ids.update(self.changed_ids)
        if self.max_rev:
            store.clock.observe(self.max_rev)
        store.db.execute(
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
                    [{"id": v["id"], "name": str(v.get("name") or "")[:40]} for v in manifest["villages"]],
                    ensure_ascii=False,
                ),
                result.new,
                result.updated,
                result.unchanged,
                result.conflicts,
                escaped(self.path.name),
                int(manifest["full"]),
            ],
        )


# --- helpers -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _big_cache(store: Store) -> Iterator[None]:
    """A larger page cache while importing, so index inserts of a big file mostly hit memory (bounded)."""
    db = store.db
    main, temp = (db.execute(f"PRAGMA {schema}.cache_size").fetchone()[0] for schema in ("main", "temp"))
    db.execute(f"PRAGMA main.cache_size = {-_CACHE_KIB}")
    db.execute(f"PRAGMA temp.cache_size = {-_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA main.cache_size = {main}")
        db.execute(f"PRAGMA temp.cache_size = {temp}")


def _digest(row: tuple[Any, ...]) -> str:
    """The digest of a revision row's content (all but its identity), as the quarantine keys it."""
    data = row[9].decode() if isinstance(row[9], bytes) else row[9]
    content = canonical([row[1], row[2], row[5], row[6], row[7], row[8], data, row[10]])
    return hashlib.sha256(content.encode()).hexdigest()


def _settle_again(conn: sqlite3.Connection, rid: str) -> None:
    """A record's resolutions anew from the revisions held (after one of them was replaced)."""
    conn.execute("DELETE FROM resolutions WHERE id = ?", (rid,))
    conn.execute(
        "INSERT OR IGNORE INTO resolutions (id, rev, origin) SELECT r.id, json_extract(j.value, '$[0]'),"
        " json_extract(j.value, '$[1]') FROM revisions r, json_each(r.resolves) j"
        " WHERE r.id = ? AND r.resolves IS NOT NULL",
        (rid,),
    )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
