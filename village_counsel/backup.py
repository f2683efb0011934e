"""Automatic rotating backups and restore, made with SQLite's online backup API (never a raw file copy).

Backups live in ``<data dir>/backups``. They are thinned like Anki's: every backup of the last day (up to
12), one a day for two weeks, one a week for two months, one a month for a year."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from . import keyfiles
from .errors import StoreError
from .names import escaped
from .store import SCHEMA_VERSION, Store, read_schema_version

log = logging.getLogger(__name__)

PREFIX = "village-counsel-"
SUFFIX = ".backup.db"
# local rows that make this store this device; a restore keeps them (the private keys themselves live in
# key files outside the store: see keyfiles)
IDENTITY_KEYS = (
    "device_id",
    "created_at",
    "office_name",
    "trusted_office",
    "device_certificate",
    "device_public_key",
    keyfiles.BACKUPS_PENDING,  # (not identity, but this laptop's: its backups still to be wiped)
)
KEY_ADVICE = (
    "备份不含私钥（私钥只在本机的 keys 文件夹中）；换电脑时请用 "
    "village-counsel keys export-private -o 文件 --passphrase 导出私钥，并与备份分开妥善保管。"
)
# Tests kill a restore at each of its steps: VILLAGE_COUNSEL_TEST_KILL_AT=<step> (see restore()).
KILL_AT = "VILLAGE_COUNSEL_TEST_KILL_AT"


def backup_dir(store: Store) -> Path:
    if store.path is None:
        raise StoreError("内存数据库不能备份")
    return store.path.parent / "backups"


def _stamp(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.name[len(PREFIX) : len(PREFIX) + 15], "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def list_backups(folder: Path) -> list[Path]:
    """Backups in a folder, newest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if _stamp(p)]
    return sorted(found, key=lambda p: _stamp(p) or datetime.min, reverse=True)


def make_backup(store: Store, reason: str = "manual", *, now: datetime | None = None) -> Path:
    """A consistent copy of the store now; then thin the older backups."""
    now = now or datetime.now()
    folder = backup_dir(store)
    name = f"{PREFIX}{now:%Y%m%d-%H%M%S}-{reason}{SUFFIX}"
    target = folder / name
    n = 1
    while target.exists():
        target = folder / name.replace(SUFFIX, f"-{n}{SUFFIX}")
        n += 1
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    store.backup(target)
    keyfiles.private(target)
    thin(folder, now=now)
    log.info("backup %s", escaped(str(target)))
    return target


def thin(folder: Path, *, now: datetime | None = None) -> list[Path]:
    """Delete backups the schedule no longer keeps; returns the deleted ones."""
    now = now or datetime.now()
    keep: set[Path] = set()
    buckets: set[tuple[str, int]] = set()
    recent = 0
    for path in list_backups(folder):
        stamp = _stamp(path)
        assert stamp is not None
        age = now - stamp
        if age <= timedelta(days=1):
            if recent < 12:
                keep.add(path)
                recent += 1
            continue
        if age <= timedelta(days=14):
            bucket = ("day", stamp.toordinal())
        elif age <= timedelta(days=60):
            bucket = ("week", stamp.toordinal() // 7)
        elif age <= timedelta(days=365):
            bucket = ("month", stamp.year * 12 + stamp.month)
        else:
            continue
        if bucket not in buckets:  # newest first, so the newest of each bucket stays
            buckets.add(bucket)
            keep.add(path)
    removed = []
    for path in list_backups(folder):
        if path not in keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def verify_backup(path: Path) -> None:
    """Refuse a file that is not a sound store of this program (or of a newer one)."""
    if not path.is_file():
        raise StoreError(f"找不到备份文件 {path}")
    version = read_schema_version(path)
    if version == 0 or version > SCHEMA_VERSION:
        raise StoreError(f"{path.name} 不是本程序可用的数据备份（数据结构版本 {version}）")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"备份文件已损坏：{exc}") from exc
    finally:
        conn.close()
    if result != "ok" or not {"records", "revisions", "local"} <= tables:
        raise StoreError(f"备份文件 {path.name} 已损坏或不完整，未恢复")


def backup_to(store: Store, path: Path) -> Path:
    """A backup written to a chosen place (``backup -o FILE``): atomically, readable by the user only;
    a folder, a device or a pipe is refused before anything is written."""
    from .sync.keys import refuse_special_output

    refuse_special_output(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keyfiles.remove_dead_parts(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        keyfiles.private_file(tmp).close()  # 0600 from the start (SQLite's journal takes its mode)
        store.backup(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)
        raise
    return path


@dataclass
class BackupSummary:
    """What a backup holds, shown before a restore: when it was made, its villages and records."""

    path: Path
    made_at: datetime
    villages: list[str]
    records: int
    # the backup's trust rows (the devices it lists as enrolled): a restore does not take them — this
    # store keeps its own — but a person should see that the backup came from another office's store
    devices: list[str] = field(default_factory=list)
    office: str = ""

    def trust_note(self) -> str:
        """One line on the backup's trust rows, for the question before a restore ("" when it has none)."""
        if not self.devices and not self.office:
            return ""
        who = "、".join(escaped(d, 20) for d in self.devices[:5]) + ("等" if len(self.devices) > 5 else "")
        office = f"信任司法所“{escaped(self.office, 60)}”，" if self.office else ""
        return f"备份中{office}登记设备 {len(self.devices)} 台（{who or '无'}）：恢复后不采用，本机的登记与信任不变。"


def describe_backup(path: Path) -> BackupSummary:
    """Read a backup (read-only) for the question before a restore; StoreError when it is not one."""
    verify_backup(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        villages = [
            str(r[0] or "")
            for r in conn.execute(
                "SELECT json_extract(data, '$.name') FROM records WHERE kind = 'village' AND deleted = 0"
                " ORDER BY 1"
            )
        ]
        records = int(conn.execute("SELECT count(*) FROM records WHERE deleted = 0").fetchone()[0])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        devices = (
            [str(r[0]) for r in conn.execute("SELECT advisor FROM devices ORDER BY advisor")]
            if "devices" in tables
            else []
        )
        office = conn.execute(
            "SELECT json_extract(value, '$.name') FROM local WHERE key = 'trusted_office' AND json_valid(value)"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"备份文件已损坏：{exc}") from exc
    finally:
        conn.close()
    made = _stamp(path) or datetime.fromtimestamp(path.stat().st_mtime)
    return BackupSummary(path, made, villages, records, devices, str(office[0] or "") if office else "")


def _step(name: str) -> None:
    """A point between two steps of a restore; a test kills the process here (SIGKILL, no clean-up)."""
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def restore(store_path: Path, backup: Path) -> Path:
    """Replace the store's contents with a backup; the current contents are backed up first.
    Returns the safety backup of what was there.

    The restored store is prepared in a temporary file — this device's identity rows, its enrolled
    devices, its clock and export numbers already written, any private key an old backup held wiped —
    and swapped in with one step of SQLite's backup API, which is one write transaction: killed at any
    moment, the store is either the old one or the restored one, and either way this device."""
    verify_backup(backup)
    for stale in store_path.parent.glob(".restore-*.db*"):  # left by a restore killed halfway
        stale.unlink(missing_ok=True)
    with Store(store_path) as current:
        safety = make_backup(current, "before-restore")
        _step("safety")
        tmp = store_path.parent / f".restore-{os.getpid()}.db"
        try:
            _prepare(current, backup, tmp)
            # This device's identity, trust and export numbers as they are now — read under the write
            # lock, right before the swap, so that a `keys revoke` or an export meanwhile is not lost.
            with current.writing():
                _make_ours(current, tmp, backup)
            _step("prepared")
            source = sqlite3.connect(f"file:{tmp}?mode=ro", uri=True)
            try:
                source.backup(current.db.conn)  # all pages in one step: one transaction
            finally:
                source.close()
            _step("swapped")
            current.clock.observe(current.get_local("clock") or current.clock.last)
        finally:
            for leftover in store_path.parent.glob(f".restore-{os.getpid()}.db*"):
                leftover.unlink(missing_ok=True)
    return safety


def _prepare(current: Store, backup: Path, tmp: Path) -> None:
    """The backup copied to ``tmp`` and migrated, under this device's id (see :func:`restore`)."""
    device_id = current.device_id
    page_size = current.db.execute("PRAGMA page_size").fetchone()[0]
    conn = sqlite3.connect(str(tmp), isolation_level=None)
    try:
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            source.backup(conn)
        finally:
            source.close()
        conn.execute("PRAGMA journal_mode = DELETE")
        keyfiles.wipe_legacy_rows(conn)  # a backup of before key files must not bring its keys back
        conn.execute("INSERT OR REPLACE INTO local (key, value) VALUES ('device_id', ?)", [device_id])
    finally:
        conn.close()
    _step("copied")
    with Store(tmp):  # migrations (a backup of an older program); its identity is already this device's
        pass
    conn = sqlite3.connect(str(tmp), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        if conn.execute("PRAGMA page_size").fetchone()[0] != page_size:
            conn.execute(f"PRAGMA page_size = {page_size}")  # the backup API cannot change it in WAL mode
            conn.execute("VACUUM")
    finally:
        conn.close()


def _make_ours(current: Store, tmp: Path, backup: Path) -> None:
    """Write this device's identity rows, its enrolled devices, its clock and export numbers into the
    prepared copy (``current`` is inside its write transaction: nothing changes them meanwhile)."""
    identity = {key: current.get_local(key) for key in IDENTITY_KEYS}
    clock = current.sync_clock()
    last_seq = current.select("SELECT coalesce(max(seq), 0) FROM exports")[0][0]
    devices = current.select("SELECT * FROM devices")
    conn = sqlite3.connect(str(tmp), isolation_level=None)
    try:
        restored_clock = (conn.execute("SELECT value FROM local WHERE key = 'clock'").fetchone() or [clock])[
            0
        ]
        conn.execute("BEGIN IMMEDIATE")
        # The records come back; the device stays this one (a backup from another laptop must not make
        # two devices sign as one). Its export numbers go on, and the next export is a full one.
        for key, value in identity.items():
            if value is None:
                conn.execute("DELETE FROM local WHERE key = ?", [key])
            else:
                conn.execute("INSERT OR REPLACE INTO local (key, value) VALUES (?, ?)", [key, value])
        conn.execute(
            "INSERT OR REPLACE INTO local (key, value) VALUES ('clock', ?)", [max(clock, restored_clock)]
        )
        conn.execute("DELETE FROM exports")
        if last_seq:
            conn.execute(
                "INSERT INTO exports (seq, made_at, upto, full, records, path) VALUES (?, ?, -1, 0, 0, ?)",
                [last_seq, datetime.now().isoformat(timespec="seconds"), f"restore:{escaped(backup.name)}"],
            )
        # Enrolments and revocations are this store's trust, not the backup's: a backup of another
        # office's store must not make this one accept that office's devices.
        conn.execute("DELETE FROM devices")
        if devices:
            marks = ",".join("?" * len(devices[0]))
            conn.executemany(f"INSERT INTO devices VALUES ({marks})", devices)
        conn.execute("COMMIT")
    finally:
        conn.close()


def register(sub: argparse._SubParsersAction) -> None:
    from .cli import nonempty

    p = sub.add_parser("backup", help="立即备份数据（自动轮换保留）；--list 列出已有备份")
    p.add_argument("--list", action="store_true", help="列出已有备份")
    p.add_argument(
        "-o",
        "--output",
        type=lambda text: Path(nonempty("备份文件")(text)),
        metavar="FILE",
        help="备份写到指定文件（另存一份，例如 U 盘）",
    )
    p.set_defaults(func=_cmd_backup)

    p = sub.add_parser("restore", help="从备份恢复（先自动备份当前数据）")
    p.add_argument("file", type=lambda text: Path(nonempty("备份文件")(text)), help="备份文件")
    p.set_defaults(func=_cmd_restore)


def _cmd_backup(args: argparse.Namespace) -> int:
    from .cli import open_cli_store

    with open_cli_store(args) as store:
        if args.list:
            for path in list_backups(backup_dir(store)):
                print(f"{escaped(str(path))}  {path.stat().st_size / 1024:.0f} KB")
            return 0
        made = backup_to(store, args.output) if args.output else make_backup(store)
        print(f"已备份到 {escaped(str(made))}")
        print(KEY_ADVICE)
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from . import paths

    safety = restore(paths.store_path(args.data_dir), args.file)
    print(f"已从 {escaped(str(args.file))} 恢复；恢复前的数据已备份到 {escaped(str(safety))}")
    return 0


def backup_if_changed(store: Store, reason: str = "auto", *, now: datetime | None = None) -> Path | None:
    """A backup when the records changed since the last automatic one (the window calls this on close)."""
    if store.path is None:
        return None
    fingerprint = store.fingerprint()
    if store.get_local("backup_fingerprint") == fingerprint:
        return None
    path = make_backup(store, reason, now=now)
    store.set_local("backup_fingerprint", fingerprint)
    return path
