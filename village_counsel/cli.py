"""``village-counsel [--data-dir DIR] [COMMAND]``: no command opens the window; commands do batch work.

Exit codes: 0 success, 1 input refused (one line per problem on stderr), 2 usage error."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence

from . import paths
from .errors import CounselError, sqlite_message
from .names import escaped
from .store import Store

log = logging.getLogger(__name__)

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选：%(choices)s）",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须给出其中之一",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项不明确：%(option)s 可以是 %(matches)s",
}


def _zh(text: str) -> str:
    return _ZH.get(text, text)


argparse._ = _zh  # type: ignore[attr-defined]  # argparse looks its messages up at call time


class _Parser(argparse.ArgumentParser):
    """argparse that speaks Chinese-friendly one-line errors and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: 参数错误：{message}\n")
        raise SystemExit(EXIT_USAGE)


_ERRNO_TEXT = {
    errno.ENOENT: "找不到该路径（请检查文件夹是否存在）",
    errno.EISDIR: "这是一个文件夹，需要的是文件名",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOSPC: "磁盘已满",
    errno.EEXIST: "已存在同名的文件，无法在此建文件夹",
    errno.EROFS: "只读的磁盘",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.ELOOP: "路径中的符号链接构成循环",
    errno.ENXIO: "不是普通文件（如管道或设备）",
}


def os_message(exc: OSError) -> str:
    reason = _ERRNO_TEXT.get(exc.errno or 0, exc.strerror or str(exc))
    name = str(exc.filename) if exc.filename else ""
    # atomic writes go through a hidden temporary file: name the file the user asked for
    match = re.match(r"^(.*/)?\.(.+?)(\.[a-z0-9_]{6,}\.tmp|\.part)$", name)
    if match:
        name = (match.group(1) or "") + match.group(2)
    return f"文件或磁盘错误：{reason}{'：' + escaped(name) if name else ''}"


def month_arg(text: str) -> str:
    """YYYY-MM; full-width digits and dash (２０２６－１１, as a Chinese input method may type them) are read
    as ASCII, other scripts' digits are refused."""
    month = text.translate(str.maketrans("０１２３４５６７８９－", "0123456789-")).strip()
    if (
        not re.fullmatch(r"[0-9]{4}-[0-9]{2}", month)
        or not 1 <= int(month[5:]) <= 12
        or int(month[:4]) < 1900
    ):
        raise argparse.ArgumentTypeError(f"月份应为 YYYY-MM（例如 2026-11），收到“{text}”")
    return month


def nonempty(what: str) -> Callable[[str], str]:
    """An argument that must not be empty (an empty path would quietly mean the current folder or the
    default store)."""

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"{what}不能为空")
        return text

    return parse


def positive_int(limit: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"应为整数，收到“{text}”")
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"应在 1 到 {limit} 之间，收到 {value}")
        return value

    return parse


def seed_arg(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"种子应为整数，收到“{text}”")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="village-counsel", description="村法律顾问助手：村民说事、小微权力、工作清单、月报与文件同步。"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=nonempty("数据目录"),
        help="数据目录（默认为系统用户数据目录，或环境变量 VILLAGE_COUNSEL_DATA）",
    )
    parser.add_argument("--version", action="version", version="%(prog)s 0.1.0", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    text = "生成演示数据（空库新建村；否则续写之后的月份）"
    p = sub.add_parser("demo", help=text, description=text)
    p.add_argument("--seed", type=seed_arg, default=0, help="随机种子（同一种子、同一数据得到同样结果）")
    p.add_argument("--villages", type=positive_int(5000), default=1, help="空库时新建的村数（默认 1）")
    p.add_argument("--months", type=positive_int(120), default=1, help="生成的月数（默认 1）")
    p.set_defaults(func=cmd_demo, creates_store=True)

    text = "统计各类记录数量、有记录的月份与数据指纹"
    p = sub.add_parser("stats", help=text, description=text)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--month", type=month_arg, help="只统计该月（YYYY-MM）")
    p.set_defaults(func=cmd_stats)

    text = "检查数据库完整性与业务规则；无问题时退出码为 0，有问题时每个问题一行、退出码为 1"
    p = sub.add_parser("check", help="检查数据库完整性与业务规则", description=text)
    p.set_defaults(func=cmd_check)

    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Commands that live with their feature (reports, sync, backups) register themselves here."""
    found = []
    for module_name in (
        "village_counsel.reports.cli",
        "village_counsel.sync.cli",
        "village_counsel.backup",
        "village_counsel.village_cli",
    ):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        found.append(module.register)
    return found


def open_cli_store(args: argparse.Namespace) -> Store:
    """The store of ``--data-dir``. Only commands that fill a store (demo, import, keys) create one: a
    mistyped folder must not quietly give an empty store and a clean bill of health."""
    path = paths.store_path(args.data_dir)
    if path.parent.exists() and not path.parent.is_dir():
        raise CounselError(f"数据目录 {escaped(str(path.parent))} 不是文件夹")
    if not getattr(args, "creates_store", False) and not path.exists():
        raise CounselError(
            f"数据目录 {escaped(str(path.parent))} 中还没有数据文件。请检查 --data-dir 是否写错；"
            "首次使用请先打开程序，或用 demo / import 建立数据。"
        )
    return Store(path)


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    with open_cli_store(args) as store:
        result = run_demo(store, seed=args.seed, villages=args.villages, months=args.months)
    made = "，".join(f"{k} {v}" for k, v in sorted(result.created.items()))
    print(f"演示数据：{len(result.villages)} 个村，{'、'.join(result.months)}；新建 {made}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from .stats import stats

    with open_cli_store(args) as store:
        data = stats(store, args.month)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        t = data["totals"]
        print(
            f"说事会 {t['sessions']}，事项 {t['matters']}，小微权力 {t['power_exercises']}，服务台账 {t['checklist_entries']}"
        )
        for name, counts in data["villages"].items():
            print(
                f"  {name}：说事会 {counts['sessions']}，事项 {counts['matters']}，小微权力 {counts['power_exercises']}，"
                f"服务台账 {counts['checklist_entries']}"
            )
        print(f"指纹 {data['fingerprint']}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .stats import check

    notes: list[str] = []
    with open_cli_store(args) as store:
        problems = check(store, notes=notes)
    for line in problems:
        print(line)
    if not problems:
        print("检查通过：数据完整，未发现问题。")
    for line in notes:
        print(line)
    return EXIT_REFUSED if problems else EXIT_OK


def no_display() -> str | None:
    """Why the window cannot open here, before Qt tries (it would abort the process with an English
    message): on Linux, no X11 or Wayland display and no Qt platform chosen."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return "没有可用的图形显示（DISPLAY 与 WAYLAND_DISPLAY 都未设置，例如在远程终端里）"


def open_window(args: argparse.Namespace) -> int:
    reason = no_display()
    if reason:
        sys.stderr.write(f"无法启动图形界面：{reason}\n（命令行功能仍可用，见 village-counsel --help）\n")
        return EXIT_REFUSED
    try:
        from .ui.app import run
    except ImportError as exc:  # Qt's system libraries missing: say so instead of a traceback
        sys.stderr.write(f"无法启动图形界面：{exc}\n（命令行功能仍可用，见 village-counsel --help）\n")
        return EXIT_REFUSED
    return run(paths.store_path(args.data_dir))


def _say_waiting() -> None:
    sys.stderr.write("数据文件正被另一个程序写入（例如正在导入），等待它完成……\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    from .logs import setup_logging

    for stream in (
        sys.stdout,
        sys.stderr,
    ):  # a name of odd bytes that slipped through: escaped, never a traceback
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except OSError as exc:  # a path argument checked as it is read (a name too long for the file system)
        sys.stderr.write(f"village-counsel: 参数错误：{os_message(exc)}\n")
        return EXIT_USAGE
    if args.data_dir:
        # one data folder for the whole process: the store, and the township's catalogue beside it
        os.environ[paths.ENV_DATA] = str(args.data_dir)
    setup_logging()
    Store.on_wait = _say_waiting
    try:
        if args.command is None:
            return open_window(args)
        return int(args.func(args))
    except CounselError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except sqlite3.Error as exc:  # locked by another program, disk full, damaged: the environment, not a bug
        log.warning("database error", exc_info=True)
        sys.stderr.write(sqlite_message(exc) + "\n")
        return EXIT_REFUSED
    except OSError as exc:
        sys.stderr.write(os_message(exc) + "\n")
        return EXIT_REFUSED


if __name__ == "__main__":
    raise SystemExit(main())
