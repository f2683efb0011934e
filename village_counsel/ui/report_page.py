"""报表: the monthly report (a village's, or the township's for all villages), the 公示 notice of a power
exercise and the 一事一档 page of a matter or mediation case — generated off the UI thread, previewed
inside the program, saved as PDF or printed."""

from __future__ import annotations

import logging
import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRectF, QSize, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import CounselError, NotFound
from ..store import Store
from .common import Hub, MonthCombo, VillageCombo, heading, month_label, report_error, this_month
from .ops import run_op

log = logging.getLogger(__name__)

# 单页文书: what the second row of the page prints
DOCUMENTS = (
    ("notice", "公示单（小微权力事项编号或 ID）"),
    ("matter", "一事一档（说事事项编号或 ID）"),
    ("case", "一事一档（调解案件案号或 ID）"),
)


def _monthly_job(store_path: Path | None, store: Store, month: str, village: str | None, out: Path):
    """The background operation: its own store connection, figures and layout, the PDF written to ``out``."""

    def job(report: Callable[[int, int], None]) -> Path:
        from ..reports.monthly import monthly_pdf

        if store_path is None:  # an in-memory store (tests) cannot be opened twice
            monthly_pdf(store, month, village, out, progress=report)
            return out
        with Store(store_path) as own:
            monthly_pdf(own, month, village, out, progress=report)
        return out

    return job


def _in_own_store(
    store_path: Path | None, store: Store, render: Callable[[Store], Path]
) -> Callable[[], Path]:
    """A background job that runs ``render`` on a store connection of its own (an in-memory store, in
    tests, cannot be opened twice: then on ``store`` itself)."""

    def job() -> Path:
        if store_path is None:
            return render(store)
        with Store(store_path) as own:
            return render(own)

    return job


def _document_job(store_path: Path | None, store: Store, kind: str, ref: str, village: str | None, out: Path):
    def render(s: Store) -> Path:
        from ..reports.dossier import record_pdf
        from ..reports.lookup import find_case, find_exercise, find_matter
        from ..reports.notice import notice_pdf

        if kind == "notice":
            notice_pdf(s, find_exercise(s, ref, village), out)
        elif kind == "matter":
            record_pdf(s, find_matter(s, ref, village), out)
        else:
            record_pdf(s, find_case(s, ref, village), out)
        return out

    return _in_own_store(store_path, store, render)


def _record_job(store_path: Path | None, store: Store, kind: str, record_id: str, out: Path):
    """The background operation behind a page's 打印… button: the record's 公示 notice (``notice``) or
    its 一事一档 page (``record``), from its own store connection."""

    def render(s: Store) -> Path:
        from ..reports.dossier import record_pdf
        from ..reports.notice import notice_pdf

        record = s.find(record_id)
        if record is None or record.deleted:
            raise NotFound("所选记录已不存在（可能已在别处删除），请刷新后重选。")
        if kind == "notice":
            notice_pdf(s, record, out)
        else:
            record_pdf(s, record, out)
        return out

    return _in_own_store(store_path, store, render)


class RecordPrinter(QObject):
    """Prints one record from a list page: generates its PDF off the UI thread, then offers to save it
    or open it in the system's PDF reader (which also prints)."""

    generated = Signal(str)  # the path of the new PDF, before the offer is shown

    def __init__(self, store: Store, parent: QWidget) -> None:
        super().__init__(parent)
        self.store, self.widget = store, parent
        self._tmp_dir = tempfile.mkdtemp(prefix="village-counsel-print-")
        weakref.finalize(self, shutil.rmtree, self._tmp_dir, ignore_errors=True)
        self.busy = False
        self.last_path: Path | None = None
        self.saved_to: Path | None = None
        self.warnings: list[str] = []  # the legality review's word on a notice being printed

    def print_record(self, kind: str, record: Any, title: str) -> None:
        """Generate ``record``'s notice (``kind`` "notice") or 一事一档 page (``kind`` "record")."""
        if self.busy:
            return
        self.warnings: list[str] = []
        if kind == "notice":  # the review's word on the publicity posted: for the printer, not the notice
            from ..reports.notice import notice_warnings

            try:
                self.warnings = notice_warnings(record, village=self.store.find(record.village_id or ""))
            except CounselError:
                self.warnings = []
        number = record.get("number")
        if not number and record.kind == "matter":  # a matter's number is its session's and its place
            from ..reports.lookup import matter_number

            number = matter_number(self.store, record)
        safe = "".join(c for c in str(number or "") if c.isalnum() or c in "-_")[:40] or record.id[:8]
        out = Path(self._tmp_dir) / f"{kind}-{safe}.pdf"
        name = f"{title}-{safe}.pdf"
        self.busy = True
        run_op(
            self.widget,
            _record_job(self.store.path, self.store, kind, record.id, out),
            on_done=lambda path: self.on_generated(path, name),
            on_error=self.on_failed,
            label=f"正在生成{title}…",
        )

    def on_generated(self, path: Path, name: str) -> None:
        self.busy = False
        self.last_path = path
        self.generated.emit(str(path))
        self.offer(path, name)

    def on_failed(self, exc: BaseException) -> None:
        self.busy = False
        self._after_submit = False
        report_error(self.widget, exc)

    def offer(self, path: Path, name: str) -> None:
        box = QMessageBox(self.widget)
        box.setWindowTitle("已生成")
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(f"已生成“{name}”。个人信息（姓名、电话、身份证号）已脱敏。")
        warnings = self.warnings
        if warnings:
            box.setIcon(QMessageBox.Icon.Warning)
        box.setInformativeText(
            "".join(f"合法性审查提示：{w}\n" for w in warnings)
            + "可另存为 PDF，或用系统的 PDF 阅读器打开后打印。"
        )
        save = box.addButton("另存为 PDF…", QMessageBox.ButtonRole.AcceptRole)
        open_ = box.addButton("打开并打印…", QMessageBox.ButtonRole.ActionRole)
        box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        if clicked is save:
            self.save(path, name)
        elif clicked is open_:
            self.open(path)

    def save(self, path: Path, name: str) -> None:
        target, _ = QFileDialog.getSaveFileName(
            self.widget, "另存为 PDF", str(Path.home() / name), "PDF 文件 (*.pdf)"
        )
        if not target:
            return
        dest = Path(target) if Path(target).suffix.lower() == ".pdf" else Path(target).with_suffix(".pdf")
        try:
            shutil.copyfile(path, dest)
        except OSError as exc:
            QMessageBox.warning(self.widget, "未能保存", f"无法写入 {dest}：{exc.strerror or exc}")
            return
        self.saved_to = dest

    def open(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            QMessageBox.information(
                self.widget, "无法打开", f"系统中没有可用的 PDF 阅读器。文件位于：\n{path}"
            )


class ReportPage(QWidget):
    """Pick month and village, generate, preview, save, print; fill in the village's 风险隐患 and
    下月工作计划 of the month (its ``monthly_note``), which the report prints."""

    shown = Signal(str)  # the path of the PDF now in the preview
    note_saved = Signal(object)  # Changes, after the month's note was saved

    def __init__(self, store: Store, parent: QWidget | None = None, *, hub: Hub | None = None) -> None:
        super().__init__(parent)
        self.store, self.hub = store, hub
        # generated PDFs live here until the page goes away (or the program ends)
        self._tmp_dir = tempfile.mkdtemp(prefix="village-counsel-print-")
        weakref.finalize(self, shutil.rmtree, self._tmp_dir, ignore_errors=True)
        self.pdf_path: Path | None = None
        self.suggested_name = "月报.pdf"
        self.busy = False

        self.month = MonthCombo(store, all_label=None)
        self.village = VillageCombo(store, all_label="全部村（乡镇汇总）")
        self.generate_button = QPushButton("生成月报")
        self.generate_button.setDefault(True)
        self.note_button = QPushButton("填写风险与计划…")
        self.submit_button = QPushButton("报送本月…")
        self.submit_button.setObjectName("submit_month")
        self.submit_button.setToolTip("把所选月份的月报报送司法所：数字冻结，之后的补录单独列出")
        self.save_button = QPushButton("另存为 PDF…")
        self.print_button = QPushButton("打印…")
        self.open_button = QPushButton("用系统阅读器打开")
        for button in (self.save_button, self.print_button, self.open_button):
            button.setEnabled(False)

        self.doc_kind = QComboBox()
        for key, label in DOCUMENTS:
            self.doc_kind.addItem(label, key)
        self.doc_ref = QLineEdit()
        self.doc_ref.setPlaceholderText("如 P10-2026-003、说事-2026-11-01-2，或记录 ID（前 8 位即可）")
        self.doc_button = QPushButton("生成单页")

        self.status = QLabel(
            "选择月份和村，然后点“生成月报”。个人信息（姓名、电话、身份证号）在打印件中一律脱敏。"
        )
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color:#444")

        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.zoom = QComboBox()
        for label, mode in (("整页", "page"), ("适合宽度", "width"), ("实际大小", "100")):
            self.zoom.addItem(label, mode)
        self.view.setPageSpacing(12)

        bar = QHBoxLayout()
        bar.addWidget(heading("报表"))
        bar.addSpacing(16)
        bar.addWidget(QLabel("月份："))
        bar.addWidget(self.month)
        bar.addWidget(QLabel("村："))
        bar.addWidget(self.village)
        bar.addWidget(self.generate_button)
        bar.addWidget(self.note_button)
        bar.addWidget(self.submit_button)
        bar.addStretch(1)
        # what to do with the PDF shown sits beside the line that says what it is: the page then fits a
        # 1024-pixel-wide screen
        shown = QHBoxLayout()
        shown.addWidget(self.status, 1)
        shown.addWidget(QLabel("显示："))
        shown.addWidget(self.zoom)
        shown.addWidget(self.save_button)
        shown.addWidget(self.print_button)
        shown.addWidget(self.open_button)
        docs = QHBoxLayout()
        docs.addWidget(QLabel("单页文书："))
        docs.addWidget(self.doc_kind)
        docs.addWidget(self.doc_ref, 1)
        docs.addWidget(self.doc_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(docs)
        layout.addLayout(shown)
        layout.addWidget(self.view, 1)

        # signals, wired in one place
        self.generate_button.clicked.connect(self.on_generate_clicked)
        self.note_button.clicked.connect(self.on_note_clicked)
        self.submit_button.clicked.connect(self.on_submit_clicked)
        self.village.currentIndexChanged.connect(self.on_village_changed)
        self.month.currentIndexChanged.connect(self.on_village_changed)
        self.update_note_button()
        self.doc_button.clicked.connect(self.on_document_clicked)
        self.doc_ref.returnPressed.connect(self.on_document_clicked)
        self.save_button.clicked.connect(self.on_save_clicked)
        self.print_button.clicked.connect(self.on_print_clicked)
        self.open_button.clicked.connect(self.on_open_clicked)
        self.zoom.currentIndexChanged.connect(self.on_zoom_changed)

    # --- generating -------------------------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        # villages and months may have changed on other pages since this one was built
        self.village.reload()
        self.month.reload()
        self.update_note_button()  # reload() changes the choice without a signal
        super().showEvent(event)

    def _start(self, job: Callable[..., Path], name: str, label: str, *, progress: bool) -> None:
        self.busy = True
        self.generate_button.setEnabled(False)
        self.doc_button.setEnabled(False)
        self.update_note_button()
        self.status.setText(label)
        self.suggested_name = name
        run_op(self, job, on_done=self.on_generated, on_error=self.on_failed, label=label, progress=progress)

    def generate(self, month: str | None = None, village_id: str | None = None) -> None:
        """Generate the monthly report (the combos' choice unless given) in the background."""
        if month:
            self.month.set_month(month)
        if village_id is not None:
            self.village.set_village(village_id)
        month = self.month.month() or this_month()
        village_id = self.village.village_id()
        village = self.village.currentText() if village_id else None
        out = Path(self._tmp_dir) / f"report-{month}-{self.village.currentIndex()}.pdf"
        name = f"法律顾问工作月报-{month}-{village or '汇总'}.pdf"
        # the id, not the name: two villages may share a name (two advisors' files in one store)
        job = _monthly_job(self.store.path, self.store, month, village_id, out)
        self._start(job, name, f"正在生成{month_label(month)}{village or '全部村'}的月报…", progress=True)

    def print_document(self, kind: str, ref: str) -> None:
        """Generate a 公示 notice (``notice``) or a 一事一档 page (``matter``/``case``) for ``ref``."""
        village = self.village.village_id()  # an id: resolve_village takes ids as well as names
        safe = "".join(c for c in ref if c.isalnum() or c in "-_")[:40] or "record"
        out = Path(self._tmp_dir) / f"{kind}-{safe}.pdf"
        title = {"notice": "公示", "matter": "一事一档", "case": "调解档案"}[kind]
        job = _document_job(self.store.path, self.store, kind, ref.strip(), village, out)
        self._start(job, f"{title}-{safe}.pdf", f"正在生成{title}…", progress=False)

    def on_zoom_changed(self) -> None:
        mode = self.zoom.currentData()
        if mode == "page":
            self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        elif mode == "width":
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        else:
            self.view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.view.setZoomFactor(1.0)

    def on_generate_clicked(self) -> None:
        self.generate()

    def on_document_clicked(self) -> None:
        ref = self.doc_ref.text().strip()
        if not ref:
            self.status.setText("请先输入记录编号或 ID。")
            return
        self.print_document(self.doc_kind.currentData(), ref)

    def on_generated(self, path: Path) -> None:
        self.busy = False
        self.generate_button.setEnabled(True)
        self.doc_button.setEnabled(True)
        self.update_note_button()
        if getattr(self, "_after_submit", False):
            self._after_submit = False
            if self.hub is not None:
                from ..store import Changes

                self.hub.emit_changes(Changes(kinds={"submission"}))
            if path.is_dir():
                self.status.setText(f"已报送 {len(self._submitted)} 个村的月报（PDF 在 {path}）。")
                return
        self.show_pdf(path)

    def on_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.generate_button.setEnabled(True)
        self.doc_button.setEnabled(True)
        self.update_note_button()
        self.status.setText(f"未能生成：{exc}")
        report_error(self, exc)

    def show_pdf(self, path: Path) -> None:
        self.document.close()
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_:
            self.status.setText(f"无法预览 {path}（{error.name}）")
            return
        self.pdf_path = path
        for button in (self.save_button, self.print_button, self.open_button):
            button.setEnabled(True)
        self.status.setText(
            f"已生成：{self.suggested_name}，共 {self.document.pageCount()} 页。可另存为 PDF 或打印。"
        )
        self.shown.emit(str(path))

    # --- the month's 风险隐患 and 下月工作计划 ----------------------------------------------------------------------

    def update_note_button(self) -> None:
        """The note belongs to one village: in the township view (all villages) there is none to edit.
        While a report is generated the button waits too (the store is busy on the worker)."""
        village_id = self.village.village_id()
        self.note_button.setEnabled(bool(village_id) and not self.busy)
        self.submit_button.setEnabled(not self.busy)
        if not village_id:
            self.note_button.setToolTip("请先在“村”中选择一个村：风险隐患与下月计划按村按月填写。")
        else:
            month = self.month.month() or this_month()
            self.note_button.setToolTip(
                f"填写{self.village.currentText()}{month_label(month)}的风险隐患与重大事项、下月工作计划"
                "（印在该月月报中）"
            )

    def on_village_changed(self) -> None:
        self.update_note_button()

    def edit_note(self) -> QDialog | None:
        """Open the note of the chosen village and month (created on first save); returns the dialog."""
        from .note_dialog import MonthlyNoteDialog

        village_id = self.village.village_id()
        if not village_id or self.busy:
            return None
        month = self.month.month() or this_month()
        dialog = MonthlyNoteDialog(self.store, village_id, month, self.village.currentText(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            if self.hub is not None:
                self.hub.emit_changes(dialog.changes)
            self.note_saved.emit(dialog.changes)
            self.status.setText(
                f"已保存{self.village.currentText()}{month_label(month)}的风险隐患与下月工作计划。"
                "点“生成月报”可查看（Ctrl+Z 撤销）。"
            )
        return dialog

    def on_note_clicked(self) -> None:
        self.edit_note()

    # --- 报送 -------------------------------------------------------------------------------------------------

    def submit(self, confirm: bool = True) -> None:
        """报送: submit the chosen month (of the chosen village, or of every village) in the background; the
        submitted report is shown. Refusals (a month not over, already submitted) are said, not raised."""
        from ..reports.submission import submit_month

        if self.busy:
            return
        month = self.month.month() or this_month()
        village_id = self.village.village_id()
        who = self.village.currentText() if village_id else "全部村"
        if confirm and (
            QMessageBox.question(
                self,
                "报送月报",
                f"报送{who}{month_label(month)}的月报？\n报送后该月数字即冻结（记录报送时的数字与 PDF 的 "
                "SHA-256，随同步文件交司法所）；之后补录的内容会在该月月报的“报送后补录”中列出。",
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        out_dir = Path(self._tmp_dir) / f"submitted-{month}"

        def render(s: Store) -> Path:
            village = s.get("village", village_id) if village_id else None
            done = submit_month(s, month, [village] if village else None, out_dir=out_dir)
            self._submitted = [(r.village_id, r["pdf_sha256"], p) for r, p in done]
            return done[0][1] if len(done) == 1 and done[0][1] else out_dir

        self._submitted: list[tuple[str | None, str, Path | None]] = []
        self._start(
            _in_own_store(self.store.path, self.store, render),
            f"法律顾问工作月报-{month}-{who}-报送.pdf",
            f"正在报送{who}{month_label(month)}的月报…",
            progress=False,
        )
        self._after_submit = True

    def on_submit_clicked(self) -> None:
        self.submit()

    # --- saving and printing ----------------------------------------------------------------------------------

    def save_to(self, target: Path) -> Path:
        if self.pdf_path is None:
            raise RuntimeError("nothing generated yet")
        if target.suffix.lower() != ".pdf":
            target = target.with_suffix(".pdf")
        shutil.copyfile(self.pdf_path, target)
        return target

    def on_save_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "另存为 PDF", str(Path.home() / self.suggested_name), "PDF 文件 (*.pdf)"
        )
        if not name:
            return
        try:
            saved = self.save_to(Path(name))
        except OSError as exc:
            QMessageBox.warning(self, "未能保存", f"无法写入 {name}：{exc.strerror or exc}")
            return
        self.status.setText(f"已保存到 {saved}")

    def print_to(self, printer: QPrinter) -> int:
        """Paint every page of the previewed PDF onto ``printer``; returns the number of pages printed."""
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("无法开始打印（打印机不可用）")
        try:
            pages = self.document.pageCount()
            dpi = printer.resolution()
            for n in range(pages):
                if n:
                    printer.newPage()
                area = painter.viewport()  # device pixels
                size_pt = self.document.pagePointSize(n)
                scale = min(area.width() / size_pt.width(), area.height() / size_pt.height())
                width, height = size_pt.width() * scale, size_pt.height() * scale
                # render at the printer's resolution, capped at 300 dpi so a long job stays within memory
                factor = min(1.0, 300 / dpi) if dpi > 0 else 1.0
                image = self.document.render(n, QSize(int(width * factor), int(height * factor)))
                painter.drawImage(QRectF(0, 0, width, height), image)
            return pages
        finally:
            painter.end()

    def on_print_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.suggested_name)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        try:
            pages = self.print_to(printer)
        except OSError as exc:
            QMessageBox.warning(self, "未能打印", f"{exc}\n可改用“用系统阅读器打开”后打印。")
            return
        self.status.setText(f"已发送 {pages} 页到打印机。")

    def on_open_clicked(self) -> None:
        if self.pdf_path is None:
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.pdf_path))):
            QMessageBox.information(
                self, "无法打开", f"系统中没有可用的 PDF 阅读器。文件位于：\n{self.pdf_path}"
            )


__all__ = ["RecordPrinter", "ReportPage"]
