"""Verifying the members of an export file, line by line: the CPU-bound half of an import.

A member is read as a stream with hard caps, its SHA-256 checked against the (already verified, signed)
manifest, decrypted when sealed, and every line parsed and validated with its record kind's form. Small
files are verified in the importing process; big ones in worker processes (:func:`verify_in_worker`),
while the importing process writes the members already verified — verification is Python, writing is
SQLite, so on two or more cores they overlap.

Nothing here touches the store; it only reads the file.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from ..clock import REV, wall_ms
from ..errors import CounselError, ValidationError
from ..forms import form_for, is_clean, validate
from ..jsontext import canonical, loads_strict
from ..shapes import shape_problem
from ..store import KINDS, month_of
from .fileformat import (
    DEVICE_ID,
    MAX_LINE_BYTES,
    MAX_MEMBER_BYTES,
    MAX_RATIO,
    MAX_RESOLVES,
    MAX_UPDATED_AT,
    RECORD_ID,
    member_nonce,
)


class Refused(CounselError):
    """An export file refused, with the one-line Chinese reason; the store is unchanged."""


def _refuse(message: str) -> Refused:
    return Refused(message)


@dataclass
class MemberRows:
    """One verified member: its revision rows (in the column order of ``revisions``), per record the
    highest of them (``heads``), the conflict resolutions they carry, and their tallies."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    heads: list[tuple[Any, ...]] = field(default_factory=list)
    months: list[str | None] = field(default_factory=list)  # records.month of each head
    resolutions: list[tuple[str, str, str]] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    villages: Counter[str] = field(default_factory=Counter)
    forked: set[str] = field(default_factory=set)  # records with two or more leaf revisions here
    origins: set[str] = field(default_factory=set)  # the devices that made these revisions
    max_rev: str = ""


def member_rows(zf: zipfile.ZipFile, index: int, member: dict[str, Any], cipher: Any) -> MemberRows:
    """Read, check and parse one member (``index`` counts from 1, as the sealing nonce does); Refused
    with the reason when anything in it is wrong."""
    name = member["name"]
    info = zf.getinfo(name)
    body = read_capped(zf, info, min(member["size"], MAX_MEMBER_BYTES), declared=member["size"])
    if len(body) != member["size"] or hashlib.sha256(body).hexdigest() != member["sha256"]:
        raise _refuse(f"成员 {name} 的校验值与清单不符（文件被改动或已损坏）")
    if cipher is not None:
        body = open_sealed(cipher, index, name, body)
    out = MemberRows()
    rows, kinds, villages = out.rows, out.kinds, out.villages
    best: dict[str, tuple[Any, ...]] = {}
    months: dict[str, str | None] = {}
    bases: set[tuple[str, str, str]] = set()  # the revisions other lines here were edited from
    same: Callable[[Any, Any], Any] = {}.setdefault
    max_rev = ""
    latest_ms = wall_ms() + MAX_FUTURE_MS
    for number, line in member_lines(body, name):
        got = fast_row(line, latest_ms, same)
        row, month = got if got is not None else _full_row(line, number, name, latest_ms, same)
        rows.append(row)
        rid, kind, village, rev = row[0], row[1], row[2], row[3]
        kinds[kind] += 1
        if village:
            villages[village] += 1
        if rev > max_rev:
            max_rev = rev
        top = best.get(rid)
        if top is None or (rev, row[4]) > (top[3], top[4]):
            if top is not None and top[1] != kind:
                raise _refuse("同一记录编号出现了不同的记录类型，文件无效")
            best[rid] = row
            months[rid] = month
        elif top[1] != kind:
            raise _refuse("同一记录编号出现了不同的记录类型，文件无效")
        if row[5] is not None:
            bases.add((rid, row[5], row[6]))
        if row[10] is not None:
            out.resolutions.extend((rid, r, o) for r, o in loads_strict(row[10]))
    out.max_rev = max_rev
    out.origins = set(map(itemgetter(4), rows))
    # A record whose revisions here form one line of edits has one leaf, its current revision: it can
    # only be in conflict if it has revisions elsewhere too (the store, another member), which the
    # importing process knows. The others are named so conflicts are looked for there.
    leaves = Counter(row[0] for row in rows if (row[0], row[3], row[4]) not in bases)
    out.forked = {rid for rid, n in leaves.items() if n > 1}
    out.heads = list(best.values())  # the same tuples: sent to the importing process once
    out.months = [months[rid] for rid in best]
    if len(rows) != member["revisions"]:
        raise _refuse(f"成员 {name} 的记录数与清单不符")
    return out


def _load_fast_path(line: bytes) -> Any:
    """The first line decoded imports the fast path: building its structs would add ~15 ms to the
    program's every start, import or not. Then the module's own functions take over."""
    global _decode, _month
    from . import fastlines

    _decode, _month = fastlines.decode, fastlines.month
    return _decode(line)


_decode: Callable[[bytes], Any] = _load_fast_path
_month: Callable[[Any], str | None]


def fast_row(
    line: bytes, latest_ms: int, same: Callable[[Any, Any], Any]
) -> tuple[tuple[Any, ...], str | None] | None:
    """:func:`record_row` of a line the exporter wrote whose data is already clean (:mod:`.fastlines`),
    reached without building the data as Python objects; None for any other line. ``same`` gives one
    object per repeated value (kind, village, device, time): a worker sends the rows to the importing
    process, and pickle then writes each repeated value once."""
    got = _decode(line)
    if got is None:
        return None
    kind, p, raw = got
    try:
        check_identity(
            p.id, p.village_id, p.rev, p.origin, p.base_rev, p.base_origin, p.updated_at, latest_ms
        )
    except ValueError:
        return None  # the full path words the refusal
    origin = same(p.origin, p.origin)
    row = (
        p.id,
        same(kind, kind),
        same(p.village_id, p.village_id),
        p.rev,
        origin,
        p.base_rev,
        None
        if p.base_origin is None
        else origin
        if p.base_origin == origin
        else same(p.base_origin, p.base_origin),
        same(p.updated_at, p.updated_at),
        int(p.deleted),
        raw,
        None,
    )
    return row, _month(p.data)


def _full_row(
    line: bytes, number: int, name: str, latest_ms: int, same: Callable[[Any, Any], Any]
) -> tuple[tuple[Any, ...], str | None]:
    """:func:`record_row` of any line: parsed, validated and written anew; Refused with the reason."""
    try:
        *row, month = record_row(loads_strict(line), latest_ms)
    except RecursionError:
        raise _refuse(f"成员 {name} 第 {number} 行记录无效：嵌套过深")
    except ValueError as exc:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(f"成员 {name} 不是 UTF-8 文本")
        raise _refuse(f"成员 {name} 第 {number} 行记录无效：{_line_reason(exc)}")
    row[1], row[2], row[4], row[7] = (
        same(row[1], row[1]),
        same(row[2], row[2]),
        same(row[4], row[4]),
        same(row[7], row[7]),
    )
    return tuple(row), month


def _line_reason(exc: ValueError) -> str:
    text = str(exc)
    if "depth limit" in text:
        return "嵌套过深"
    if type(exc) is ValueError:
        return text  # ours, in Chinese
    return "不是有效的 JSON（或含有 NaN、无效字符）"


# --- in a worker process ---------------------------------------------------------------------------------

_open: dict[tuple[str, int, int], zipfile.ZipFile] = {}


def verify_in_worker(path: str, index: int, member: dict[str, Any], key: bytes | None) -> MemberRows | str:
    """:func:`member_rows` in a worker process: the rows, or the Chinese reason the file is refused."""
    stat = Path(path).stat()
    handle = (path, stat.st_size, stat.st_mtime_ns)
    zf = _open.get(handle)
    try:
        if zf is None:
            for old in _open.values():
                old.close()
            _open.clear()
            zf = _open[handle] = zipfile.ZipFile(path)
        return member_rows(zf, index, member, ChaCha20Poly1305(key) if key else None)
    except Refused as exc:
        return str(exc)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        return damaged(exc)
    except KeyError:  # the file was replaced by another one while it was being imported
        return "文件在导入过程中被改动"
    except UnicodeDecodeError:
        return "压缩包成员名不是有效的 UTF-8 文字，不是本程序的导出文件"
    except OSError as exc:
        return f"无法读取文件：{exc.strerror or exc}"


def worker_init(parent: int | None = None) -> None:
    """Each worker's objects are short-lived and acyclic: the cycle collector only costs time. A worker
    dies with the import that started it: killed, it must not go on holding the file (or the processor)."""
    import gc

    gc.disable()
    die_with_parent(parent)


def die_with_parent(parent: int | None) -> None:
    """Ask Linux to kill this process when its parent dies (``PR_SET_PDEATHSIG``); should the parent be
    gone already (it died before the request took effect), exit now. Elsewhere a watcher thread does it."""
    import os
    import signal
    import sys
    import threading
    import time

    if parent is None:
        return
    asked = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            asked = ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL) == 0  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)
    if asked:
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def damaged(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        reason = "校验和错误"
    elif isinstance(exc, EOFError) or "truncated" in text.lower():
        reason = "文件被截断"
    else:
        reason = "ZIP 结构错误"
    return f"文件已损坏或不完整，无法作为导出文件读取（{reason}）"


# --- one line ------------------------------------------------------------------------------------------

# A revision may be dated a little ahead of this machine's clock (another laptop's clock runs fast; demo
# data continues into coming months), but not years ahead: a revision from the far future would drag
# this store's clock there for good.
MAX_FUTURE_MS = 3 * 366 * 24 * 3600 * 1000


def _text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _is_rev(value: Any) -> bool:
    return type(value) is str and REV.match(value) is not None


# Village and device ids repeat on line after line: each is matched once (per process, up to a bound).
_VILLAGE_IDS: set[str] = set()
_DEVICE_IDS: set[str] = set()
_KNOWN_MAX = 10_000


def _known(value: Any, pattern: Any, known: set[str]) -> bool:
    if type(value) is not str:
        return False
    if value in known:
        return True
    if pattern.match(value) is None:
        return False
    if len(known) < _KNOWN_MAX:
        known.add(value)
    return True


def check_identity(
    rid: Any,
    village_id: Any,
    rev: Any,
    origin: Any,
    base_rev: Any,
    base_origin: Any,
    updated_at: Any,
    latest_ms: int | None = None,
) -> None:
    """The identity fields of a revision line; ValueError (Chinese) naming the first bad one."""
    if not (isinstance(rid, str) and RECORD_ID.match(rid)):
        raise ValueError("记录编号无效")
    if village_id is not None and not _known(village_id, RECORD_ID, _VILLAGE_IDS):
        raise ValueError("所属村编号无效")
    if not _is_rev(rev):
        raise ValueError("修订号格式无效")
    if not _known(origin, DEVICE_ID, _DEVICE_IDS):
        raise ValueError("来源设备编号无效")
    if (base_rev is None) != (base_origin is None):
        raise ValueError("上一修订信息不完整")
    if base_rev is not None and not (_is_rev(base_rev) and _known(base_origin, DEVICE_ID, _DEVICE_IDS)):
        raise ValueError("上一修订信息无效")
    if not _text(updated_at, MAX_UPDATED_AT):
        raise ValueError("修改时间无效")
    if int(rev[:13]) > (latest_ms if latest_ms is not None else wall_ms() + MAX_FUTURE_MS):
        raise ValueError("修订号的时间远在未来（对方设备时钟错误或文件被篡改）")
    if base_rev is not None and base_rev >= rev:
        raise ValueError("修订号不晚于它所基于的修订")


def record_row(obj: Any, latest_ms: int | None = None) -> tuple[Any, ...]:
    """A verified revision line as a row of ``revisions`` (``data`` as UTF-8 bytes of its canonical
    text) and its month last; ValueError (Chinese) when it is not.
    ``latest_ms``: the latest revision time accepted (by default, :data:`MAX_FUTURE_MS` from now)."""
    if not isinstance(obj, dict):
        raise ValueError("不是 JSON 对象")
    kind = obj.get("kind")
    if kind not in KINDS:
        raise ValueError(f"记录类型“{kind}”未知")
    rid = obj.get("id")
    village_id = obj.get("village_id")
    rev, origin = obj.get("rev"), obj.get("origin")
    base_rev, base_origin = obj.get("base_rev"), obj.get("base_origin")
    updated_at = obj.get("updated_at")
    check_identity(rid, village_id, rev, origin, base_rev, base_origin, updated_at, latest_ms)
    deleted = obj.get("deleted")
    if deleted not in (True, False, 0, 1):
        raise ValueError("删除标记无效")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise ValueError("数据不是 JSON 对象")
    try:
        form = form_for(kind)
        if not is_clean(form, data):  # most lines are: then validation would change nothing
            data = validate(form, data)
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
            if pair[0] >= rev:
                # A person settles versions they have seen: a resolution names only revisions older
                # than itself (the clock moved past them), never one made after it.
                raise ValueError("冲突处理信息无效：处理了晚于自身的版本")
        resolves = canonical(resolves)
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
        canonical(data).encode(),  # as Store.put writes it: the same revision has the same text everywhere
        resolves,
        month_of(data),  # not a column of revisions: records.month, should this revision become current
    )


# --- reading members ------------------------------------------------------------------------------


def read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, declared: int | None = None) -> bytes:
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
                raise _refuse(f"成员 {info.filename} 超过大小限制（可能是压缩炸弹）")
            parts.append(chunk)
    if size > (1 << 20) and size > MAX_RATIO * max(info.compress_size, 1):
        raise _refuse(f"成员 {info.filename} 压缩比异常（可能是压缩炸弹）")
    return b"".join(parts)


def open_sealed(cipher: Any, index: int, name: str, body: bytes) -> bytes:
    try:
        packed = cipher.decrypt(member_nonce(index), body, name.encode())
    except InvalidTag:
        raise _refuse(f"成员 {name} 解密失败（文件被改动，或不是加密给本司法所的）")
    inflater = zlib.decompressobj()
    try:
        plain = inflater.decompress(packed, MAX_MEMBER_BYTES + 1)
    except zlib.error:
        raise _refuse(f"成员 {name} 解密后无法解压")
    if len(plain) > MAX_MEMBER_BYTES or inflater.unconsumed_tail or not inflater.eof:
        raise _refuse(f"成员 {name} 解压后超过大小限制或不完整")
    if inflater.unused_data.strip(b"\0"):  # after the stream only the padding's zeros (export.MEMBER_STEP)
        raise _refuse(f"成员 {name} 解压后有多余的内容")
    return plain


def member_lines(body: bytes, name: str) -> Iterator[tuple[int, bytes]]:
    """The member's lines (as bytes: each is checked to be UTF-8 as it is parsed)."""
    if body and not body.endswith(b"\n"):
        raise _refuse(f"成员 {name} 不完整（最后一行没有结束）")
    for number, line in enumerate(body.split(b"\n")[:-1], start=1):
        if len(line) > MAX_LINE_BYTES:
            raise _refuse(f"成员 {name} 第 {number} 行过长")
        yield number, line
