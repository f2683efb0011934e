"""``python -m village_counsel``, and the entry point of the PyInstaller build."""

import multiprocessing

from village_counsel.cli import main

if __name__ == "__main__":  # not when an import's worker process (spawn) loads this module
    multiprocessing.freeze_support()  # lets the frozen program start those workers
    raise SystemExit(main())
