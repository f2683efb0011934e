"""``report`` and ``print`` commands: the monthly report, a power exercise's 公示 notice and the
一事一档 page of a matter or mediation case, as A4 PDFs."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..errors import NotFound
from ..names import escaped

EXIT_USAGE = 2


def _pdf_path(text: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() != ".pdf":
        raise argparse.ArgumentTypeError(f"输出文件应以 .pdf 结尾，收到“{text}”")
    if path.is_dir():  # (an OSError, such as a name too long, is worded by the command line's main)
        raise argparse.ArgumentTypeError(f"“{text}”是一个文件夹，请给出文件名")
    return path


def register(sub: argparse._SubParsersAction) -> None:
    from ..cli import month_arg, nonempty

    p = sub.add_parser(
        "report",
        help="生成月报 PDF（多个村时为乡镇汇总：各村汇总表、图表、各村分报告）",
        description="生成某月的法律顾问工作月报（A4 PDF，个人信息脱敏）。不指定 --village 时包含数据中的全部村。",
    )
    p.add_argument("--month", type=month_arg, required=True, help="月份 YYYY-MM，例如 2026-11")
    p.add_argument(
        "--village",
        type=nonempty("村名"),
        metavar="村名",
        help="只生成该村的月报。有同名村时（如两位顾问的数据都建了“上张村”）写成“村名@ID前缀”"
        "（如 上张村@1a2b3c4d，ID 前缀见出错提示）或“村名@乡镇”（如 上张村@西周镇），也可直接给出村的 ID",
    )
    p.add_argument(
        "--township",
        type=nonempty("乡镇"),
        metavar="乡镇",
        help="只生成该乡镇（名称或 9 位代码，如 西周镇 或 330225102）各村的汇总月报；"
        "司法所的数据默认为其所在乡镇（keys office-init --township 或“设置”中选定）",
    )
    p.add_argument("-o", "--output", type=_pdf_path, required=True, metavar="FILE.pdf", help="输出文件")
    p.set_defaults(func=cmd_report)

    text = "报送某月月报：冻结该月数字（记录报送时的数字与月报 PDF 的 SHA-256，随同步文件交司法所）"
    p = sub.add_parser("submit", help="报送某月月报给司法所", description=text)
    p.add_argument("--month", type=month_arg, required=True, help="月份 YYYY-MM（须已结束）")
    p.add_argument(
        "--village", type=nonempty("村名"), metavar="村名", help="只报送该村（默认报送数据中的全部村）"
    )
    p.add_argument(
        "--output-dir", type=nonempty("文件夹"), metavar="DIR", help="把报送的月报 PDF 写到该文件夹"
    )
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("print", help="打印单页文书：公示（notice）或一事一档（record）")
    what = p.add_subparsers(dest="what", metavar="{notice,record}", parser_class=type(p))
    what.required = True

    n = what.add_parser(
        "notice",
        help="小微权力事项的公示单（个人信息脱敏，可直接张贴）",
        description="打印小微权力事项的公示单。--exercise 可为编号（如 P10-2026-003）或记录 ID。",
    )
    n.add_argument("--exercise", required=True, metavar="编号或ID", help="小微权力事项的编号或 ID")
    n.add_argument("--step", metavar="步骤", help="要公示的步骤代码（默认：最近一次公示）")
    n.add_argument(
        "--village",
        type=nonempty("村名"),
        metavar="村名",
        help="编号在多个村重复时指定村（同名村写成 村名@ID前缀）",
    )
    n.add_argument("-o", "--output", type=_pdf_path, required=True, metavar="FILE.pdf", help="输出文件")
    n.set_defaults(func=cmd_print_notice)

    r = what.add_parser(
        "record",
        help="说事事项或调解案件的一事一档页",
        description="打印一事一档页。--matter 可为事项编号（说事会编号-序号，如 说事-2026-11-01-2）或 ID；"
        "--case 为调解案件的案号（如 （2026）上张人调字第 3 号）或 ID。",
    )
    target = r.add_mutually_exclusive_group(required=True)
    target.add_argument("--matter", metavar="编号或ID", help="说事事项")
    target.add_argument("--case", metavar="案号或ID", help="人民调解案件（案号如 （2026）上张人调字第 3 号）")
    r.add_argument(
        "--archive",
        action="store_true",
        help="司法所存档本：个人信息不脱敏，页首标明“内部存档”（不得张贴或外传）",
    )
    r.add_argument(
        "--village",
        type=nonempty("村名"),
        metavar="村名",
        help="编号在多个村重复时指定村（同名村写成 村名@ID前缀）",
    )
    r.add_argument("-o", "--output", type=_pdf_path, required=True, metavar="FILE.pdf", help="输出文件")
    r.set_defaults(func=cmd_print_record)

    t = sub.add_parser(
        "table",
        help="把台账导出为电子表格（.xlsx 或 .csv）",
        description="把台账导出为电子表格：matters 说事事项、exercises 小微权力、services 服务台账、"
        "cases 人民调解案件、sessions 说事会。第一列为文书上的编号（案号），表头为中文；.xlsx 中日期为日期、"
        "金额为数字；.csv 为带 BOM 的 UTF-8（Excel 可直接打开）。",
    )
    t.add_argument(
        "ledger",
        choices=("matters", "exercises", "services", "cases", "sessions"),
        metavar="台账",
        help="matters、exercises、services、cases 或 sessions",
    )
    t.add_argument("--month", type=month_arg, help="只导出该月（YYYY-MM）")
    t.add_argument(
        "--village", type=nonempty("村名"), metavar="村名", help="只导出该村（同名村写成 村名@ID前缀）"
    )
    t.add_argument(
        "-o", "--output", type=_table_path, required=True, metavar="FILE.xlsx|FILE.csv", help="输出文件"
    )
    t.set_defaults(func=cmd_table)


def _table_path(text: str) -> Path:
    from ..tables import TableError, check_output

    try:
        return check_output(text)
    except TableError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_table(args: argparse.Namespace) -> int:
    from ..cli import open_cli_store
    from ..tables import export_table, ledger_records
    from .figures import resolve_village

    with open_cli_store(args) as store:
        try:
            village = resolve_village(store, args.village)
        except NotFound as exc:
            return _usage_error("table", str(exc))
        records = ledger_records(
            store, args.ledger, month=args.month, village_id=village.id if village else None
        )
        rows = export_table(store, args.ledger, records, args.output)
    print(f"已生成 {escaped(str(args.output))}（{rows} 行）")
    return 0


_CHOOSE = "请用 --village 指定所在的村"


def _usage_error(command: str, message: str) -> int:
    sys.stderr.write(f"village-counsel {command}: 参数错误：{message}\n")
    return EXIT_USAGE


def _done(path: Path, pdf: bytes) -> int:
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    print(f"已生成 {escaped(str(path))}（{pages} 页，{max(1, len(pdf) // 1024)} KB）")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..cli import open_cli_store
    from ..township import resolve_township
    from .figures import empty_month_warning, month_report, resolve_village
    from .monthly import render

    with open_cli_store(args) as store:
        try:
            village = resolve_village(store, args.village)
        except NotFound as exc:
            return _usage_error("report", str(exc))
        if village is not None and args.township:
            return _usage_error("report", "--village 与 --township 只能给出其一")
        township = resolve_township(store, args.township) if args.township else None  # NotFound: exit 1
        report = month_report(store, args.month, village, township=township)
        if not report.sections:
            return _usage_error("report", "数据中还没有村；请先录入村或运行 demo 生成演示数据")
        pdf = render(report, args.output)
        warning = empty_month_warning(store, report)
    if warning:
        sys.stderr.write(f"village-counsel report: {warning}\n")
    return _done(args.output, pdf)


def cmd_submit(args: argparse.Namespace) -> int:
    from .. import days
    from ..cli import open_cli_store
    from .figures import resolve_village
    from .submission import submit_month

    with open_cli_store(args) as store:
        village = resolve_village(store, args.village)  # NotFound (exit 1): unknown or ambiguous name
        done = submit_month(
            store, args.month, [village] if village is not None else None, out_dir=args.output_dir
        )
        names = {v.id: v.get("name") for v in store.list("village", include_deleted=True)}
    for record, path in done:
        where = f"，月报已写入 {path}" if path else ""
        print(
            f"已报送 {names.get(record.village_id or '', '?')} {days.month_label(args.month)}："
            f"SHA-256 {record['pdf_sha256']}{where}"
        )
    print("报送记录随下次导出的同步文件交给司法所。")
    return 0


def cmd_print_notice(args: argparse.Namespace) -> int:
    from ..cli import open_cli_store
    from .lookup import find_exercise
    from .notice import notice_pdf, notice_warnings

    with open_cli_store(args) as store:
        try:
            exercise = find_exercise(store, args.exercise, args.village, choose=_CHOOSE)
        except NotFound as exc:
            return _usage_error("print notice", str(exc))
        try:
            pdf = notice_pdf(store, exercise, args.output, step=args.step)
        except NotFound as exc:
            return _usage_error("print notice", str(exc))
        warnings = notice_warnings(exercise, args.step, store.find(exercise.village_id or ""))
    for warning in warnings:  # the notice itself, posted for villagers, does not say it
        sys.stderr.write(f"提示（合法性审查）：{warning}\n")
    return _done(args.output, pdf)


def cmd_print_record(args: argparse.Namespace) -> int:
    from ..cli import open_cli_store
    from .dossier import record_pdf
    from .lookup import find_case, find_matter

    with open_cli_store(args) as store:
        try:
            if args.matter:
                record = find_matter(store, args.matter, args.village, choose=_CHOOSE)
            else:
                record = find_case(store, args.case, args.village, choose=_CHOOSE)
        except NotFound as exc:
            return _usage_error("print record", str(exc))
        pdf = record_pdf(store, record, args.output, archive=args.archive)
    return _done(args.output, pdf)
