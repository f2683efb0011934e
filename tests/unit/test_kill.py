"""SIGKILL at random moments during import, demo, restore, export and a save (the operation a dialog's
保存 runs), and at every step of a restore: after each kill ``check`` passes and the device is still
itself — the same device id and the same signing key, its key file the user's only.

Each operation runs in a forked child (cheap: the parent has imported everything once) that is killed
after a random delay; the parent then opens the store and checks it. At least 100 kills per run."""

from __future__ import annotations

import os
import random
import signal
import stat
import time
from pathlib import Path

import pytest

from village_counsel import backup, keyfiles
from village_counsel.demo import run_demo
from village_counsel.errors import ValidationError
from village_counsel.stats import check
from village_counsel.store import Store
from village_counsel.sync import export_changes, import_file, keys
from village_counsel.villages import list_villages, update_village

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

KILLS = 110
RESTORE_STEPS = ("safety", "copied", "prepared", "swapped")


def _child(op) -> int:
    pid = os.fork()
    if pid == 0:  # the child: run the operation, never return into pytest
        code = 0
        try:
            op()
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    return pid


def _identity(path: Path) -> tuple[str, bytes]:
    with Store(path) as store:
        key_file = keyfiles.key_path(store, "device")
        assert key_file is not None and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        return store.device_id, keys.device_public_key(store)


def _checked(path: Path, identity: tuple[str, bytes], what: str) -> None:
    with Store(path) as store:
        problems = check(store)
        assert problems == [], (what, problems)
        assert (store.device_id, keys.device_public_key(store)) == identity, what
        assert not store.select(
            "SELECT 1 FROM local WHERE key IN ('device_signing_key', 'office_private_key')"
        )


@pytest.fixture
def scene(tmp_path):
    """This laptop's store with records, another laptop's files to import, a backup of another laptop."""
    files = []
    for n in range(3):
        with Store(tmp_path / f"other{n}" / "village-counsel.db") as other:
            run_demo(other, seed=10 + n, villages=2, months=1)
            files.append(export_changes(other, tmp_path / f"other{n}.zip").path)
            if n == 0:
                foreign_backup = backup.make_backup(other, "other")
    path = tmp_path / "mine" / "village-counsel.db"
    with Store(path) as mine:
        run_demo(mine, seed=1, villages=2, months=1)
        keys.device_private_key(mine)
        own_backup = backup.make_backup(mine, "mine")
    saved = []  # kept apart: the rotation thins the backups folder as the operations add to it
    for made in (foreign_backup, own_backup):
        (tmp_path / "saved").mkdir(exist_ok=True)
        saved.append(tmp_path / "saved" / made.name)
        saved[-1].write_bytes(made.read_bytes())
    return path, files, saved, tmp_path


@pytest.mark.slow
def test_no_kill_changes_the_identity_or_breaks_the_store(scene):
    path, files, backups, tmp_path = scene
    identity = _identity(path)
    rng = random.Random(11)
    seed = [100]

    def do_import() -> None:
        with Store(path) as store:
            import_file(store, rng.choice(files), before_merge=lambda: backup.make_backup(store, "import"))

    def do_demo() -> None:
        with Store(path) as store:
            run_demo(store, seed=seed[0], months=1)

    def do_restore() -> None:
        backup.restore(path, rng.choice(backups))

    def do_export() -> None:
        with Store(path) as store:
            export_changes(store, tmp_path / "out" / "e.zip", full=rng.random() < 0.5)

    def do_save() -> None:  # what the village dialog's 保存 runs
        with Store(path) as store:
            for village in list_villages(store):
                try:
                    update_village(store, village.id, {"households": rng.randint(1, 999)})
                except ValidationError:  # two villages of one name came from two laptops: not this test's
                    pass

    ops = {"import": do_import, "demo": do_demo, "restore": do_restore, "export": do_export, "save": do_save}
    kills = 0
    killed: dict[str, int] = dict.fromkeys(ops, 0)
    finished = 0
    for round_ in range(KILLS * 3):
        if kills >= KILLS:
            break
        name = list(ops)[round_ % len(ops)]
        seed[0] += 1
        pid = _child(ops[name])
        time.sleep(rng.uniform(0, 0.1))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            kills += 1
            killed[name] += 1
        else:
            assert os.WEXITSTATUS(status) == 0, f"{name} failed without a kill"
            finished += 1
        _checked(path, identity, f"{name} (round {round_})")
    assert kills >= KILLS, (kills, killed)
    assert all(killed.values()), killed  # every operation was killed at least once
    with Store(path) as store:  # and the store still exports, imports and checks
        export_changes(store, tmp_path / "out" / "e.zip")
    assert not list((tmp_path / "out").glob(".e.zip.*.part"))


@pytest.mark.parametrize("step", RESTORE_STEPS)
def test_a_restore_killed_at_each_step_leaves_the_old_or_the_restored_store_as_this_device(scene, step):
    path, files, backups, tmp_path = scene
    identity = _identity(path)
    with Store(path) as store:
        before = store.fingerprint()
    restored = _fingerprint_of_backup(backups[0])
    os.environ[backup.KILL_AT] = step
    try:
        pid = _child(lambda: backup.restore(path, backups[0]))
        _, status = os.waitpid(pid, 0)
    finally:
        del os.environ[backup.KILL_AT]
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    _checked(path, identity, step)
    with Store(path) as store:
        now = store.fingerprint()
    assert now == (restored if step == "swapped" else before), step
    backup.restore(path, backups[0])  # and a restore after the kill completes
    _checked(path, identity, f"after {step}")
    assert not list(path.parent.glob(".restore-*"))


def _fingerprint_of_backup(path: Path) -> str:
    import hashlib
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        for kind, id_, rev, deleted in conn.execute(
            "SELECT kind, id, rev, deleted FROM records ORDER BY kind, id"
        ):
            digest.update(f"{kind}\t{id_}\t{rev}\t{deleted}\n".encode())
        return digest.hexdigest()
    finally:
        conn.close()
