"""CI's window smoke test: start the program as a person would (``ui.app.run``, the store, the main
window) on a real X server, check the window is up on xcb, save a screenshot, quit.

Usage: python .ci/window_smoke.py DATA_DIR SCREENSHOT.png   (under xvfb-run; QT_QPA_PLATFORM=xcb)
Exit 0 when the main window showed; otherwise 1 with the reason. Run it with the interpreter of the
installed wheel, so it proves the wheel and README's system libraries, not the source tree."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMainWindow

from village_counsel import paths
from village_counsel.ui.app import make_app, run

data_dir, screenshot = Path(sys.argv[1]), Path(sys.argv[2])
problems: list[str] = []


def on_message(kind: QtMsgType, _context: object, text: str) -> None:
    print(f"Qt: {text}", file=sys.stderr)
    if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        problems.append(text)


def check_and_quit() -> None:
    app = QApplication.instance()
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
    if app.platformName() != "xcb":
        problems.append(f"platform {app.platformName()!r}, not xcb: not a real X window")
    if not windows:
        problems.append("no main window on screen after 4 s")
    else:
        windows[0].grab().save(str(screenshot))
    app.quit()


qInstallMessageHandler(on_message)
app = make_app([sys.argv[0]])
QTimer.singleShot(4000, check_and_quit)
code = run(paths.store_path(data_dir))
if code != 0:
    problems.append(f"the program returned {code}")
if not screenshot.is_file():
    problems.append("no screenshot")
for problem in problems:
    print(f"window smoke test: {problem}", file=sys.stderr)
print(f"window smoke test: {'failed' if problems else 'the main window showed'} ({screenshot})")
sys.exit(1 if problems else 0)
