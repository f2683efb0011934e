"""Names of files and ZIP members as a person may safely read them: any bytes, one line.

A name can come from anywhere — a Windows USB stick in GBK, a ZIP member flagged UTF-8 that is not, a
crafted file with newlines or terminal escape codes. Shown raw, it splits the one-line-per-file output or
drives the terminal; encoded, it raises. :func:`escaped` keeps printable text as it is and writes every
other character or undecodable byte as an escape.
"""

from __future__ import annotations

import os
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
