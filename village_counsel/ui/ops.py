"""Slow work as operations: one background worker (so store access stays serialised), results and
failures delivered back on the UI thread. An operation never touches a widget.

    run_op(self, lambda: import_files(store, paths), on_done=self.on_imported, label="正在导入…")

``on_error`` receives the exception; a :class:`CounselError` carries a Chinese message for the user,
anything else is a bug and is logged with its traceback (the user sees a short apology)."""

from __future__ import annotations

import logging
import sqlite3
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from ..errors import CounselError, sqlite_message

log = logging.getLogger(__name__)

_pool: QThreadPool | None = None


def pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(1)  # one executor: database work never runs concurrently
    return _pool


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], wants_progress: bool) -> None:
        super().__init__()
        self.fn, self.wants_progress = fn, wants_progress
        self.signals = _Signals()

    @Slot()
    def run(self) -> None:
        try:
            if self.wants_progress:
                result = self.fn(lambda n, total: self.signals.progress.emit(int(n), int(total)))
            else:
                result = self.fn()
        except Exception as exc:  # handed to the UI thread; bugs are logged there
            exc.__vc_traceback__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


def show_error(parent: QWidget | None, exc: BaseException, title: str = "操作未完成") -> None:
    if isinstance(exc, CounselError):
        QMessageBox.warning(parent, title, str(exc))
    elif isinstance(exc, sqlite3.Error):  # the store is busy (an import), the disk is full: not a bug
        log.warning("database error: %s", exc)
        QMessageBox.warning(parent, title, sqlite_message(exc))
    else:
        log.error("unexpected error: %s", getattr(exc, "__vc_traceback__", repr(exc)))
        QMessageBox.critical(
            parent, title, f"程序内部错误，操作未完成，数据未改动。\n（{type(exc).__name__}: {exc}）"
        )


_running: set[_Task] = set()


def run_op(
    parent: QWidget | None,
    fn: Callable[..., Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    label: str | None = None,
    progress: bool = False,
    modal: bool = False,
) -> _Task:
    """Run ``fn`` on the background worker. With ``progress=True`` it is called with a
    ``report(n, total)`` callback and a progress dialog shows ``label``; ``modal``: the window waits for
    it (an import holds the store's write lock until it commits)."""
    task = _Task(fn, progress)
    dialog: QProgressDialog | None = None
    if label:
        dialog = QProgressDialog(label, None, 0, 0, parent)  # type: ignore[arg-type]
        dialog.setWindowTitle("请稍候")
        dialog.setMinimumDuration(0 if modal else 400)
        if modal:
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(True)
        task.signals.progress.connect(lambda n, total: (dialog.setMaximum(total), dialog.setValue(n)))

    def finish() -> None:
        _running.discard(task)
        if dialog is not None:
            dialog.reset()
            dialog.deleteLater()

    def done(result: Any) -> None:
        finish()
        if on_done:
            on_done(result)

    def failed(exc: BaseException) -> None:
        finish()
        (on_error or (lambda e: show_error(parent, e)))(exc)

    task.signals.done.connect(done)
    task.signals.failed.connect(failed)
    _running.add(task)  # keep the Python wrapper alive until its signals have fired
    task.setAutoDelete(False)
    pool().start(task)
    return task
