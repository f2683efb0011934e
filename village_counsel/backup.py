"""Automatic rotating backups and restore, made with SQLite's online backup API (never a raw file copy).

Backups live in ``<data dir>/backups``. They are thinned like Anki's: every backup of the last day (up to
12), one a day for two weeks, one a week for two months, one a month for a year."""

from __future__ import annotations

import argparse
import logging
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from .errors import StoreError
from .store import SCHEMA_VERSION, Store, read_schema_version

log = logging.getLogger(__name__)

PREFIX = "village-counsel-"
SUFFIX = ".backup.db"
# local rows that make this store this device; a restore keeps them
IDENTITY_KEYS = ("device_id", "created_at", "device_signing_key", "office_private_key", "office_name")


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
    store.backup(target)
    thin(folder, now=now)
    log.info("backup %s", target)
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


def restore(store_path: Path, backup: Path) -> Path:
    """Replace the store's contents with a backup; the current contents are backed up first.
    Returns the safety backup of what was there."""
    verify_backup(backup)
    with Store(store_path) as current:
        safety = make_backup(current, "before-restore")
        identity = {key: current.get_local(key) for key in IDENTITY_KEYS}
        clock = current.clock.last
        last_seq = current.select("SELECT coalesce(max(seq), 0) FROM exports")[0][0]
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            source.backup(current.db.conn)
        finally:
            source.close()
        # The records come back; the device stays this one (a backup from another laptop must not make
        # two devices sign as one). Its export numbers go on, and the next export is a full one.
        restored_clock = current.get_local("clock") or clock
        with current.db.atomic():
            for key, value in identity.items():
                if value is None:
                    current.db.execute("DELETE FROM local WHERE key = ?", [key])
                else:
                    current.db.execute(
                        "INSERT OR REPLACE INTO local (key, value) VALUES (?, ?)", [key, value]
                    )
            current.db.execute(
                "INSERT OR REPLACE INTO local (key, value) VALUES ('clock', ?)", [max(clock, restored_clock)]
            )
            current.db.execute("DELETE FROM exports")
            if last_seq:
                current.db.execute(
                    "INSERT INTO exports (seq, made_at, upto, full, records, path) VALUES (?, ?, -1, 0, 0, ?)",
                    [last_seq, datetime.now().isoformat(timespec="seconds"), f"restore:{backup.name}"],
                )
    return safety


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="立即备份数据（自动轮换保留）；--list 列出已有备份")
    p.add_argument("--list", action="store_true", help="列出已有备份")
    p.set_defaults(func=_cmd_backup)
    from .cli import nonempty

    p = sub.add_parser("restore", help="从备份恢复（先自动备份当前数据）")
    p.add_argument("file", type=lambda text: Path(nonempty("备份文件")(text)), help="备份文件")
    p.set_defaults(func=_cmd_restore)


def _cmd_backup(args: argparse.Namespace) -> int:
    from .cli import open_cli_store

    with open_cli_store(args) as store:
        if args.list:
            for path in list_backups(backup_dir(store)):
                print(f"{path}  {path.stat().st_size / 1024:.0f} KB")
            return 0
        print(f"已备份到 {make_backup(store)}")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from . import paths

    safety = restore(paths.store_path(args.data_dir), args.file)
    print(f"已从 {args.file} 恢复；恢复前的数据已备份到 {safety}")
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
