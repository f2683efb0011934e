"""Errors a person can act on. Their text is Chinese and is shown as it is, without a traceback."""

from __future__ import annotations


class CounselError(Exception):
    """Base: an input or environment problem explained to the user (exit code 1 in the CLI)."""


class StoreError(CounselError):
    """The store cannot be opened or used (newer schema, damaged file, locked, disk full)."""


class NotFound(CounselError):
    """A record that was asked for is not in the store."""


class RuleError(CounselError):
    """An operation the domain rules do not allow, e.g. evaluating a matter that was never handled."""


class ValidationError(CounselError):
    """Form values that do not validate; ``errors`` maps field name → Chinese message."""

    def __init__(self, errors: dict[str, str], labels: dict[str, str] | None = None) -> None:
        self.errors = dict(errors)
        labels = labels or {}
        text = "；".join(f"{labels.get(k, k)}：{v}" for k, v in self.errors.items())
        super().__init__(text)


def sqlite_message(exc: BaseException) -> str:
    """A database error (locked, disk full, damaged file) in one Chinese sentence for the user."""
    text = str(exc).lower()
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return "数据文件已损坏，操作未完成。请用 village-counsel restore 从备份恢复（village-counsel backup --list 列出备份）。"
    if "locked" in text or "busy" in text:
        return "数据文件正被其他程序（例如已打开的窗口）使用，操作未完成，请稍后重试。"
    if "disk" in text and "full" in text:
        return "磁盘已满，操作未完成，数据未改动。"
    if "readonly" in text or "read-only" in text:
        return "数据文件是只读的，操作未完成。"
    if "unable to open" in text:
        return "无法打开数据文件：所在文件夹只读、没有权限或不存在，操作未完成。"
    if "disk i/o" in text:
        return "磁盘读写出错（磁盘已满、已拔出或已损坏），操作未完成。"
    if "decode to utf-8" in text:
        return "数据文件中有无效的文字编码（文件可能已损坏），操作未完成。请用 village-counsel check 检查。"
    return f"数据库错误，操作未完成：{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
