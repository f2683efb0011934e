"""Whole-store figures (``stats``) and the consistency check (``check``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from . import powers, vocab
from .catalog import load_catalog
from .store import Store
from .villages import list_villages, village_labels

COUNTED = {
    "sessions": "session",
    "matters": "matter",
    "power_exercises": "power_exercise",
    "checklist_entries": "service_entry",
}


def stats(store: Store, month: str | None = None) -> dict[str, Any]:
    """Counts per kind, in total and per village, optionally for one month; the months with records;
    the store's fingerprint."""
    where, params = "deleted = 0", []
    if month:
        where += " AND month = ?"
        params.append(month)
    # two villages of one name (two advisors created the same village, then synced) stay apart
    names = village_labels(list_villages(store))
    villages: dict[str, dict[str, int]] = {name: dict.fromkeys(COUNTED, 0) for name in names.values()}
    totals = dict.fromkeys(COUNTED, 0)
    kind_key = {v: k for k, v in COUNTED.items()}
    rows = store.select(
        f"SELECT village_id, kind, count(*) FROM records WHERE {where} GROUP BY village_id, kind", params
    )
    if month:  # an exercise belongs to every month it had a step or its review (DOMAIN.md §7)
        rows = [r for r in rows if r[1] != "power_exercise"] + [
            (village_id, "power_exercise", count)
            for village_id, count in store.select(
                "SELECT village_id, count(*) FROM records WHERE kind = 'power_exercise' AND deleted = 0"
                f" AND {powers.IN_MONTH} GROUP BY village_id",
                [month] * 4,
            )
        ]
    for village_id, kind, count in rows:
        key = kind_key.get(kind)
        if key is None:
            continue
        totals[key] += count
        name = names.get(village_id)
        if name is not None:
            villages[name][key] += count
    return {
        "schema_version": store.schema_version,
        "device_id": store.device_id,
        "month": month,
        "totals": totals,
        "villages": dict(sorted(villages.items())),
        "months": store.months(),
        "fingerprint": store.fingerprint(),
    }


def check(store: Store, *, today: date | None = None, notes: list[str] | None = None) -> list[str]:
    """PRAGMA integrity_check plus the domain's invariants; one Chinese line per problem.

    Files can be imported in any order: a record that came from another device may name a village or a
    record this store has not received yet (its file is still on the way). That is not a problem; it is
    counted in ``notes`` (when given) instead. A record of this device's own naming a record that does not
    exist, or one deleted or of another kind, is a problem."""
    problems = store.integrity_problems()
    if problems:
        return problems
    catalog = load_catalog()
    store.sync_clock()  # another process (an import) may have moved the store's clock since this one looked
    ids = {r[0]: (r[1], bool(r[2])) for r in store.select("SELECT id, kind, deleted FROM records")}
    villages = {i for i, (k, d) in ids.items() if k == "village" and not d}
    # linked mediation entries and decision exercises → the matter they name (enter once, both ways)
    links_back = {
        r[0]: r[1]
        for r in store.select(
            "SELECT id, json_extract(data, '$.matter_id') FROM records"
            " WHERE kind IN ('service_entry', 'power_exercise')"
        )
    }
    pending: set[str] = set()  # records naming one this store has not received yet
    waiting = 0  # of them, those from another device
    for id_, kind, village_id, deleted, raw, rev, origin in store.select(
        "SELECT id, kind, village_id, deleted, data, rev, origin FROM records"
    ):
        try:
            data = json.loads(raw)
        except ValueError:
            problems.append(f"{kind} {id_}：数据不是有效的 JSON")
            continue
        if deleted:
            continue
        found: list[str] = []
        if kind not in ("village", "profile") and village_id not in villages:
            found.append(f"{kind} {id_}：所属村 {village_id} 不存在")
            if village_id not in ids:
                pending.add(id_)
        if rev > store.clock.last:
            problems.append(f"{kind} {id_}：修订号 {rev} 晚于本机时钟 {store.clock.last}")
        links: list[str | None] = []  # the records it names
        if kind == "matter":
            found += _matter_problems(id_, data, ids, links_back)
            links += [data.get(k) for k in ("session_id", "mediation_id", "exercise_id")]
        elif kind == "power_exercise":
            if catalog.item(data.get("item", "")) is None:
                found.append(f"小微权力 {id_}：权力事项 {data.get('item')} 不在清单中")
            link = data.get("matter_id")
            links.append(link)
            if link and ids.get(link, ("", False))[0] != "matter":
                found.append(f"小微权力 {id_}：关联事项 {link} 不存在")
        elif kind == "service_entry":
            link = data.get("matter_id")
            links.append(link)
            if link and ids.get(link, ("", False))[0] != "matter":
                found.append(f"服务台账 {id_}：关联事项 {link} 不存在")
        if any(link and link not in ids for link in links):
            pending.add(id_)
        if id_ in pending and origin != store.device_id:
            waiting += 1
            continue  # (its other checks are made again once what it names has arrived)
        problems += found
    if waiting and notes is not None:
        notes.append(
            f"提示：有 {waiting} 条从其他设备导入的记录所属的村或关联的记录尚未同步到本机"
            "（文件可按任意顺序导入：收到对方其余的文件后即完整）"
        )
    orphans = store.select(
        "SELECT count(*) FROM revisions r WHERE NOT EXISTS (SELECT 1 FROM records c WHERE c.id = r.id)"
    )
    if orphans[0][0]:
        problems.append(f"有 {orphans[0][0]} 条修订记录没有对应的当前记录")
    missing = store.select(
        "SELECT count(*) FROM records c WHERE NOT EXISTS"
        " (SELECT 1 FROM revisions r WHERE r.id = c.id AND r.rev = c.rev AND r.origin = c.origin)"
    )
    if missing[0][0]:
        problems.append(f"有 {missing[0][0]} 条当前记录缺少对应的修订历史")
    return problems


def _matter_problems(
    id_: str, data: dict[str, Any], ids: dict[str, tuple[str, bool]], links_back: dict[str, str | None]
) -> list[str]:
    out = []
    stage = data.get("stage")
    label = f"说事事项 {id_}"
    if stage not in vocab.STAGES:
        return [f"{label}：阶段“{stage}”无效"]
    session = data.get("session_id")
    if ids.get(session, ("", False))[0] != "session":
        out.append(f"{label}：所属说事会 {session} 不存在")
    if stage in ("议事", "办事", "评事") and not data.get("route"):
        out.append(f"{label}：已议事但没有处理方式")
    if stage == "办事" and not data.get("result"):
        out.append(f"{label}：已办事但没有办理结果")
    if stage == "评事" and data.get("evaluation") not in vocab.SATISFIED:
        out.append(f"{label}：已办结但评价不是满意或基本满意")
    for key, kind in (("mediation_id", "service_entry"), ("exercise_id", "power_exercise")):
        link = data.get(key)
        if link and ids.get(link, ("", False))[0] != kind:
            out.append(f"{label}：关联记录 {link} 不存在")
        elif link and links_back.get(link) != id_:
            out.append(f"{label}：关联记录 {link} 没有指回本事项")
    waiting = {vocab.ROUTE_MEDIATION: "mediation_id", vocab.ROUTE_DECISION: "exercise_id"}.get(
        data.get("route")
    )
    if stage == "议事" and waiting and not data.get(waiting):
        what = "调解记录" if waiting == "mediation_id" else "五议决策记录"
        out.append(f"{label}：处理方式为{data.get('route')}，但没有关联的{what}，无法办结")
    return out
