"""Logging: one named logger per module, written to a rotating file under the platform's log folder.
Bugs go there with their traceback; the user sees a short Chinese message."""

from __future__ import annotations

import logging
import logging.handlers
import os

from . import paths


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger("village_counsel")
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    root.setLevel(level)
    try:
        folder = paths.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / "village-counsel.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return  # a read-only home must not stop the program
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if os.environ.get("VILLAGE_COUNSEL_DEBUG"):
        root.addHandler(logging.StreamHandler())
