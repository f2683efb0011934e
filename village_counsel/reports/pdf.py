"""Shared print layout: the shipped CJK font (embedded as a subset), paragraph styles, tables that wrap
Chinese in their cells and repeat their header, and a canvas that numbers pages 第 X 页 共 Y 页."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import sys
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import platformdirs
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, TTFontFace
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from .. import paths
from ..errors import CounselError
from .cjkwrap import CJKParagraph

log = logging.getLogger(__name__)

FONT = "WQYMicroHei"
PAGE = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 18 * mm
WIDTH = PAGE[0] - 2 * MARGIN_X  # the frame's usable width


class PrintError(CounselError):
    """A document could not be laid out or written."""


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register the shipped WenQuanYi Micro Hei (TrueType face 0 of the TTC); ReportLab embeds a subset."""
    font_file = paths.font_path()
    if not font_file.is_file():
        raise PrintError(f"找不到中文字体文件 {font_file}，无法生成 PDF。请重新安装程序。")
    pdfmetrics.registerFont(_load_font(font_file))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
    return FONT


def _font_cache_file(font_file: Path) -> Path:
    import reportlab

    stat = font_file.stat()
    key = (
        f"{font_file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{reportlab.Version}|{sys.version_info[:2]}"
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("village-counsel", appauthor=False)) / f"font-{digest}.pickle"


def _load_font(font_file: Path) -> TTFont:
    """The CJK font, its parsed tables cached between runs: ReportLab parses the 5 MB font in pure
    Python (~70 ms, a third of a one-village report). Any trouble with the cache falls back to parsing."""
    cache = _font_cache_file(font_file)
    try:
        with cache.open("rb") as fh:
            tables = pickle.load(fh)
        face = TTFontFace.__new__(TTFontFace)
        face.__dict__.update(tables)
        face._ttf_data = font_file.read_bytes()  # the font itself is not copied into the cache
        units = face.unitsPerEm
        face._pdfScale = (lambda x: x) if units == 1000 else (lambda x, m=1000 / units: x * m)
        font = TTFont.__new__(TTFont)
        font.fontName, font.face, font.encoding = FONT, face, TTEncoding()
        font.state = WeakKeyDictionary()
        font._asciiReadable = rl_config.ttfAsciiReadable
        font.shapable = True
        font.stringWidth("法律顾问 2026", 10)  # the object works: or fall back below
        return font
    except Exception:  # a missing, stale or foreign cache: parse the font as usual
        log.debug("font cache not used", exc_info=True)
    font = TTFont(FONT, str(font_file), subfontIndex=0)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tables = {k: v for k, v in font.face.__dict__.items() if k not in ("_pdfScale", "_ttf_data")}
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(tables, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except Exception:  # a read-only cache folder only costs the next run its speed
        log.debug("font cache not written", exc_info=True)
    return font


def _style(name: str, size: float, leading: float | None = None, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=FONT, fontSize=size, leading=leading or size * 1.45, wordWrap="CJK", **kw
    )


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    register_font()
    return {
        "title": _style("title", 17, 24, alignment=TA_CENTER, spaceAfter=4 * mm),
        "subtitle": _style("subtitle", 11, 16, alignment=TA_CENTER, spaceAfter=3 * mm),
        "h1": _style("h1", 13, 18, spaceBefore=4 * mm, spaceAfter=2 * mm, keepWithNext=1),
        "h2": _style("h2", 11, 15, spaceBefore=2 * mm, spaceAfter=1.5 * mm, keepWithNext=1),
        "body": _style("body", 10.5, 16, spaceBefore=1 * mm, spaceAfter=1 * mm),
        "notice": _style("notice", 13, 22, firstLineIndent=26),
        "small": _style("small", 9, 13, textColor=colors.HexColor("#333333"), spaceBefore=1.5 * mm),
        "cell": _style("cell", 9, 12),
        "cell_c": _style("cell_c", 9, 12, alignment=TA_CENTER),
        "cell_r": _style("cell_r", 9, 12, alignment=TA_RIGHT),
        "head": _style("head", 9, 12, alignment=TA_CENTER),
        "right": _style("right", 10.5, 16, alignment=TA_RIGHT),
        # the office's unmasked archive copy says so at its head
        "stamp": _style("stamp", 14, 18, alignment=TA_RIGHT, textColor=colors.HexColor("#B03A2E")),
    }


def esc(text: Any) -> str:
    """Text for a Paragraph: XML special characters escaped, line breaks kept."""
    s = "" if text is None else str(text)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def para(text: Any, style: str = "body") -> CJKParagraph:
    return CJKParagraph(esc(text), styles()[style])


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def fmt_money(value: float | None) -> str:
    if not value:
        return "0"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def fmt_num(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def cn_date(day: Any, *, year: int | None = None) -> str:
    """A date as formal papers write it, 2026年12月7日 (ISO text, a date or a datetime; the month and day
    alone, 12月7日, when ``year`` is the date's own — a month's list). Text that is no date is kept."""
    if not day:
        return "—"
    text = day.isoformat() if hasattr(day, "isoformat") else str(day)
    try:
        d = date.fromisoformat(text[:10])
    except ValueError:
        return text
    if year is not None and d.year == year:
        return f"{d.month}月{d.day}日"
    return f"{d.year}年{d.month}月{d.day}日"


_ISO_DAY = __import__("re").compile(r"(?<![0-9])(\d{4}-\d{2}-\d{2})(?![0-9])")


def cn_dates_in(text: str) -> str:
    """``text`` with every ISO date in it written as formal papers do (a finding's “（2026-10-12 至 …）”)."""
    return _ISO_DAY.sub(lambda m: cn_date(m.group(1)), text)


GRID = colors.HexColor("#666666")
HEAD_BG = colors.HexColor("#E8ECF2")
TOTAL_BG = colors.HexColor("#F4F4F4")


PAD = 3  # left and right cell padding


def cell(text: Any, style: str, width: float) -> Any:
    """A table cell: a plain string when it fits on one line (ten times cheaper to lay out, which matters
    at 400 villages), a wrapping Paragraph otherwise."""
    s = "" if text is None else str(text)
    if "\n" not in s and stringWidth(s, FONT, styles()[style].fontSize) <= width - 2 * PAD - 0.5:
        return s
    return CJKParagraph(esc(s), styles()[style])


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    text_cols: Sequence[int] = (),
    total_row: bool = False,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A grid table whose header repeats on every page it crosses. Cells of ``text_cols`` wrap (CJK word
    wrap) and are left-aligned; the others are short centred strings. ``widths`` are fractions of the frame.
    A row taller than a page is split across pages rather than failing."""
    total = sum(widths)
    col_widths = [WIDTH * w / total for w in widths]
    data: list[list[Any]] = [[cell(h, "head", col_widths[i]) for i, h in enumerate(header)]]
    for row in rows:
        data.append(
            [
                cell(value, "cell", col_widths[i])
                if i in text_cols
                else ("" if value is None else str(value))
                for i, value in enumerate(row)
            ]
        )
    t = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LEADING", (0, 0), (-1, -1), 12),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        *[("ALIGN", (i, 1), (i, -1), "LEFT") for i in text_cols],
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ]
    if total_row and rows:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), TOTAL_BG))
    commands.extend(extra)
    t.setStyle(TableStyle(commands))
    return t


def kv_table(pairs: Sequence[tuple[str, Any]], columns: int = 2) -> Table:
    """Label / value pairs laid out ``columns`` pairs to a row (a form-like block)."""
    label_w = 0.16 if columns == 2 else 0.2
    value_w = (1 - label_w * columns) / columns
    col_widths = [WIDTH * (label_w if i % 2 == 0 else value_w) for i in range(columns * 2)]
    cells: list[list[Any]] = []
    row: list[Any] = []
    for label, value in pairs:
        row += [
            cell(label, "cell", col_widths[0]),
            cell(value if value not in (None, "") else "—", "cell", col_widths[1]),
        ]
        if len(row) == columns * 2:
            cells.append(row)
            row = []
    if row:
        cells.append(row + [""] * (columns * 2 - len(row)))
    t = Table(cells, colWidths=col_widths, splitInRow=1)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LEADING", (0, 0), (-1, -1), 12),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                *[("BACKGROUND", (i, 0), (i, -1), HEAD_BG) for i in range(0, columns * 2, 2)],
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return t


class PageLabel(Flowable):
    """Invisible: sets the text printed in the running header from this page on (a village's section)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def wrap(self, *_: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._vc_label = self.text  # type: ignore[attr-defined]


def signature_block(parties: Sequence[tuple[str, str]]) -> KeepTogether:
    """Sign-off boxes side by side: (title, the lines under it)."""
    st = styles()
    heads = [CJKParagraph(esc(title), st["cell_c"]) for title, _ in parties]
    bodies = [CJKParagraph(esc(body), st["cell"]) for _, body in parties]
    t = Table([heads, bodies], colWidths=[WIDTH / len(parties)] * len(parties), rowHeights=[None, 34 * mm])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 6),
            ]
        )
    )
    return KeepTogether([Spacer(1, 5 * mm), t])


def fit(text: str, width: float, size: float) -> str:
    """``text`` cut (with "…") to fit ``width`` points in the CJK font: a running header made from a long
    subject must not run into the other header."""
    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def numbered_canvas(default_label: str, title: str) -> type[rl_canvas.Canvas]:
    """A canvas that, on save, draws every page's running header and 第 X 页 共 Y 页 (two passes: the total
    is known only when the last page is done)."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # the canvas would otherwise start every page in Helvetica, a font no PDF here embeds
            kwargs["initialFontName"] = FONT
            super().__init__(*args, **kwargs)
            self._vc_label = default_label
            self._vc_pages: list[dict[str, Any]] = []
            self.setTitle(title)
            self.setAuthor("村法律顾问助手")
            self.setCreator("village-counsel")

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._vc_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._vc_pages)
            for number, state in enumerate(self._vc_pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, total)
                rl_canvas.Canvas.showPage(self)
            rl_canvas.Canvas.save(self)

        def _decorate(self, number: int, total: int) -> None:
            width, height = PAGE
            self.saveState()
            self.setFont(FONT, 8.5)
            self.setFillColor(colors.HexColor("#444444"))
            self.setStrokeColor(colors.HexColor("#999999"))
            self.setLineWidth(0.4)
            label = fit(self._vc_label, (width - 2 * MARGIN_X) * 0.5, 8.5)
            self.drawString(MARGIN_X, height - 12 * mm, label)
            room = width - 2 * MARGIN_X - stringWidth(label, FONT, 8.5) - 6 * mm
            self.drawRightString(width - MARGIN_X, height - 12 * mm, fit(title, room, 8.5))
            self.line(MARGIN_X, height - 13.5 * mm, width - MARGIN_X, height - 13.5 * mm)
            self.setFont(FONT, 9)
            self.drawCentredString(width / 2, 9 * mm, f"第 {number} 页 共 {total} 页")
            self.restoreState()

    return NumberedCanvas


def build_pdf(
    story: list[Flowable],
    *,
    label: str,
    title: str,
    out: str | os.PathLike[str] | None = None,
) -> bytes:
    """Lay out ``story`` on A4 and return the PDF; with ``out``, also write it there (atomically)."""
    register_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author="村法律顾问助手",
    )
    try:
        doc.build(story, canvasmaker=numbered_canvas(label, title))
    except LayoutError as exc:  # a cell too tall for a page: a bug in the layout, not the user's fault
        raise PrintError(f"排版失败：{exc}") from exc
    data = buffer.getvalue()
    if out is not None:
        paths.write_atomic(Path(out), data)
    return data
