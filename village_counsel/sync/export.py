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

from .. import keyfiles
from ..jsontext import canonical
from ..names import escaped
from ..store import DATA_VERSION, Store
from . import keys
from .fileformat import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEMBER_REVISIONS,
    SEALED_META,
    SIGNATURE,
    member_name,
)

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
), kind, village_id, origin
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


def default_recipient(store: Store) -> keys.OfficeKey | None:
    """The office an export is encrypted to unless asked for a plain one: the office this store trusts
    (an advisor who installed a certificate) — not the office's own store, whose files go to advisors."""
    if keys.is_office(store) or keys.office_key(store) is not None:
        return None
    return keys.trusted_office(store)


def _trust_lists(store: Store, origins: set[str]) -> dict[str, object]:
    """The certificates and revocations a file carries: this device's own certificate; the certificates of
    the devices whose revisions it carries (every enrolled device, from an office: so every store names
    devices by their advisor); every revocation known."""
    office = keys.office_key(store) is not None
    own = keys.own_certificate(store)
    if office and (own is None or own["body"].get("office_device") is not True):
        keys.enrol_self(store)  # an office made before enrolment (or before its device was marked)
        own = keys.own_certificate(store)
    enrolled = [
        json.loads(cert)
        for device_id, cert in store.select("SELECT device_id, certificate FROM devices ORDER BY device_id")
        if device_id != store.device_id and (office or device_id in origins)
    ]
    revoked = [
        json.loads(r[0]) for r in store.select("SELECT revocation FROM devices WHERE revocation IS NOT NULL")
    ]
    return {"certificate": own, "enrolled": enrolled, "revoked": revoked}


# An encrypted export shows no more of its size than these steps: each sealed member is padded to a
# multiple of MEMBER_STEP bytes, the sealed manifest to a multiple of META_STEP, and the number of members
# to a multiple of MEMBER_COUNT_STEP (empty members). A village's monthly file then looks like any other
# small file; a county's tells its size to within a few thousand revisions.
MEMBER_STEP = 64 * 1024
META_STEP = 16 * 1024
MEMBER_COUNT_STEP = 4
# ZIP entries carry no time of writing (the export time is sealed): the earliest date ZIP can hold.
ENTRY_DATE = (1980, 1, 1, 0, 0, 0)


def _padded(data: bytes, step: int, filler: bytes = b"\0") -> bytes:
    return data + filler * (-len(data) % step)


def export_changes(
    store: Store,
    path: str | Path,
    *,
    full: bool = False,
    office: keys.OfficeKey | None = None,
    plain: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Write an export file to ``path`` (atomically: a half-written file never carries the name, and an
    export killed halfway leaves nothing). Encrypted to ``office``, or by default to the office this store
    trusts (:func:`default_recipient`) unless ``plain``. A path that is a folder, a device or a pipe is
    refused before anything is written."""
    path = Path(path)
    keys.refuse_special_output(path)
    if office is None and not plain:
        office = default_recipient(store)
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

    path.parent.mkdir(parents=True, exist_ok=True)
    keyfiles.remove_dead_parts(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    members: list[dict[str, object]] = []
    origins: set[str] = set()
    kinds: Counter[str] = Counter()
    per_village: Counter[str] = Counter()
    try:
        with (
            keyfiles.private_file(tmp) as fh,  # personal data: the user's only from its first byte
            zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf,
        ):
            lines: list[str] = []
            done = 0

            def flush() -> None:
                nonlocal done
                body = ("\n".join(lines) + "\n").encode("utf-8")
                index = len(members) + 1
                name = member_name(index, sealer is not None)
                if sealer is not None:
                    # zeros after the compressed stream: an importer reads to the stream's end (and checks
                    # that only zeros follow)
                    packed = _padded(zlib.compress(body if lines else b"", 6), MEMBER_STEP)
                    payload = sealer.encrypt(keys.member_nonce(index), packed, name.encode())
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

            for line, kind, village_id, origin in store.db.execute(_LINE_SQL, [since, upto]):
                lines.append(line)
                origins.add(origin)
                kinds[kind] += 1
                if village_id:
                    per_village[village_id] += 1
                if len(lines) >= MEMBER_REVISIONS:
                    flush()
            if lines:
                flush()
            while sealer is not None and (not members or len(members) % MEMBER_COUNT_STEP):
                flush()  # empty members: the member count tells no more than its step

            names = dict(
                store.select("SELECT id, json_extract(data, '$.name') FROM records WHERE kind = 'village'")
            )
            body = {
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
                **_trust_lists(store, origins),
            }
            manifest: dict[str, object] = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_version": DATA_VERSION,
                "device_id": store.device_id,
                "device_key": keys.b64(public),
                "device_fingerprint": keys.key_fingerprint(public),
            }
            if sealer is None or office is None:
                manifest.update(body)
                manifest["members"] = members
                manifest["encryption"] = None
            else:
                # Only what routing needs shows: who signed, to which office, the members' hashes. The
                # export number, counts, villages and certificates travel sealed.
                body["member_revisions"] = [m.pop("revisions") for m in members]
                meta = _padded(canonical(body).encode(), META_STEP, b" ")  # (JSON ends in any whitespace)
                sealed = sealer.encrypt(keys.member_nonce(0), meta, SEALED_META.encode())
                zf.writestr(_info(SEALED_META, zipfile.ZIP_STORED), sealed)
                manifest["members"] = members
                manifest["sealed"] = {
                    "name": SEALED_META,
                    "sha256": hashlib.sha256(sealed).hexdigest(),
                    "size": len(sealed),
                }
                manifest["encryption"] = {
                    "scheme": keys.CIPHER,
                    "office_name": office.name,
                    "office_fingerprint": office.fingerprint,
                    "office_key": keys.b64(office.public),
                    "ephemeral_key": keys.b64(ephemeral),
                }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            zf.writestr(_info(MANIFEST, zipfile.ZIP_DEFLATED), manifest_bytes)
            zf.writestr(_info(SIGNATURE, zipfile.ZIP_STORED), keys.b64(keys.sign(store, manifest_bytes)))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        # The number is committed before the file takes its name: a file that carries a number always has
        # it recorded, even if killed right after the rename. Killed before it, the number is a gap (which
        # sync-status names, and a --full export fills); a rename that fails frees the number again.
        with store.transaction():
            store.db.execute(
                "INSERT INTO exports (seq, made_at, upto, full, records, path) VALUES (?,?,?,?,?,?)",
                [seq, made_at, upto, int(full), sum(kinds.values()), escaped(str(path), 1000)],
            )
        try:
            os.replace(tmp, path)
        except BaseException:
            with store.transaction():
                store.db.execute("DELETE FROM exports WHERE seq = ?", [seq])
            raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info(
        "exported %d revisions (seq %d, full=%s) to %s", sum(kinds.values()), seq, full, escaped(str(path))
    )
    return ExportResult(
        path, seq, full, sum(kinds.values()), len(members), len(per_village), office, dict(kinds)
    )


def _info(name: str, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ENTRY_DATE)
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info
