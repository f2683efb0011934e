"""Property: devices that edit at random and swap files in any order, with repeats and stale files, end up
identical once they have seen the same files — and no edit is lost: each is current, an ancestor of a later
edit, settled by a resolution, or listed as an open conflict on every store alike."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from village_counsel.store import Store
from village_counsel.sync import export as export_mod
from village_counsel.sync import export_changes, import_file, list_conflicts, open_conflict_keys, resolve
from village_counsel.sync.conflicts import count_open_conflicts

VILLAGE = "00000000-0000-4000-8000-000000000001"
VENUES = ("祠堂", "村委会", "文化礼堂", "晒谷场")
FORMATS = ("现场说", "线上说", "固定日集中说")

step = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 3), st.sampled_from(VENUES)),
    st.tuples(
        st.just("edit"),
        st.integers(0, 3),
        st.integers(0, 50),
        st.sampled_from(VENUES),
        st.sampled_from(FORMATS),
    ),
    st.tuples(st.just("delete"), st.integers(0, 3), st.integers(0, 50)),
    st.tuples(st.just("export"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("import"), st.integers(0, 3), st.integers(0, 200)),
    st.tuples(st.just("import"), st.integers(0, 3), st.integers(0, 200)),
    st.tuples(st.just("resolve"), st.integers(0, 3), st.integers(0, 50), st.booleans()),
)


def _known(store: Store) -> list[str]:
    return [r[0] for r in store.select("SELECT id FROM records ORDER BY id")]


def _model_open_conflicts(store: Store) -> list[tuple[str, str, str]]:
    """Open conflicts computed in Python from the history, independently of the SQL in conflicts.py."""
    revisions = store.select("SELECT id, rev, origin, base_rev, base_origin FROM revisions")
    parents = {(i, br, bo) for i, _, _, br, bo in revisions if br is not None}
    current = {(i, r, o) for i, r, o in store.select("SELECT id, rev, origin FROM records")}
    resolved = set(store.select("SELECT id, rev, origin FROM resolutions"))
    return sorted(
        (i, r, o)
        for i, r, o, _, _ in revisions
        if (i, r, o) not in parents and (i, r, o) not in current and (i, r, o) not in resolved
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    devices=st.integers(2, 4),
    steps=st.lists(step, min_size=8, max_size=40),
    resolvers=st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=2, unique_by=lambda r: r[0]),
)
def test_any_exchange_order_converges_and_keeps_every_edit(devices, steps, resolvers):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stores = [Store(memory=True) for _ in range(devices)]
        files: list[Path] = []
        made: set[tuple[str, str, str]] = set()
        members = export_mod.MEMBER_REVISIONS
        export_mod.MEMBER_REVISIONS = 4  # small members: a record's revisions often span two of them
        try:
            # A shared start, so that concurrent edits of the same record are common.
            for venue in VENUES[:3]:
                rec = stores[0].put(
                    "session", {"date": "2026-11-05", "format": "现场说", "venue": venue}, village_id=VILLAGE
                )
                made.add((rec.id, rec.rev, rec.origin))
            files.append(export_changes(stores[0], folder / "start.zip").path)
            for store in stores[1:]:
                assert import_file(store, files[0]).ok
            for action, who, *args in steps:
                store = stores[who % devices]
                if action == "create":
                    rec = store.put(
                        "session",
                        {"date": "2026-11-05", "format": "现场说", "venue": args[0]},
                        village_id=VILLAGE,
                    )
                    made.add((rec.id, rec.rev, rec.origin))
                elif action in ("edit", "delete") and _known(store):
                    rid = _known(store)[args[0] % len(_known(store))]
                    current = store.find(rid)
                    assert current is not None
                    if action == "edit":
                        data = {**current.data, "venue": args[1], "format": args[2]}
                        rec = store.put("session", data, id=rid)
                    else:
                        rec = store.put("session", current.data, id=rid, deleted=True)
                    made.add((rec.id, rec.rev, rec.origin))
                elif action == "export":
                    path = folder / f"{len(files):03d}.zip"
                    export_changes(store, path, full=args[0])
                    files.append(path)
                elif action == "import" and files:
                    _import_checked(store, files[args[0] % len(files)])
                elif action == "resolve":
                    conflicts = list_conflicts(store)
                    if conflicts:
                        c = conflicts[args[0] % len(conflicts)]
                        keep = c.losing if args[1] else c.current
                        rec = resolve(store, c.id, (keep.rev, keep.origin))
                        made.add((rec.id, rec.rev, rec.origin))

            _exchange_all(stores, folder, "final")
            _check(stores, made)

            # Then one or two devices settle every conflict at the same time, and they all swap files again:
            # one resolver leaves no conflict anywhere; two resolving at once agree on what remains.
            resolving = {who % devices: keep_losing for who, keep_losing in resolvers}
            for who, keep_losing in resolving.items():
                for c in list_conflicts(stores[who]):
                    if open_conflict_keys(stores[who], c.id):
                        keep = c.losing if keep_losing else c.current
                        rec = resolve(stores[who], c.id, (keep.rev, keep.origin))
                        made.add((rec.id, rec.rev, rec.origin))
            _exchange_all(stores, folder, "settled")
            _check(stores, made)
            if len(resolving) == 1:
                assert open_conflict_keys(stores[0]) == []
        finally:
            export_mod.MEMBER_REVISIONS = members
            for s in stores:
                s.close()


def _exchange_all(stores: list[Store], folder: Path, label: str) -> None:
    """Every device sends a full export to every other one."""
    finals = [export_changes(s, folder / f"{label}-{n}.zip", full=True).path for n, s in enumerate(stores)]
    for n, store in enumerate(stores):
        for m, path in enumerate(finals):
            if m != n:
                _import_checked(store, path)


def _import_checked(store: Store, path: Path) -> None:
    """Import, and check the import's numbers: records, new, updated and unchanged against the store
    before and after, conflicts against the open conflicts of the records it gave new revisions."""
    before = _last_seq(store)
    held = dict(store.select("SELECT id, rev || ' ' || origin FROM records"))
    result = import_file(store, path)
    assert result.ok, result.reason
    _check_conflict_count(store, before, result)
    if result.already:
        return
    with zipfile.ZipFile(path) as zf:
        ids = {
            json.loads(line)["id"]
            for name in zf.namelist()
            if name.endswith(".jsonl")
            for line in zf.read(name).decode().splitlines()
        }
    now = dict(store.select("SELECT id, rev || ' ' || origin FROM records"))
    new = {i for i in ids if i not in held}
    updated = {i for i in ids if i in held and now[i] != held[i]}
    assert (result.records, result.new, result.updated) == (len(ids), len(new), len(updated))
    assert result.unchanged == len(ids) - len(new) - len(updated)


def _last_seq(store: Store) -> int:
    return store.select("SELECT coalesce(max(seq), 0) FROM revisions")[0][0]


def _check_conflict_count(store: Store, before: int, result) -> None:  # noqa: ANN001
    """The import's conflict count (looked for only where a conflict can be) equals the open conflicts
    among every record that received a new revision from the file."""
    expected = count_open_conflicts(store, "SELECT DISTINCT id FROM revisions WHERE seq > ?", [before])
    assert result.conflicts == (0 if result.already else expected)


def _check(stores: list[Store], made: set[tuple[str, str, str]]) -> None:
    """Same fingerprint and conflict list everywhere; every edit made is held; conflicts match the model."""
    prints = {s.fingerprint() for s in stores}
    assert len(prints) == 1
    conflict_lists = [open_conflict_keys(s) for s in stores]
    event(f"open conflicts: {min(len(conflict_lists[0]), 3)}+")
    event(f"resolutions: {min(stores[0].select('SELECT count(*) FROM resolutions')[0][0], 1)}+")
    assert all(c == conflict_lists[0] for c in conflict_lists)
    for store in stores:
        held = set(store.select("SELECT id, rev, origin FROM revisions"))
        assert made <= held  # no revision was lost on the way
        assert open_conflict_keys(store) == _model_open_conflicts(store)
        # each record's current revision is its highest (rev, origin)
        top = store.select("SELECT id, max(rev || ' ' || origin) FROM revisions GROUP BY id ORDER BY id")
        cur = store.select("SELECT id, rev || ' ' || origin FROM records ORDER BY id")
        assert top == cur
