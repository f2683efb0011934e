"""Sync status (同步情况): which device sent which export when, missing files, each village's last sync."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from .. import days
from ..names import escaped
from ..store import Store
from ..villages import list_villages, village_labels
from . import keys
from .export import last_export, pending_revisions


@dataclass
class DeviceStatus:
    """Another device whose exports this store has imported."""

    device_id: str
    fingerprint: str
    last_seq: int
    last_imported_at: str
    last_made_at: str
    files: int
    # export numbers not received since its last full one: the first MISSING_LISTED of them, and how many
    missing: list[int] = field(default_factory=list)
    missing_count: int = 0
    advisor: str = ""  # the advisor the device is enrolled for ("" when this store knows no certificate)

    @property
    def name(self) -> str:
        """The device as a person names it: its advisor, else its id."""
        return self.advisor or f"设备 {self.device_id}"

    def missing_sentence(self) -> str:
        """Whose files are missing, in one sentence ("" when none)."""
        if not self.missing:
            return ""
        who = (
            f"{escaped(self.advisor)}（设备 {self.device_id}）" if self.advisor else f"设备 {self.device_id} "
        )
        return f"{who}缺少第 {self.missing_text()} 号导出文件"

    def missing_text(self) -> str:
        """The missing numbers as a person reads them: 第 2、3 号, or the first ones and how many in all."""
        listed = "、".join(map(str, self.missing))
        return listed if self.missing_count <= len(self.missing) else f"{listed} 等共 {self.missing_count} 个"


MISSING_LISTED = 50


def _gaps(start: int, last: int, have: set[int]) -> tuple[list[int], int]:
    """The numbers from ``start`` to ``last`` not in ``have``: the first :data:`MISSING_LISTED`, and how
    many in all (counted gap by gap: a forged number in the billions costs nothing)."""
    listed: list[int] = []
    count = 0
    expected = start
    for seen in [*sorted(n for n in have if start <= n <= last), last + 1]:
        if seen > expected:
            count += seen - expected
            listed.extend(range(expected, min(seen, expected + MISSING_LISTED - len(listed))))
        expected = max(expected, seen + 1)
    return listed, count


@dataclass
class VillageStatus:
    village_id: str
    name: str
    last_sync: str | None  # when an export carrying the village was last imported here
    synced_this_month: bool


def device_statuses(store: Store) -> list[DeviceStatus]:
    """Every other device heard from, with the export numbers missing after its latest full export."""
    out = []
    advisors = keys.advisor_names(store)
    rows = store.select(
        "SELECT device_id, max(seq), max(imported_at), max(made_at), count(*),"
        " coalesce(max(CASE WHEN full THEN seq END), 0) FROM imports WHERE device_id != ?"
        " GROUP BY device_id ORDER BY max(imported_at) DESC",
        [store.device_id],
    )
    for device_id, last_seq, imported_at, made_at, files, last_full in rows:
        have = {
            r[0]
            for r in store.select(
                "SELECT DISTINCT seq FROM imports WHERE device_id = ? AND seq > ?", [device_id, last_full]
            )
        }
        start = last_full + 1 if last_full else 1
        missing, count = _gaps(start, last_seq, have)
        key = store.select(
            "SELECT device_key FROM imports WHERE device_id = ? ORDER BY n DESC LIMIT 1", [device_id]
        )[0][0]
        try:
            fingerprint = keys.key_fingerprint(keys.unb64(key, 32))
        except ValueError:
            fingerprint = "?"
        out.append(
            DeviceStatus(
                device_id,
                fingerprint,
                last_seq,
                imported_at,
                made_at or "",
                files,
                missing,
                count,
                advisors.get(device_id, ""),
            )
        )
    return out


def local_time(stamp: str | None, empty: str = "") -> str:
    """A stored time (ISO 8601, in UTC) as the person reads it: local time, "2026年11月26日 22:59"."""
    if not stamp:
        return empty
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp  # not a time we wrote: shown as it is rather than hidden
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the store writes UTC
    try:
        moment = moment.astimezone()
    except (OverflowError, OSError, ValueError):  # a time at the calendar's very edge (a crafted file)
        return stamp
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def _local_month(stamp: str) -> str:
    """The month, on this computer's clock, of a stored time (UTC, ISO 8601): an import at 06:00 on the
    1st in Ningbo is 22:00 the day before in UTC, and belongs to the new month."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp[:7]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().isoformat()[:7]


def village_statuses(store: Store, today: date | None = None) -> list[VillageStatus]:
    """Each village's last sync from another device; ``synced_this_month`` against ``today``'s month."""
    month = (today or days.today()).isoformat()[:7]
    last: dict[str, str] = {}
    for raw, imported_at in store.select(
        "SELECT villages, imported_at FROM imports WHERE device_id != ?", [store.device_id]
    ):
        try:
            entries = json.loads(raw or "[]")
        except ValueError:
            continue
        for entry in entries:
            vid = entry.get("id") if isinstance(entry, dict) else None
            if vid and imported_at > last.get(vid, ""):
                last[vid] = imported_at
    out = []
    villages = list_villages(store)
    labels = village_labels(villages)  # two advisors' 上张村 stay apart
    for village in villages:
        seen = last.get(village.id)
        out.append(
            VillageStatus(village.id, labels[village.id], seen, bool(seen and _local_month(seen) == month))
        )
    return out


def own_status(store: Store) -> dict[str, object]:
    """This device: id, key fingerprint, its last export and how much the next incremental one carries."""
    last = last_export(store)
    made = store.select("SELECT made_at, full FROM exports ORDER BY seq DESC LIMIT 1")
    return {
        "device_id": store.device_id,
        "fingerprint": keys.key_fingerprint(keys.device_public_key(store)),
        "last_export_seq": last[0] if last else 0,
        "last_export_at": made[0][0] if made else None,
        "pending": pending_revisions(store),
    }
