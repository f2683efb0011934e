"""Private key files (私钥文件): the device's signing key and a township office's keys live outside the
SQLite store, in ``<data dir>/keys/<device id>.<name>.key`` — readable by the user only (0600, the folder
0700, like SSH keys) — so that no backup, export or copied store ever carries them.

Stores made before kept their private keys in the ``local`` table: :func:`settle` moves them to key files
on opening, wipes them from the store (``secure_delete``) and from the backups beside it.

Nothing here knows about cryptography: a key file is a small JSON object of base64 fields.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

FORMAT = "village-counsel-private-key"
# ``local`` rows of stores made before key files: moved out by settle()
LEGACY_ROWS = {"device_signing_key": "device", "office_private_key": "office"}
MAX_KEY_FILE = 64 * 1024
# local: the keys were moved out of the store but the backups beside it may still hold them
BACKUPS_PENDING = "legacy_keys_in_backups"

# Keys of stores in memory (tests, benchmarks): never written anywhere.
_MEMORY: weakref.WeakKeyDictionary[Store, dict[str, dict[str, Any]]] = weakref.WeakKeyDictionary()


def key_dir(store: Store) -> Path | None:
    return None if store.path is None or store.in_memory else store.path.parent / "keys"


def key_path(store: Store, name: str) -> Path | None:
    folder = key_dir(store)
    return None if folder is None else folder / f"{store.device_id}.{name}.key"


def read_key(store: Store, name: str) -> dict[str, Any] | None:
    """The key file ``name`` (device, office) of this store's device, or None when there is none."""
    path = key_path(store, name)
    if path is None:
        return _MEMORY.get(store, {}).get(name)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_KEY_FILE + 1)
    except FileNotFoundError:
        return None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OSError(f"密钥文件已损坏：{path}") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT or body.get("device_id") != store.device_id:
        raise OSError(f"密钥文件已损坏或不属于本机：{path}")
    return body


def write_key(store: Store, name: str, fields: dict[str, Any], *, replace: bool = False) -> dict[str, Any]:
    """Save a key file (0600). Without ``replace`` an existing one wins — two processes making the
    device's first key at once end up with the same key — and is returned instead."""
    body = {"format": FORMAT, "device_id": store.device_id, "name": name, **fields}
    path = key_path(store, name)
    if path is None:
        keys = _MEMORY.setdefault(store, {})
        if replace or name not in keys:
            keys[name] = body
        return keys[name]
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    data = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if it exists: the first key made is the key
            except FileExistsError:
                pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _fsync_dir(folder)
    stored = read_key(store, name)
    assert stored is not None
    return stored


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def private(path: Path) -> None:
    """Make a file the user's only (a store, a backup, an export with personal data)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)


def private_file(path: Path) -> BinaryIO:
    """A new file opened for writing, the user's only from the start (a temporary file of an export or a
    backup: killed halfway, it must not lie about readable by others)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def remove_dead_parts(folder: Path) -> None:
    """The temporary files that an export or a backup to this folder left when it was killed
    (``.NAME.PID.part`` and SQLite's ``-journal`` beside it): those whose process is gone."""
    try:
        entries = list(folder.glob(".*.part*"))
    except OSError:
        return
    for stale in entries:
        name = stale.name
        if name.endswith(".part-journal"):
            name = name[: -len("-journal")]
        if not name.endswith(".part"):
            continue
        pid = name[: -len(".part")].rpartition(".")[2]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                stale.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def settle(store: Store) -> None:
    """On opening a store in a folder: the store file the user's only (the data folder is made 0700 when
    the program makes it, see :class:`..store.Store`; a folder the user chose — /tmp — is left as it is),
    and private keys of an older store moved out of it."""
    assert store.path is not None
    for suffix in ("", "-wal", "-shm"):
        target = Path(f"{store.path}{suffix}")
        with contextlib.suppress(OSError):
            if target.exists() and stat.S_IMODE(target.stat().st_mode) & 0o077:
                os.chmod(target, 0o600)
    legacy = store.select(
        f"SELECT key, value FROM local WHERE key IN ({','.join('?' * len(LEGACY_ROWS))})", list(LEGACY_ROWS)
    )
    if legacy:
        move_legacy_keys(store, dict(legacy))
    elif store.get_local(BACKUPS_PENDING):  # a move killed before it wiped the backups: finish it
        wipe_backups(store)


def move_legacy_keys(store: Store, rows: dict[str, str]) -> None:
    """Write the private keys an older store held in ``local`` to key files, then wipe them from the
    store and from every backup beside it (an old backup must not keep handing them out)."""
    name = store.get_local("office_name") or ""
    if "device_signing_key" in rows:
        write_key(store, "device", {"signing_key": rows["device_signing_key"]})
    if "office_private_key" in rows:
        write_key(store, "office", {"office_name": name, "encryption_key": rows["office_private_key"]})
    with store.writing():
        wipe_legacy_rows(store.db.conn, begin=False)
        # committed with the wipe: until the backups are wiped too, every start goes on with it
        store.db.execute("INSERT OR REPLACE INTO local (key, value) VALUES (?, '1')", [BACKUPS_PENDING])
    with contextlib.suppress(sqlite3.Error):
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    log.info("moved the private keys of a store to key files")
    wipe_backups(store)


def wipe_backups(store: Store) -> None:
    """Wipe the private-key rows of an older store from every backup beside it, then clear the mark."""
    failed = False
    if store.path is not None:
        for backup in sorted((store.path.parent / "backups").glob("*.db")):
            try:
                conn = sqlite3.connect(str(backup), isolation_level=None)
                try:
                    if wipe_legacy_rows(conn):
                        conn.execute("VACUUM")
                finally:
                    conn.close()
            except sqlite3.Error as exc:
                failed = True
                log.warning("could not wipe the keys from a backup: %s", exc)
    if not failed:
        with store.writing():
            store.db.execute("DELETE FROM local WHERE key = ?", [BACKUPS_PENDING])


def wipe_legacy_rows(conn: sqlite3.Connection, *, begin: bool = True) -> bool:
    """Delete the private-key rows of ``local`` so their bytes are overwritten, not just unlinked."""
    marks = ",".join("?" * len(LEGACY_ROWS))
    try:
        found = conn.execute(
            f"SELECT count(*) FROM local WHERE key IN ({marks})", list(LEGACY_ROWS)
        ).fetchone()[0]
    except sqlite3.OperationalError:  # not a store
        return False
    if found:
        conn.execute("PRAGMA secure_delete = ON")
        try:
            if begin:
                conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"DELETE FROM local WHERE key IN ({marks})", list(LEGACY_ROWS))
            if begin:
                conn.execute("COMMIT")
        finally:
            conn.execute("PRAGMA secure_delete = OFF")
    return bool(found)
