"""Names of files and ZIP members as a person may safely read them: any bytes, one line.

A name can come from anywhere — a Windows USB stick in GBK, a ZIP member flagged UTF-8 that is not, a
crafted file with newlines or terminal escape codes. Shown raw, it splits the one-line-per-file output or
drives the terminal; encoded, it raises. :func:`escaped` keeps printable text as it is and writes every
other character or undecodable byte as an escape.
"""

from __future__ import annotations

import os
import re
import unicodedata

MAX_SHOWN = 200


def escaped(name: str | bytes | os.PathLike[str], limit: int = MAX_SHOWN) -> str:
    """``name`` on one printable line: control and format characters, lone surrogates (undecodable
    bytes of a file name) and line breaks as ``\\xNN``/``\\uNNNN`` escapes; cut at ``limit`` characters."""
    if isinstance(name, bytes):
        text = name.decode("utf-8", "surrogateescape")
    else:
        text = os.fspath(name) if not isinstance(name, str) else name
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogateescape")
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == "\\":
            out.append("\\\\")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(
                f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# Control and format characters (Unicode Cc, Cf) and line/paragraph separators (Zl, Zp): a newline splits
# a one-line message, an escape code drives the terminal, a bidi override reorders what a person reads.
# (The categories of Unicode 14, as this Python's unicodedata has them.)
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def control_character(text: str, *, newlines: bool = False) -> str | None:
    """The first control or format character in ``text`` (None when there is none), escaped for a
    message; ``newlines``: a line break (and a tab) is allowed, as in multi-line text."""
    if text.isprintable():  # (C, fast: the common case)
        return None
    for found in _CONTROL.finditer(text):
        if newlines and found.group() in "\n\t":
            continue
        return escaped(found.group())
    return None
