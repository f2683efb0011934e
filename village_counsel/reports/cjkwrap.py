"""Chinese line breaking for printed paragraphs.

ReportLab's ``wordWrap='CJK'`` cuts between any two characters and only knows the half-width and a few
Japanese closing marks, so a line can start with "，" or "；" and end with "（" or "《". :class:`CJKParagraph`
breaks with the usual Chinese rules (禁则): no line starts with closing punctuation, none ends with opening
punctuation, and a run of Latin letters or digits (a case number, "P10-2026-003", "50万") is not cut
unless it is longer than a whole line. When a break falls before a closing mark, the character before
it moves down with it (rather than letting the mark hang into the margin, which in a table cell would
draw over the grid)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import ParaLines, cjkU, makeCJKParaLine
from reportlab.rl_config import _FUZZ

# a line may not start with these (closing and pausing punctuation, full and half width)
CANNOT_START = set("，。、；：！？）」』》〉】〕”’…—·%‰℃°,.;:!?)]}") | {"\u3015", "\uff5d", "\uff3d"}
# a line may not end with these (opening punctuation and prefixes)
CANNOT_END = set("（「『《〈【〔“‘([{￥$#@")


def _word_char(ch: str) -> bool:
    """Part of a Latin word or a number, which is not cut in the middle."""
    return ch.isascii() and (ch.isalnum() or ch in "-_./%+@")


def can_break(before: str, after: str) -> bool:
    """May a line end after ``before`` and the next start with ``after``?"""
    if after in CANNOT_START or before in CANNOT_END:
        return False
    return not (_word_char(before) and _word_char(after))


def break_text(text: str, widths: Sequence[float], max_width: float) -> list[str]:
    """The lines of ``text`` (characters of ``widths``) within ``max_width``: the rule used by
    :class:`CJKParagraph`, on plain strings (tests and quick checks)."""
    lines: list[str] = []
    for start, end, _ in _breaks(list(text), list(widths), [max_width], lambda i: False):
        lines.append(text[start:end])
    return lines


def _breaks(
    chars: list[str], widths: list[float], max_widths: Sequence[float], hard: Any
) -> list[tuple[int, int, float]]:
    """(start, end, width used) of each line. ``hard(i)``: unit ``i`` ends its line (a <br/>)."""
    out: list[tuple[int, int, float]] = []
    n = len(chars)
    start = i = 0
    used = 0.0
    while i < n:
        limit = max_widths[min(len(out), len(max_widths) - 1)]
        w = widths[i]
        if hard(i):
            out.append((start, i + 1, used + w))
            start, i, used = i + 1, i + 1, 0.0
            continue
        if used + w > limit + _FUZZ and i > start:
            # chars[i] does not fit: find the last allowed break at or before i
            k = i
            while k > start + 1 and not can_break(chars[k - 1], chars[k]):
                k -= 1
            if k == start + 1 and not can_break(chars[k - 1], chars[k]):
                k = i  # nothing allowed on this line (one long number): cut where it is full
            out.append((start, k, sum(widths[start:k])))
            start, i, used = k, k, 0.0
            continue
        used += w
        i += 1
    if start < n:
        out.append((start, n, used))
    return out


def cjk_split(frags: list[Any], max_widths: Sequence[float], calc_bounds: bool) -> ParaLines:
    """ReportLab's ``cjkFragSplit`` with the Chinese rules above."""
    units: list[cjkU] = []
    for f in frags:
        text = f.text.decode("utf8") if isinstance(f.text, bytes) else f.text
        if text:
            units.extend(cjkU(t, f, "utf8") for t in text)
        else:
            units.append(cjkU(text, f, "utf8"))
    widths = [u.width for u in units]
    lines = []

    def hard(i: int) -> bool:
        return hasattr(units[i].frag, "lineBreak")

    for n, (start, end, used) in enumerate(_breaks(units, widths, max_widths, hard)):
        max_width = max_widths[min(n, len(max_widths) - 1)]
        line_break = end > start and hasattr(units[end - 1].frag, "lineBreak")
        lines.append(
            makeCJKParaLine(units[start:end], max_width, used, max_width - used, line_break, calc_bounds)
        )
    return ParaLines(kind=1, lines=lines)


class CJKParagraph(Paragraph):
    """A Paragraph whose CJK wrapping follows the Chinese line-breaking rules (see module docstring)."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:  # noqa: N802, N803 (ReportLab's names)
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
            return self.blPara  # the first part of a split paragraph: its lines are already ours
        frags = self.frags
        if not frags or any(hasattr(f, "cbDefn") for f in frags) or self.style.endDots:
            return super().breakLinesCJK(maxWidths)
        self.height = 0
        auto = getattr(self, "autoLeading", getattr(self.style, "autoLeading", ""))
        return cjk_split(frags, maxWidths, auto not in ("", "off"))


__all__ = ["CANNOT_END", "CANNOT_START", "CJKParagraph", "break_text", "can_break", "cjk_split"]
