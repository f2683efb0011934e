"""Export (导出): the revisions this store has taken in since its last export — its own and those imported
from other devices, so a township can relay one laptop's work to another — as a signed ZIP.

The first export of a store, and every ``full`` one, carries every revision the store holds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..store import DATA_VERSION, Store
from . import keys
from .fileformat import FORMAT, FORMAT_VERSION, MANIFEST, MEMBER_REVISIONS, SIGNATURE, member_name

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# One JSON Lines row per revision, built by SQLite: ``data`` is stored canonical (sorted keys, compact).
# In id order, so an importing store fills its indexes sequentially (and a record's revisions are together).
_LINE_SQL = """
SELECT json_object(
    'kind', kind, 'id', id, 'village_id', village_id, 'rev', rev, 'origin', origin,
    'base_rev', base_rev, 'base_origin', base_origin, 'updated_at', updated_at,
    'deleted', json(CASE WHEN deleted THEN 'true' ELSE 'false' END),
    'data', json(data), 'resolves', json(resolves)
), kind, village_id
FROM revisions WHERE seq > ? AND seq <= ? ORDER BY id, rev, origin
"""


@dataclass
class ExportResult:
    path: Path
    seq: int
    full: bool
    revisions: int
    members: int
    villages: int
    office: keys.OfficeKey | None = None
    counts: dict[str, int] = field(default_factory=dict)


def last_export(store: Store) -> tuple[int, int] | None:
    """(seq, upto) of this store's latest export, or None before the first."""
    row = store.select("SELECT seq, upto FROM exports ORDER BY seq DESC LIMIT 1")
    return (int(row[0][0]), int(row[0][1])) if row else None


def pending_revisions(store: Store) -> int:
    """How many revisions the next incremental export would carry."""
    last = last_export(store)
    since = last[1] if last else 0
    return int(store.select("SELECT count(*) FROM revisions WHERE seq > ?", [since])[0][0])


def export_changes(
    store: Store,
    path: str | Path,
    *,
    full: bool = False,
    office: keys.OfficeKey | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write an export file to ``path`` (atomically: a half-written file never carries the name)."""
    path = Path(path)
    last = last_export(store)
    full = full or last is None or last[1] < 0  # upto -1: a restore asks for a full export next
    since = 0 if full else last[1]  # type: ignore[index]
    upto = int(store.select("SELECT coalesce(max(seq), 0) FROM revisions")[0][0])
    seq = (last[0] if last else 0) + 1
    total = int(
        store.select("SELECT count(*) FROM revisions WHERE seq > ? AND seq <= ?", [since, upto])[0][0]
    )
    public = keys.device_public_key(store)
    made_at = datetime.now(UTC).isoformat(timespec="seconds")
    sealer, ephemeral = keys.new_sealer(office) if office else (None, b"")

    tmp = path.with_name(f".{path.name}.part")
    path.parent.mkdir(parents=True, exist_ok=True)
    members: list[dict[str, object]] = []
    kinds: Counter[str] = Counter()
    per_village: Counter[str] = Counter()
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            lines: list[str] = []
            done = 0

            def flush() -> None:
                nonlocal done
                body = ("\n".join(lines) + "\n").encode("utf-8")
                index = len(members) + 1
                name = member_name(index, sealer is not None)
                if sealer is not None:
                    payload = sealer.encrypt(keys.member_nonce(index), zlib.compress(body, 6), name.encode())
                    zf.writestr(_info(name, zipfile.ZIP_STORED), payload)
                else:
                    payload = body
                    zf.writestr(_info(name, zipfile.ZIP_DEFLATED), payload)
                members.append(
                    {
                        "name": name,
                        "sha256": hashlib.sha256(payload).hexdigest(),
                        "size": len(payload),
                        "revisions": len(lines),
                    }
                )
                done += len(lines)
                lines.clear()
                if progress:
                    progress(done, total)

            for line, kind, village_id in store.db.execute(_LINE_SQL, [since, upto]):
                lines.append(line)
                kinds[kind] += 1
                if village_id:
                    per_village[village_id] += 1
                if len(lines) >= MEMBER_REVISIONS:
                    flush()
            if lines:
                flush()

            names = dict(
                store.select("SELECT id, json_extract(data, '$.name') FROM records WHERE kind = 'village'")
            )
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_version": DATA_VERSION,
                "device_id": store.device_id,
                "device_key": keys.b64(public),
                "device_fingerprint": keys.key_fingerprint(public),
                "seq": seq,
                "since_seq": 0 if full else last[0],  # type: ignore[index]
                "full": full,
                "made_at": made_at,
                "revisions": sum(kinds.values()),
                "counts": dict(sorted(kinds.items())),
                "villages": [
                    {"id": vid, "name": names.get(vid) or "", "revisions": n}
                    for vid, n in sorted(
                        per_village.items(), key=lambda item: (names.get(item[0]) or "", item[0])
                    )
                ],
                "members": members,
                "encryption": (
                    {
                        "scheme": keys.CIPHER,
                        "office_name": office.name,
                        "office_fingerprint": office.fingerprint,
                        "office_key": keys.b64(office.public),
                        "ephemeral_key": keys.b64(ephemeral),
                    }
                    if office
                    else None
                ),
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            zf.writestr(_info(MANIFEST, zipfile.ZIP_DEFLATED), manifest_bytes)
            zf.writestr(_info(SIGNATURE, zipfile.ZIP_STORED), keys.b64(keys.sign(store, manifest_bytes)))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with store.transaction():
        store.db.execute(
            "INSERT INTO exports (seq, made_at, upto, full, records, path) VALUES (?,?,?,?,?,?)",
            [seq, made_at, upto, int(full), sum(kinds.values()), str(path)],
        )
    log.info("exported %d revisions (seq %d, full=%s) to %s", sum(kinds.values()), seq, full, path)
    return ExportResult(
        path, seq, full, sum(kinds.values()), len(members), len(per_village), office, dict(kinds)
    )


def _info(name: str, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info
