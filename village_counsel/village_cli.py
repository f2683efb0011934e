"""``villages`` commands: add a village by its national code (or by name, for one not in the list), list
the store's villages, merge a village made twice."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import CounselError, NotFound, ValidationError

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    from .cli import nonempty

    p = sub.add_parser("villages", help="村（社区）：按统计用区划代码添加、列出、合并重复的村")
    p.set_defaults(func=lambda args: _usage(p), villages_command=None)
    vs = p.add_subparsers(dest="villages_command", metavar="ACTION", parser_class=type(p))

    a = vs.add_parser(
        "add",
        help="添加村：给出 12 位统计用区划代码（如 330225102201），或不在名单中的村用 --name 与 --township",
        description="按国家统计局统计用区划代码添加村（社区）：名称、乡镇、县取自名单，记录编号由代码而来，"
        "两台设备各自添加同一个村，同步后仍是一个村。名单中没有的村用 --name 村名 --township 乡镇 添加。",
    )
    a.add_argument("code", nargs="?", metavar="CODE", help="12 位统计用区划代码")
    a.add_argument("--name", type=nonempty("村名"), metavar="村名", help="名单中没有的村：村名")
    a.add_argument(
        "--township", type=nonempty("乡镇"), metavar="乡镇", help="名单中没有的村：所属乡镇（街道）"
    )
    a.set_defaults(func=cmd_add, creates_store=True)

    ls = vs.add_parser("list", help="列出数据中的村（id、代码、名称、乡镇、县）")
    ls.add_argument(
        "--json", action="store_true", help="以 JSON 输出（每村：id, code, name, township, county）"
    )
    ls.set_defaults(func=cmd_list)

    m = vs.add_parser(
        "merge",
        help="把重复的村 OTHER 合并到 KEEP（OTHER 的全部记录移到 KEEP，两个编号都仍指向 KEEP）",
        description="合并同一个村的两份记录（例如两位顾问在使用统计代码之前各自建了“上张村”）。"
        "KEEP 与 OTHER 可为村的 ID、代码或名称（同名村写成 村名@ID前缀）。",
    )
    m.add_argument("keep", metavar="KEEP", help="保留的村")
    m.add_argument("other", metavar="OTHER", help="并入 KEEP 的村")
    m.set_defaults(func=cmd_merge)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    sys.stderr.write("village-counsel villages: 参数错误：请给出 add、list 或 merge\n")
    return EXIT_USAGE


def _usage_error(message: str) -> int:
    sys.stderr.write(f"village-counsel villages: 参数错误：{message}\n")
    return EXIT_USAGE


def cmd_add(args: argparse.Namespace) -> int:
    from .cli import open_cli_store
    from .villages import create_village

    if args.code and args.name:
        return _usage_error("给出代码时不要再给 --name（名称取自名单）")
    if not args.code and not args.name:
        return _usage_error("请给出 12 位统计用区划代码，或用 --name 与 --township 添加名单中没有的村")
    if args.code and not (args.code.strip().isdigit() and args.code.strip().isascii()):
        return _usage_error(f"“{args.code}”不是统计用区划代码：村（社区）代码为 12 位数字，例如 330225102201")
    if args.name and not args.township:
        return _usage_error("名单中没有的村须同时给出 --township 乡镇")
    values = (
        {"code": args.code.strip()} if args.code else {"name": args.name.strip(), "township": args.township}
    )
    if args.code and args.township:
        values["township"] = args.township
    with open_cli_store(args) as store:
        try:
            village = create_village(store, values)
        except ValidationError as exc:
            for message in exc.errors.values():
                sys.stderr.write(f"{message}\n")
            return EXIT_REFUSED
    code = f"（{village.get('code')}）" if village.get("code") else ""
    print(
        f"已添加 {village['name']}{code}，{village.get('county') or ''}{village.get('township') or ''}，ID {village.id}"
    )
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from .cli import open_cli_store
    from .villages import village_labels, village_rows

    with open_cli_store(args) as store:
        rows = village_rows(store)
        from .villages import list_villages

        labels = village_labels(list_villages(store))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("数据中还没有村。用 village-counsel villages add 代码 添加。")
    for row in rows:
        where = " ".join(x for x in (row["county"], row["township"]) if x)
        print(f"{labels.get(row['id'], row['name'])}\t{row['code'] or '（无代码）'}\t{where}\t{row['id']}")
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    from .cli import open_cli_store
    from .reports.figures import resolve_village
    from .villages import merge_villages

    with open_cli_store(args) as store:
        try:
            keep = resolve_village(store, args.keep)
            other = store.find(args.other.strip())
            if other is None or other.kind != "village":
                other = resolve_village(store, args.other)
        except NotFound as exc:
            sys.stderr.write(f"{exc}\n")
            return EXIT_REFUSED
        if keep is None or other is None:
            return _usage_error("KEEP 与 OTHER 不能为空")
        try:
            changes = merge_villages(store, keep.id, other.id)
        except CounselError as exc:
            sys.stderr.write(f"{exc}\n")
            return EXIT_REFUSED
    moved = len(changes.ids - {keep.id, other.id})
    print(
        f"已把“{other.get('name')}”（{other.id}）合并到“{keep.get('name')}”（{keep.id}）：移动 {moved} 条记录"
    )
    return EXIT_OK
