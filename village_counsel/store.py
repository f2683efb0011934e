"""The local store: one SQLite file, opened, migrated and written only through this module.

Every synced record lives in ``records`` (its current revision) and ``revisions`` (every revision this
store has seen, its own and imported ones: the history and the ground for conflict detection). The
record's fields are a JSON object in ``data``; ``month`` is derived from ``data.date`` for indexed
period queries. Device identity, the clock and settings are local rows in ``local`` and never synced.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .clock import HybridClock
from .errors import NotFound, StoreError, sqlite_message
from .jsontext import canonical

log = logging.getLogger(__name__)

KINDS = (
    "village",
    "profile",
    "session",
    "matter",
    "power_exercise",
    "service_entry",
    "monthly_note",
    "submission",
)


@dataclass
class Record:
    """One synced record at its current revision."""

    kind: str
    id: str
    village_id: str | None
    data: dict[str, Any]
    rev: str = ""
    origin: str = ""
    updated_at: str = ""
    deleted: bool = False
    base_rev: str | None = None
    base_origin: str | None = None

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass
class Changes:
    """What a write changed, so each page refreshes only its part."""

    kinds: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    def add(self, record: Record) -> Changes:
        self.kinds.add(record.kind)
        self.ids.add(record.id)
        return self

    def merge(self, other: Changes) -> Changes:
        self.kinds |= other.kinds
        self.ids |= other.ids
        return self

    def __bool__(self) -> bool:
        return bool(self.kinds)


# --- migrations: small numbered functions, each run in its own transaction with user_version -------------


def _script(db: sqlite_utils.Database, sql: str) -> None:
    """Run statements one by one: ``executescript`` would COMMIT first and break the migration's transaction."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _m1_core(db: sqlite_utils.Database) -> None:
    _script(
        db,
        """
        CREATE TABLE local (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE records (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            village_id TEXT,
            rev TEXT NOT NULL,
            origin TEXT NOT NULL,
            base_rev TEXT,
            base_origin TEXT,
            updated_at TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL,
            month TEXT GENERATED ALWAYS AS (substr(json_extract(data, '$.date'), 1, 7)) VIRTUAL
        );
        CREATE INDEX records_kind_village_month ON records(kind, village_id, month);
        CREATE INDEX records_kind_month ON records(kind, month);
        CREATE TABLE revisions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL,
            kind TEXT NOT NULL,
            village_id TEXT,
            rev TEXT NOT NULL,
            origin TEXT NOT NULL,
            base_rev TEXT,
            base_origin TEXT,
            updated_at TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL,
            resolves TEXT,
            UNIQUE (id, rev, origin)
        );
        CREATE INDEX revisions_base ON revisions(id, base_rev, base_origin);
        """,
    )


def _m2_sync_log(db: sqlite_utils.Database) -> None:
    _script(
        db,
        """
        CREATE TABLE resolutions (
            id TEXT NOT NULL, rev TEXT NOT NULL, origin TEXT NOT NULL,
            PRIMARY KEY (id, rev, origin)
        );
        CREATE TABLE exports (
            seq INTEGER PRIMARY KEY, made_at TEXT NOT NULL, upto INTEGER NOT NULL,
            full INTEGER NOT NULL, records INTEGER NOT NULL, path TEXT
        );
        CREATE TABLE imports (
            n INTEGER PRIMARY KEY AUTOINCREMENT,
            device_id TEXT NOT NULL, device_key TEXT, seq INTEGER NOT NULL, file_sha256 TEXT NOT NULL,
            imported_at TEXT NOT NULL, made_at TEXT, villages TEXT, new INTEGER, updated INTEGER,
            unchanged INTEGER, conflicts INTEGER, file_name TEXT
        );
        CREATE INDEX imports_device ON imports(device_id, seq);
        """,
    )


def _m3_search_index(db: sqlite_utils.Database) -> None:
    """Full-text search (village_counsel.search): an FTS5 table over pre-split Chinese bigrams, filled lazily."""
    _script(
        db,
        """
        CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize='unicode61');
        CREATE TABLE search_docs (
            docid INTEGER PRIMARY KEY, rid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, village_id TEXT, month TEXT
        );
        """,
    )


def _m4_import_full(db: sqlite_utils.Database) -> None:
    """Sync: whether an imported file was a full export, so a gap before it is no longer reported."""
    db.execute("ALTER TABLE imports ADD COLUMN full INTEGER NOT NULL DEFAULT 0")


def _m5_drop_base_index(db: sqlite_utils.Database) -> None:
    """Speed: the (id, base_rev, base_origin) index doubled the cost of every revision written (an import
    of a county's file spent a third of its time on it); the conflict query finds a record's few
    revisions through the (id, rev, origin) key just as well."""
    db.execute("DROP INDEX IF EXISTS revisions_base")


def _m6_stored_month(db: sqlite_utils.Database) -> None:
    """Speed: ``records.month`` becomes a column its writers fill (:func:`month_of`) instead of one
    generated from ``json_extract(data, '$.date')`` — which parsed the whole record each time one of its
    two indexes was written or rebuilt. The records are copied once, month included."""
    _script(
        db,
        """
        CREATE TABLE records_new (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            village_id TEXT,
            rev TEXT NOT NULL,
            origin TEXT NOT NULL,
            base_rev TEXT,
            base_origin TEXT,
            updated_at TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL,
            month TEXT
        );
        INSERT INTO records_new SELECT id, kind, village_id, rev, origin, base_rev, base_origin, updated_at,
            deleted, data, month FROM records ORDER BY rowid;
        DROP TABLE records;
        ALTER TABLE records_new RENAME TO records;
        CREATE INDEX records_kind_village_month ON records(kind, village_id, month);
        CREATE INDEX records_kind_month ON records(kind, month);
        """,
    )


def _m7_trust(db: sqlite_utils.Database) -> None:
    """Trust (登记): the devices a township office enrolled, as their office-signed certificates (with a
    signed revocation once revoked), and the revisions quarantined because they collide with one already
    held (same id, rev and origin, other content). Both are this store's own: never synced as records."""
    _script(
        db,
        """
        CREATE TABLE devices (
            device_id TEXT PRIMARY KEY, device_key TEXT NOT NULL, advisor TEXT NOT NULL, firm TEXT,
            villages TEXT, issued_at TEXT NOT NULL, certificate TEXT NOT NULL,
            revoked_at TEXT, revocation TEXT
        );
        CREATE TABLE quarantine (
            id TEXT NOT NULL, rev TEXT NOT NULL, origin TEXT NOT NULL, digest TEXT NOT NULL,
            kind TEXT NOT NULL, village_id TEXT, base_rev TEXT, base_origin TEXT, updated_at TEXT NOT NULL,
            deleted INTEGER NOT NULL, data TEXT NOT NULL, resolves TEXT,
            file_device TEXT NOT NULL, file_name TEXT, received_at TEXT NOT NULL,
            PRIMARY KEY (id, rev, origin, digest)
        );
        """,
    )


def _m8_relayed(db: sqlite_utils.Database) -> None:
    """Trust: whether a revision came in a file its origin did not sign (a relay). When the origin's own
    file later brings the same revision with other content, the origin's version is the revision and the
    relayed copy is the one quarantined; between two copies from the origin the first stays."""
    db.execute("ALTER TABLE revisions ADD COLUMN relayed INTEGER")


def month_of(data: dict[str, Any]) -> str | None:
    """A record's month (YYYY-MM) for ``records.month``: the first seven characters of its ``date``."""
    day = data.get("date")
    return day[:7] if isinstance(day, str) else None


MIGRATIONS = [
    _m1_core,
    _m2_sync_log,
    _m3_search_index,
    _m4_import_full,
    _m5_drop_base_index,
    _m6_stored_month,
    _m7_trust,
    _m8_relayed,
]
SCHEMA_VERSION = len(MIGRATIONS)
# The shape of the synced data, written in export files: migrations that change only this store's
# indexes or local tables leave it, so an older program still reads the files of a newer one.
DATA_VERSION = 5  # 5: submissions (报送), villages by national code, exercise reviews and case closing days
PAGE_SIZE = 16384
WAIT_STEP = 1.0  # seconds a write waits on the lock before saying so (then it waits on)
WAIT_LIMIT = 3600.0  # a writer that holds the store longer than this is taken to be stuck


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dumps(data: dict[str, Any]) -> str:
    return canonical(data)


def read_schema_version(path: Path) -> int:
    """The schema version of a store file, read without writing to it."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        if "not a database" in text or "malformed" in text:
            raise StoreError(f"无法读取数据文件 {path}：文件已损坏或不是本程序的数据文件") from exc
        raise StoreError(f"无法读取数据文件 {path}：{sqlite_message(exc)}") from exc


class Store:
    """An open store. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None, *, memory: bool = False) -> None:
        self.path = Path(path) if path else None
        self.in_memory = memory or self.path is None
        if memory or self.path is None:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            if not self.path.parent.exists():  # a folder the program makes is the user's only
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(OSError):
                    os.chmod(self.path.parent, 0o700)
            if self.path.exists() and self.path.stat().st_size > 0:
                version = read_schema_version(self.path)
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"数据文件 {self.path} 由更新版本的程序写入（数据结构第 {version} 版，"
                        f"本程序最高支持第 {SCHEMA_VERSION} 版）。请升级程序；文件未作任何改动。"
                    )
            try:
                # A short busy timeout: a writer that has to wait is told so after a second and then
                # waits on (see writing()), instead of failing after the timeout.
                conn = sqlite3.connect(
                    str(self.path), isolation_level=None, check_same_thread=False, timeout=WAIT_STEP
                )
            except sqlite3.Error as exc:
                raise StoreError(f"无法打开数据文件 {self.path}：{exc}") from exc
        self.db = sqlite_utils.Database(conn)
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            # A new store's pages (an existing store keeps its own): records are JSON of about a kilobyte,
            # and a township store holds hundreds of thousands of revisions. 16 KiB pages make it ~6 %
            # smaller, and halve the time a big import spends writing its transaction through the log.
            self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            if self.path is not None and not memory:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                # A big import passes through the write-ahead log; give the disk back after it, even while
                # the window keeps the store open.
                self.db.execute("PRAGMA journal_size_limit = 67108864")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"数据文件无法使用：{exc}（文件可能已损坏）") from exc
        self._depth = 0  # nesting of transaction()
        # (id, rev, origin) of each revision the last operation wrote, for undo: identities, not a seq
        # range, so a restore (or another process) that rewrote the revisions table cannot redirect it
        self.last_operation: tuple[tuple[str, str, str], ...] | None = None
        self.id_factory: Callable[[], str] | None = None  # demo data draws ids from a seeded generator
        self.device_id = self._local("device_id") or self._init_device()
        self.clock = HybridClock(self._local("clock") or "0000000000000-00000")
        if self.path is not None and not self.in_memory:
            from .keyfiles import settle

            settle(self)

    # --- lifecycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        # Each migration in a write transaction that reads the version first: two processes opening a
        # new store at once (two imports) take turns instead of running the same migration twice.
        while self.schema_version < SCHEMA_VERSION:
            with self.writing():
                number = self.schema_version + 1
                if number > SCHEMA_VERSION:
                    continue
                MIGRATIONS[number - 1](self.db)
                self.db.execute(f"PRAGMA user_version = {number}")
            log.info("migrated store to schema %d", number)

    def _local(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM local WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_local(self, key: str, value: str) -> None:
        with self.writing():
            self.db.execute("INSERT OR REPLACE INTO local (key, value) VALUES (?, ?)", [key, value])

    def get_local(self, key: str, default: str | None = None) -> str | None:
        value = self._local(key)
        return default if value is None else value

    def _init_device(self) -> str:
        with self.writing():  # another process may be making the identity of this new store right now
            device_id = self._local("device_id")
            if device_id is None:
                device_id = uuid.uuid4().hex[:16]
                self.db.execute("INSERT INTO local (key, value) VALUES ('device_id', ?)", [device_id])
                self.db.execute("INSERT INTO local (key, value) VALUES ('created_at', ?)", [_now_iso()])
        return device_id

    def sync_clock(self) -> str:
        """Move this process's clock past the store's stored one (another process — a window, an import
        — may have advanced it since); returns the clock."""
        stored = self._local("clock")
        if stored:
            self.clock.observe(stored)
        return self.clock.last

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One user operation: everything inside commits together or not at all. Nested calls join the
        outer transaction (an error anywhere rolls back the whole operation); the clock is saved once."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self.writing():
                # One clock per store, not per process: read inside the write lock, so a window left
                # open while an import ran never issues a revision older than what the import brought.
                self.sync_clock()
                first = self._max_seq()
                yield self
                self.db.execute(
                    "INSERT OR REPLACE INTO local (key, value) VALUES ('clock', ?)", [self.clock.last]
                )
                last = self._max_seq()
            if last > first:
                self.last_operation = self._written(first, last)
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """BEGIN IMMEDIATE: take the write lock first, so that while another connection writes (an import
        in the background) this one waits for it (up to the connection's timeout) instead of failing at
        once, as a read that turns into a write does. Inside a transaction already: a savepoint."""
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        self.begin_immediate()
        try:
            yield
        except BaseException:
            if self.db.conn.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # Called (once per wait) when a write has waited a second for another program's write: the command
    # line says so on stderr; by default it is only logged.
    on_wait: Callable[[], None] | None = None

    def begin_immediate(self) -> None:
        """BEGIN IMMEDIATE, waiting for as long as another connection writes (an import of a county's
        file takes minutes): :attr:`on_wait` is told after the first second. Gives up only after
        :data:`WAIT_LIMIT` seconds."""
        told = False
        started = time.monotonic()
        while True:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if "locked" not in text and "busy" not in text:
                    raise
                if time.monotonic() - started > WAIT_LIMIT:
                    raise
                if not told:
                    told = True
                    log.info("waiting for another writer of %s", self.path)
                    if Store.on_wait is not None:
                        Store.on_wait()

    _UNDO_LIMIT = 10_000  # an operation that wrote more (an import, demo data) is not undone

    def _written(self, after: int, upto: int) -> tuple[tuple[str, str, str], ...] | None:
        if upto - after > self._UNDO_LIMIT:
            return None
        rows = self.db.execute(
            "SELECT id, rev, origin FROM revisions WHERE seq > ? AND seq <= ? ORDER BY seq", [after, upto]
        ).fetchall()
        return tuple((r[0], r[1], r[2]) for r in rows) or None

    def _max_seq(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(seq), 0) FROM revisions").fetchone()[0])

    # --- records ---------------------------------------------------------------------------------------

    def new_id(self) -> str:
        if self.id_factory is not None:
            return self.id_factory()
        return str(uuid.uuid4())

    def put(
        self,
        kind: str,
        data: dict[str, Any],
        *,
        id: str | None = None,
        village_id: str | None = None,
        deleted: bool = False,
        at_ms: int | None = None,
        resolves: Iterable[tuple[str, str]] = (),
    ) -> Record:
        """Write a new revision of a record (creating it when ``id`` is new). Returns the record."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        record_id = id or self.new_id()
        body = {k: v for k, v in data.items() if k not in ("id", "village_id")}
        text = _dumps(body)
        resolves_list = [list(r) for r in resolves]
        with self.transaction():
            # The base and the clock are read inside the write lock: another process may have written
            # this record (or moved the clock) since this one last looked.
            current = self.db.execute(
                "SELECT rev, origin, kind, village_id FROM records WHERE id = ?", [record_id]
            ).fetchone()
            base_rev, base_origin = (current[0], current[1]) if current else (None, None)
            if current and current[2] != kind:
                raise ValueError(f"record {record_id} is a {current[2]}, not a {kind}")
            if village_id is None and current:
                village_id = current[3]
            if base_rev is not None:
                self.clock.observe(base_rev)
            rev = self.clock.tick(at_ms)
            now = _now_iso()
            self.db.execute(
                "INSERT INTO revisions (id, kind, village_id, rev, origin, base_rev, base_origin, updated_at,"
                " deleted, data, resolves) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    record_id,
                    kind,
                    village_id,
                    rev,
                    self.device_id,
                    base_rev,
                    base_origin,
                    now,
                    int(deleted),
                    text,
                    canonical(resolves_list) if resolves_list else None,
                ],
            )
            for r_rev, r_origin in resolves_list:
                self.db.execute(
                    "INSERT OR IGNORE INTO resolutions VALUES (?,?,?)", [record_id, r_rev, r_origin]
                )
            self.db.execute(
                "INSERT OR REPLACE INTO records (id, kind, village_id, rev, origin, base_rev, base_origin,"
                " updated_at, deleted, data, month) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    record_id,
                    kind,
                    village_id,
                    rev,
                    self.device_id,
                    base_rev,
                    base_origin,
                    now,
                    int(deleted),
                    text,
                    month_of(body),
                ],
            )
        return Record(
            kind, record_id, village_id, body, rev, self.device_id, now, deleted, base_rev, base_origin
        )

    def delete(self, kind: str, id: str) -> Record:
        """Tombstone a record: it stays (for sync and history) but no list or figure counts it."""
        record = self.get(kind, id)
        return self.put(kind, record.data, id=id, deleted=True)

    @staticmethod
    def _row_to_record(row: sqlite3.Row | tuple[Any, ...]) -> Record:
        kind, id_, village_id, rev, origin, updated_at, deleted, data, base_rev, base_origin = row
        return Record(
            kind,
            id_,
            village_id,
            json.loads(data),
            rev,
            origin,
            updated_at,
            bool(deleted),
            base_rev,
            base_origin,
        )

    _COLUMNS = "kind, id, village_id, rev, origin, updated_at, deleted, data, base_rev, base_origin"

    def find(self, id: str) -> Record | None:
        row = self.db.execute(f"SELECT {self._COLUMNS} FROM records WHERE id = ?", [id]).fetchone()
        return self._row_to_record(row) if row else None

    def get(self, kind: str, id: str, *, include_deleted: bool = False) -> Record:
        record = self.find(id)
        if record is None or record.kind != kind or (record.deleted and not include_deleted):
            raise NotFound(f"找不到记录 {id}")
        return record

    def list(
        self,
        kind: str,
        *,
        village_id: str | None = None,
        month: str | None = None,
        months: tuple[str, str] | None = None,
        include_deleted: bool = False,
        where: str = "",
        params: Iterable[Any] = (),
        order: str = "json_extract(data, '$.date'), id",
    ) -> builtins.list[Record]:
        """Records of one kind, optionally of one village and month (or inclusive month range)."""
        clauses, args = ["kind = ?"], [kind]
        if village_id is not None:
            clauses.append("village_id = ?")
            args.append(village_id)
        if month is not None:
            clauses.append("month = ?")
            args.append(month)
        if months is not None:
            clauses.append("month BETWEEN ? AND ?")
            args.extend(months)
        if not include_deleted:
            clauses.append("deleted = 0")
        if where:
            clauses.append(f"({where})")
            args.extend(params)
        sql = f"SELECT {self._COLUMNS} FROM records WHERE {' AND '.join(clauses)} ORDER BY {order}"
        return [self._row_to_record(r) for r in self.db.execute(sql, args).fetchall()]

    def select(self, sql: str, params: Iterable[Any] = ()) -> builtins.list[tuple[Any, ...]]:
        """A read-only query for the core's figure and list queries."""
        return self.db.execute(sql, list(params)).fetchall()

    def history(self, id: str) -> builtins.list[Record]:
        """Every revision this store has seen of a record, oldest first."""
        rows = self.db.execute(
            "SELECT kind, id, village_id, rev, origin, updated_at, deleted, data, base_rev, base_origin"
            " FROM revisions WHERE id = ? ORDER BY rev, origin",
            [id],
        ).fetchall()
        return [self._row_to_record(r) for r in rows]

    # --- whole-store facts -----------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """SHA-256 over the sorted (kind, id, rev, deleted) of every record: equal stores, equal prints."""
        digest = hashlib.sha256()
        for kind, id_, rev, deleted in self.db.execute(
            "SELECT kind, id, rev, deleted FROM records ORDER BY kind, id"
        ):
            digest.update(f"{kind}\t{id_}\t{rev}\t{deleted}\n".encode())
        return digest.hexdigest()

    def months(self) -> builtins.list[str]:
        """The months that have live records, sorted. Walks the (kind, month) index one month at a time,
        so it costs a few lookups per month rather than a scan of every record."""
        found: set[str] = set()
        for kind in KINDS:
            month = ""
            while True:
                row = self.db.execute(
                    "SELECT min(month) FROM records WHERE kind = ? AND month > ?", [kind, month]
                ).fetchone()
                if row is None or row[0] is None:
                    break
                month = row[0]
                if (
                    month not in found
                    and self.db.execute(
                        "SELECT 1 FROM records WHERE kind = ? AND month = ? AND deleted = 0 LIMIT 1",
                        [kind, month],
                    ).fetchone()
                ):
                    found.add(month)
        return sorted(found)

    def integrity_problems(self) -> builtins.list[str]:
        rows = [r[0] for r in self.db.execute("PRAGMA integrity_check").fetchall()]
        return [] if rows == ["ok"] else [f"数据库完整性检查：{r}" for r in rows]

    def backup(self, dest: str | Path) -> Path:
        """A consistent copy made with SQLite's online backup API (never a raw file copy)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(str(dest))
        # Through a connection of its own, so the copy is the store as last committed even while this
        # connection is inside a write transaction (an import makes its backup just before committing).
        source = sqlite3.connect(str(self.path)) if self.path is not None and not self.in_memory else None
        try:
            (source or self.db.conn).backup(target)
        finally:
            target.close()
            if source is not None:
                source.close()
        return dest


def open_store(path: str | Path) -> Store:
    return Store(path)
