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
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        log_file = folder / "village-counsel.log"
        # The log names files and villages: the user's only, like the store. Created so from the start
        # (and tightened if an older version made it readable to others); rotated files are renamed copies.
        os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        for old in folder.glob("village-counsel.log*"):
            if old.stat().st_mode & 0o077:
                os.chmod(old, 0o600)
        # backslashreplace: a file name of bytes that are not UTF-8 is logged, never a "Logging error"
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8", errors="backslashreplace"
        )
    except OSError:
        return  # a read-only home must not stop the program
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if os.environ.get("VILLAGE_COUNSEL_DEBUG"):
        root.addHandler(logging.StreamHandler())
