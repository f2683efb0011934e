"""Application start-up: fonts, the store, the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import paths
from ..errors import StoreError
from ..store import Store

log = logging.getLogger(__name__)


def install_fonts(app: QApplication) -> str | None:
    """Register the shipped CJK font so Chinese renders on a machine without one; returns its family."""
    font_id = QFontDatabase.addApplicationFont(str(paths.font_path()))
    if font_id < 0:
        log.warning("could not load %s", paths.font_path())
        return None
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    font = QFont(family)
    font.setPointSizeF(max(app.font().pointSizeF(), 10.5))
    app.setFont(font)
    return family


def install_translations(app: QApplication) -> bool:
    """Qt's own words in Chinese — the 是/否 of a question, a text box's 撤销/复制/粘贴 menu, the calendar
    and the file dialogs — whatever the system's language; and Chinese dates and numbers. Qt ships the
    translation (qtbase_zh_CN); True when it was loaded."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):
        log.warning("Qt's Chinese translation not found in %s", folder)
        return False
    app.installTranslator(translator)
    app.setProperty("village_counsel_translator", translator)  # (kept alive with the application)
    return True


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("村法律顾问助手")
    app.setOrganizationName("village-counsel")
    install_fonts(app)  # type: ignore[arg-type]
    install_translations(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def run(store_path: Path) -> int:
    app = make_app()
    try:
        store = Store(store_path)
    except StoreError as exc:
        QMessageBox.critical(None, "无法打开数据", str(exc))
        return 1
    from ..villages import get_profile
    from .main_window import MainWindow

    if get_profile(store) is None:
        from .welcome import WelcomeDialog

        if WelcomeDialog(store).exec() != WelcomeDialog.DialogCode.Accepted:
            store.close()
            return 0
    window = MainWindow(store)
    window.show()
    try:
        return app.exec()
    finally:
        try:
            from ..backup import backup_if_changed

            backup_if_changed(store)
        except Exception:  # a failed backup must not lose the user's work or hide the exit
            log.exception("automatic backup on exit failed")
        store.close()
