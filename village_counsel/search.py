"""Finding records: Chinese full-text search across kinds, and the id lists behind the window's lists.

Search uses an FTS5 table with the default ``unicode61`` tokenizer over text this module pre-splits into
overlapping two-character tokens plus single characters ("村民说事" → "村民 民说 说事 村 民 说 事"). The
trigram tokenizer matches nothing for queries shorter than three characters, and two-character words
(低保, 村道) are the common case (DESIGN.md "Known ground"). A query of one or two characters is one
token; a longer one is a phrase of its bigrams.

The index is kept up to date lazily: :func:`refresh` indexes the records whose revisions arrived since a
watermark (``revisions.seq``), so imports and everyday writes are never slowed by it. :func:`search`
refreshes first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import days, vocab
from .catalog import load_catalog
from .store import Record, Store

INDEXED_KINDS = ("session", "matter", "power_exercise", "service_entry", "village")
KIND_LABELS = {
    "session": "说事会",
    "matter": "说事事项",
    "power_exercise": "小微权力",
    "service_entry": "服务台账",
    "village": "村",
    "profile": "法律顾问",
    "monthly_note": "月度计划",
    "submission": "月报报送",
}
WATERMARK_KEY = "search_seq"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(f"[{_CJK}]+|[0-9A-Za-z]+")
_CJK_RE = re.compile(f"^[{_CJK}]+$")
# fields that hold ids or internal state, not words a person would search for
_SKIP_KEYS = {"session_id", "matter_id", "exercise_id", "mediation_id", "events", "key", "stage"}


# --- tokens ----------------------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """The index tokens of a text: per run of Chinese, its bigrams (contiguous, so a phrase of bigrams
    matches a substring) then its characters; latin words and numbers lower-cased as they are."""
    out: list[str] = []
    for run in _TOKEN_RE.findall(text):
        if _CJK_RE.match(run):
            if len(run) > 1:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.extend(run)
        else:
            out.append(run.lower())
    return out


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for what a person typed, or None when there is nothing to look for.
    Every word must match (AND); a Chinese word longer than two characters is a phrase of its bigrams."""
    parts = []
    for run in _TOKEN_RE.findall(query):
        if _CJK_RE.match(run):
            grams = [run] if len(run) <= 2 else [run[i : i + 2] for i in range(len(run) - 1)]
            parts.append('"' + " ".join(grams) + '"')
        else:
            parts.append(f'"{run.lower()}"*')
    return " AND ".join(parts) if parts else None


def _strings(value: Any, skip: set[str] = _SKIP_KEYS) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in skip:
                yield from _strings(v, skip)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, skip)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def record_text(record: Record) -> str:
    """The words a record is found by."""
    parts = list(_strings(record.data))
    if record.kind == "power_exercise":
        item = load_catalog().item(record.get("item", ""))
        if item is not None:
            parts.append(item.name)
    if record.kind == "matter":
        from .matters import status_label

        parts.append(status_label(record))
    return " ".join(parts)


# --- the index -------------------------------------------------------------------------------------------


def pending(store: Store) -> int:
    """How many revisions arrived since the index was last brought up to date."""
    mark = int(store.get_local(WATERMARK_KEY, "0") or 0)
    return int(store.select("SELECT count(*) FROM revisions WHERE seq > ?", [mark])[0][0])


def refresh(store: Store, progress: Callable[[int, int], None] | None = None, *, batch: int = 2000) -> int:
    """Index what changed since the watermark; returns how many records were (re)indexed."""
    mark = int(store.get_local(WATERMARK_KEY, "0") or 0)
    top = store.select("SELECT coalesce(max(seq), 0) FROM revisions")[0][0]
    if top <= mark:
        return 0
    ids = [
        r[0]
        for r in store.select("SELECT DISTINCT id FROM revisions WHERE seq > ? AND seq <= ?", [mark, top])
    ]
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        marks = ",".join("?" * len(chunk))
        rows = store.select(f"SELECT {Store._COLUMNS}, month FROM records WHERE id IN ({marks})", chunk)
        with store.writing():
            store.db.execute(
                f"DELETE FROM search_fts WHERE rowid IN (SELECT docid FROM search_docs WHERE rid IN ({marks}))",
                chunk,
            )
            store.db.execute(f"DELETE FROM search_docs WHERE rid IN ({marks})", chunk)
            for row in rows:
                record = Store._row_to_record(row[:-1])
                if record.deleted or record.kind not in INDEXED_KINDS:
                    continue
                cursor = store.db.execute(
                    "INSERT INTO search_docs (rid, kind, village_id, month) VALUES (?, ?, ?, ?)",
                    [record.id, record.kind, record.village_id, row[-1]],
                )
                store.db.execute(
                    "INSERT INTO search_fts (rowid, body) VALUES (?, ?)",
                    [cursor.lastrowid, " ".join(tokens(record_text(record)))],
                )
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    with store.writing():
        store.db.execute("INSERT OR REPLACE INTO local (key, value) VALUES (?, ?)", [WATERMARK_KEY, str(top)])
    return len(ids)


@dataclass
class Hit:
    kind: str
    id: str
    village_id: str | None
    title: str
    detail: str


@dataclass
class SearchResult:
    query: str
    counts: dict[str, int]  # hits per kind (all of them, not only those listed)
    hits: dict[str, list[Hit]]  # the newest ``limit`` hits per kind

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def search(
    store: Store,
    query: str,
    *,
    kinds: Sequence[str] = INDEXED_KINDS,
    village_id: str | None = None,
    month: str | None = None,
    limit: int = 50,
    refresh_first: bool = True,
) -> SearchResult:
    """Records whose text contains every word of ``query``, grouped by kind, newest first."""
    if refresh_first:
        refresh(store)
    expr = match_expression(query)
    result = SearchResult(query, {}, {})
    if expr is None:
        return result
    where, args = ["search_fts MATCH ?"], [expr]
    if village_id:
        where.append("d.village_id = ?")
        args.append(village_id)
    if month:
        where.append("d.month = ?")
        args.append(month)
    base = f"FROM search_fts f JOIN search_docs d ON d.docid = f.rowid WHERE {' AND '.join(where)}"
    for kind, count in store.select(f"SELECT d.kind, count(*) {base} GROUP BY d.kind", args):
        if kind in kinds:
            result.counts[kind] = count
    for kind in kinds:
        if not result.counts.get(kind):
            continue
        ids = [
            r[0]
            for r in store.select(
                f"SELECT d.rid {base} AND d.kind = ? ORDER BY d.month DESC, f.rowid DESC LIMIT ?",
                [*args, kind, limit],
            )
        ]
        records = fetch(store, ids)
        found = [records[i] for i in ids if i in records]
        found.sort(key=lambda r: str(r.data.get("date") or ""), reverse=True)  # newest first, by its date
        result.hits[kind] = [Hit(kind, r.id, r.village_id, title(r), detail(r)) for r in found]
    return result


# --- describing a record -----------------------------------------------------------------------------------


def _short(text: Any, n: int = 40) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def title(record: Record) -> str:
    """One line naming a record, for search results and links."""
    d = record.data
    if record.kind == "session":
        return f"{d.get('number') or '说事会'}（{d.get('date', '')}）"
    if record.kind == "matter":
        return f"{d.get('date', '')} {d.get('raiser', '')}：{_short(d.get('content'), 30)}"
    if record.kind == "power_exercise":
        item = load_catalog().item(d.get("item", ""))
        return f"{d.get('number', '')} {item.name if item else d.get('item', '')}"
    if record.kind == "service_entry":
        return f"{d.get('date', '')} {d.get('duty', '')}：{_short(d.get('content'), 30)}"
    return str(d.get("name") or d.get("month") or record.id)


def detail(record: Record) -> str:
    d = record.data
    if record.kind == "matter":
        from .matters import status_label

        return f"{d.get('category', '')} · {status_label(record)}"
    if record.kind == "power_exercise":
        return f"{d.get('status', '')} · {_short(d.get('subject'), 40)}"
    if record.kind == "session":
        return f"{d.get('format', '')} · {d.get('venue') or ''}"
    if record.kind == "service_entry":
        return _short(d.get("result") or d.get("topic") or "", 40)
    return ""


# --- the lists behind the window ---------------------------------------------------------------------------

# Status filters per kind: label → (SQL condition, parameters). ``:today`` stands for today's date.
_MATTER_ROUTE = "json_extract(data, '$.route')"
_MATTER_STAGE = "json_extract(data, '$.stage')"
STATUS_FILTERS: dict[str, dict[str, tuple[str, list[Any]]]] = {
    "matter": {
        "待议事": (f"{_MATTER_STAGE} = '说事'", []),
        "办理中": (
            f"{_MATTER_STAGE} = '议事' AND {_MATTER_ROUTE} IN (?, ?)",
            [vocab.ROUTE_VILLAGE, vocab.ROUTE_TOWNSHIP],
        ),
        "调解中": (f"{_MATTER_STAGE} = '议事' AND {_MATTER_ROUTE} = ?", [vocab.ROUTE_MEDIATION]),
        "决策中": (f"{_MATTER_STAGE} = '议事' AND {_MATTER_ROUTE} = ?", [vocab.ROUTE_DECISION]),
        "待评议": (
            f"({_MATTER_STAGE} = '办事' OR ({_MATTER_STAGE} = '议事' AND {_MATTER_ROUTE} = ?))",
            [vocab.ROUTE_REJECT],
        ),
        "已办结": (f"{_MATTER_STAGE} = '评事'", []),
        "逾期": (
            f"{_MATTER_STAGE} = '议事' AND json_extract(data, '$.deadline') < :today"
            f" AND coalesce({_MATTER_ROUTE}, '') != ?",
            [vocab.ROUTE_REJECT],
        ),
    },
    "power_exercise": {s: ("json_extract(data, '$.status') = ?", [s]) for s in vocab.EXERCISE_STATUSES},
    "session": {f: ("json_extract(data, '$.format') = ?", [f]) for f in vocab.SESSION_FORMATS},
}


def status_filters(kind: str) -> list[str]:
    """The status choices a list of ``kind`` offers (service entries filter by duty)."""
    if kind == "service_entry":
        return load_catalog().duty_names
    return list(STATUS_FILTERS.get(kind, {}))


_SORT_KEYS = {"updated_at": "updated_at"}


def record_ids(
    store: Store,
    kind: str,
    *,
    village_id: str | None = None,
    month: str | None = None,
    status: str | None = None,
    where: str = "",
    params: Sequence[Any] = (),
    sort: str | None = "date",
    descending: bool = True,
    today: date | None = None,
) -> list[str]:
    """The ids of a list, filtered and sorted in SQL; the rows themselves are fetched on demand."""
    clauses, args = ["kind = ?", "deleted = 0"], [kind]
    if village_id:
        clauses.append("village_id = ?")
        args.append(village_id)
    if month:
        clauses.append("month = ?")
        args.append(month)
    if status:
        if kind == "service_entry":
            clauses.append("json_extract(data, '$.duty') = ?")
            args.append(status)
        elif status in STATUS_FILTERS.get(kind, {}):
            cond, extra = STATUS_FILTERS[kind][status]
            if ":today" in cond:
                cond = cond.replace(":today", "?")
                extra = [(today or days.today()).isoformat(), *extra]
            clauses.append(f"({cond})")
            args.extend(extra)
    if where:
        clauses.append(f"({where})")
        args.extend(params)
    direction = "DESC" if descending else "ASC"
    if sort == "village":  # by the village's name (its id means nothing to a person)
        key = (
            "(SELECT json_extract(v.data, '$.name') FROM records v WHERE v.id = records.village_id"
            " AND v.kind = 'village')"
        )
    elif sort in _SORT_KEYS:
        key = _SORT_KEYS[sort]
    elif sort and re.fullmatch(r"[a-z_]+", sort):
        key = f"json_extract(data, '$.{sort}')"
    else:
        key = "rowid"
    sql = (
        f"SELECT id FROM records WHERE {' AND '.join(clauses)} ORDER BY {key} {direction}, rowid {direction}"
    )
    return [r[0] for r in store.select(sql, args)]


def months(store: Store) -> list[str]:
    """The months that have records, newest first — read from the (kind, month) index, so quick on a
    large store (a month holding only deleted records may be listed; harmless in a picker)."""
    found: set[str] = set()
    for kind in ("session", "matter", "power_exercise", "service_entry"):
        found.update(
            r[0] for r in store.select("SELECT DISTINCT month FROM records WHERE kind = ?", [kind]) if r[0]
        )
    return sorted(found, reverse=True)


def fetch(store: Store, ids: Sequence[str]) -> dict[str, Record]:
    """Records by id (current revision, tombstones included), in one query per 500 ids."""
    out: dict[str, Record] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for row in store.select(f"SELECT {Store._COLUMNS} FROM records WHERE id IN ({marks})", chunk):
            record = Store._row_to_record(row)
            out[record.id] = record
    return out


__all__ = [
    "Hit",
    "KIND_LABELS",
    "SearchResult",
    "detail",
    "fetch",
    "match_expression",
    "months",
    "record_ids",
    "refresh",
    "search",
    "status_filters",
    "title",
    "tokens",
]
