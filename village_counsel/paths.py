"""Where things live on disk: the store, backups, logs and the shipped resources."""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "village-counsel"
ENV_DATA = "VILLAGE_COUNSEL_DATA"
STORE_FILE = "village-counsel.db"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the store: ``--data-dir`` first, then ``$VILLAGE_COUNSEL_DATA``, then the platform's."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_DATA)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def store_path(override: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(override) / STORE_FILE


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def resources_dir() -> Path:
    """The shipped ``resources/``, found through ``importlib.resources`` from the package: a wheel and a
    PyInstaller bundle carry it inside the package (``village_counsel/resources``, mapped there by the build);
    a source checkout or an editable install, whose package is the repository's folder, has it beside the
    package at the top of the repository."""
    package = Path(str(importlib.resources.files(__package__ or "village_counsel")))
    inside = package / "resources"
    return inside if inside.is_dir() else package.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def font_path() -> Path:
    return resource("fonts", "wqy-microhei.ttc")


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it, so a reader never sees half a file (and a
    full disk leaves no empty one behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # as any new file would be (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """This process's umask, read without changing it (os.umask sets it too: racy with threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
