"""Sync commands: ``export``, ``import``, ``keys``, ``sync-status``, ``conflicts`` and ``resolve``."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import asdict
from pathlib import Path

from ..cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, open_cli_store
from ..names import escaped
from ..paths import write_atomic
from ..store import Store
from . import keys
from .conflicts import list_conflicts, resolve
from .export import export_changes
from .importer import import_paths
from .status import device_statuses, local_time, own_status, village_statuses


def register(sub: argparse._SubParsersAction) -> None:
    from ..cli import nonempty

    path = nonempty("路径")
    p = sub.add_parser("export", help="导出同步文件（自上次导出以来的修改；首次为全部）")
    p.add_argument("-o", "--output", type=path, required=True, metavar="FILE", help="导出文件路径（.zip）")
    p.add_argument("--full", action="store_true", help="导出全部记录，而不只是上次导出以来的修改")
    p.add_argument(
        "--to", type=path, metavar="OFFICE_KEY_FILE", help="加密给该司法所公钥文件（只有该司法所能读取）"
    )
    p.add_argument("--plain", action="store_true", help="不加密（默认：本机已信任司法所时加密给该司法所）")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="导入同步文件（可给多个文件或文件夹）")
    p.add_argument(
        "paths", nargs="+", type=path, metavar="PATH", help="导出文件，或包含导出文件（*.zip）的文件夹"
    )
    p.add_argument("--no-backup", action="store_true", help="导入前不做备份")
    p.set_defaults(func=cmd_import, creates_store=True)

    p = sub.add_parser("keys", help="显示本机设备编号与公钥指纹；管理司法所密钥")
    p.set_defaults(func=cmd_keys, keys_command=None, creates_store=True)
    ks = p.add_subparsers(dest="keys_command", metavar="ACTION", parser_class=type(p))
    k = ks.add_parser("office-init", help="为司法所（乡镇）数据生成司法所密钥对")
    k.add_argument("--name", help="司法所名称（默认取法律顾问资料中的司法所，否则“司法所”）")
    k.add_argument(
        "--township", metavar="乡镇", help="本司法所所在乡镇（名称或 9 位代码）：月报默认只含该乡镇的村"
    )
    k = ks.add_parser("office-export", help="把司法所公钥写入文件，发给法律顾问")
    k.add_argument("-o", "--output", type=path, required=True, metavar="FILE", help="公钥文件路径")
    k = ks.add_parser("request", help="（法律顾问）生成本机的登记申请，交给司法所")
    k.add_argument("-o", "--output", type=path, required=True, metavar="FILE", help="登记申请文件路径")
    k = ks.add_parser("enroll", help="（司法所）登记一台设备：核对指纹，签发设备证书")
    k.add_argument("request", type=path, metavar="FILE", help="法律顾问的登记申请文件")
    k.add_argument("-o", "--output", type=path, required=True, metavar="CERT", help="设备证书文件路径")
    k.add_argument(
        "--fingerprint",
        metavar="XXXX",
        help="对方在电话中读出的设备公钥指纹（与申请相符才签发；不给时在终端上提示输入）",
    )
    k.add_argument(
        "--replace", action="store_true", help="该设备编号已登记过、现换了新密钥：重新登记，旧密钥作废"
    )
    k = ks.add_parser("install", help="（法律顾问）安装司法所签发的设备证书，从此信任该司法所")
    k.add_argument("certificate", type=path, metavar="CERT", help="设备证书文件")
    k = ks.add_parser("devices", help="列出已登记的设备（按法律顾问姓名）")
    k.add_argument("--json", action="store_true", help="以 JSON 输出")
    k = ks.add_parser("revoke", help="（司法所）吊销一台设备：此后拒收它的文件")
    k.add_argument("device", metavar="DEVICE", help="设备编号或法律顾问姓名")
    k = ks.add_parser("export-private", help="把本机私钥用口令加密导出（换电脑时用）")
    k.add_argument("-o", "--output", type=path, required=True, metavar="FILE", help="私钥文件路径")
    k.add_argument(
        "--passphrase",
        nargs="?",
        const="",
        metavar="TEXT",
        help="口令（不给值时在终端上提示输入，或从标准输入读一行；写在命令行上会留在历史记录中）",
    )
    k = ks.add_parser("import-private", help="导入 export-private 导出的私钥：本机接替原来那台设备")
    k.add_argument("file", type=path, metavar="FILE", help="私钥文件")
    k.add_argument(
        "--passphrase",
        nargs="?",
        const="",
        metavar="TEXT",
        help="口令（不给值时在终端上提示输入，或从标准输入读一行）",
    )

    p = sub.add_parser("sync-status", help="同步情况：各设备最近导入、缺失的文件、各村最近同步")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_sync_status)

    p = sub.add_parser("conflicts", help="列出待处理的同步冲突")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_conflicts)

    p = sub.add_parser("resolve", help="处理同步冲突：保留某个版本")
    p.add_argument("id", help="记录编号")
    p.add_argument("rev", help="要保留版本的修订号")
    p.add_argument("origin", help="要保留版本的来源设备编号")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--quarantined", action="store_true", help="采用这个被隔离的版本（核实无误后）")
    which.add_argument("--dismiss", action="store_true", help="不采用这个被隔离的版本，把它移出列表")
    p.set_defaults(func=cmd_resolve)


def cmd_export(args: argparse.Namespace) -> int:
    if args.to and args.plain:
        sys.stderr.write("--to 与 --plain 不能同时使用\n")
        return EXIT_USAGE
    office = keys.read_office_key_file(args.to) if args.to else None
    with open_cli_store(args) as store:
        result = export_changes(store, args.output, full=args.full, office=office, plain=args.plain)
        office = result.office
    kind = "完整" if result.full else "增量"
    print(
        f"已导出第 {result.seq} 号{kind}同步文件：{result.revisions} 条修订，{result.villages} 个村"
        f" → {keys.shown(result.path)}"
    )
    if office:
        print(f"已加密给司法所“{escaped(office.name)}”（指纹 {office.fingerprint}），只有该司法所能读取。")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    with open_cli_store(args) as store:
        held = bool(store.select("SELECT count(*) FROM records")[0][0])

        def backup_first() -> None:  # once the first file has passed its checks, before it is committed
            if not args.no_backup and held:
                from ..backup import make_backup

                make_backup(store, "import")

        results = import_paths(store, args.paths, before_merge=backup_first, parallel=True)
        if not results:
            sys.stderr.write("没有找到要导入的文件（文件夹中没有 .zip 文件）\n")
            return EXIT_REFUSED
        for result in results:
            if result.ok:
                print(result.summary())
            else:
                sys.stderr.write(result.summary() + "\n")
        heard = {r.device_id for r in results if r.ok}
        for device in device_statuses(store):
            if device.device_id in heard and device.missing:
                print(f"提示：{device.missing_sentence()}（请对方补发，或做一次完整导出）")
    return EXIT_OK if all(r.ok for r in results) else EXIT_REFUSED


def _passphrase(given: str | None, twice: bool) -> str:
    """The passphrase: typed at a prompt on a terminal, else one line of standard input (a script:
    ``… --passphrase < file``); a value on the command line still works, with a warning. Bytes that are
    not UTF-8 are kept (surrogateescape), as the command line keeps them."""
    if given:
        sys.stderr.write("提示：写在命令行上的口令会留在命令历史和进程列表中；不给值时可在提示下输入。\n")
        return given
    import getpass

    if not sys.stdin.isatty():
        line = sys.stdin.buffer.readline(4096).rstrip(b"\r\n").decode("utf-8", "surrogateescape")
        if not line:
            raise keys.KeyFileError("没有读到口令：请在终端上运行（提示输入），或从标准输入给出一行口令")
        return line
    first = getpass.getpass("口令：")
    if twice and getpass.getpass("再输入一次口令：") != first:
        raise keys.KeyFileError("两次输入的口令不一致")
    return first


def cmd_keys(args: argparse.Namespace) -> int:
    action = {
        "request": _keys_request,
        "enroll": _keys_enroll,
        "install": _keys_install,
        "devices": _keys_devices,
        "revoke": _keys_revoke,
        "export-private": _keys_export_private,
        "import-private": _keys_import_private,
    }.get(args.keys_command or "")
    if action is not None:
        with open_cli_store(args) as store:
            return action(store, args)
    with open_cli_store(args) as store:
        if args.keys_command == "office-init":
            from ..township import set_store_township

            town = set_store_township(store, args.township) if args.township else None  # NotFound: exit 1
            name = args.name or (town.office if town else _default_office_name(store))
            key = keys.office_init(store, name)
            print(f"已生成司法所密钥：{escaped(key.name)}，指纹 {key.fingerprint}")
            return EXIT_OK
        if args.keys_command == "office-export":
            key = keys.office_key(store)
            if key is None:
                sys.stderr.write("本机还没有司法所密钥，请先运行 keys office-init\n")
                return EXIT_REFUSED
            path = keys.write_office_key_file(key, args.output)
            print(f"已写出司法所公钥：{keys.shown(path)}（{escaped(key.name)}，指纹 {key.fingerprint}）")
            return EXIT_OK
        public = keys.device_public_key(store)
        print(f"设备编号：{store.device_id}")
        print(f"公钥指纹：{keys.key_fingerprint(public)}")
        office = keys.office_key(store)
        if office:
            print(f"司法所密钥：{escaped(office.name)}，指纹 {office.fingerprint}")
        elif keys.office_key_missing(store):
            print("司法所私钥文件缺失：导入已停止，请用 keys import-private 导入私钥")
        trusted = keys.trusted_office(store)
        if trusted and not office and not keys.is_office(store):
            print(f"信任的司法所：{escaped(trusted.name)}（指纹 {trusted.fingerprint}）；导出默认加密给它")
        elif not trusted:
            print(
                "尚未信任任何司法所：导入时记住每台设备第一次见到的公钥（keys install 安装证书后只收已登记设备的文件）"
            )
    return EXIT_OK


def _keys_request(store: Store, args: argparse.Namespace) -> int:
    request = keys.make_request(store)
    keys.refuse_special_output(Path(args.output))
    write_atomic(Path(args.output), (json.dumps(request, ensure_ascii=False, indent=1) + "\n").encode())
    body = request["body"]
    print(
        f"已写出登记申请：{keys.shown(args.output)}（{escaped(body['advisor'])}，设备 {body['device_id']}）"
    )
    print(
        f"请把文件交给司法所，并在电话中核对本机公钥指纹：{keys.key_fingerprint(keys.device_public_key(store))}"
    )
    return EXIT_OK


def _same_fingerprint(given: str, fingerprint: str) -> bool:
    def bare(text: str) -> str:
        return "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-:")

    return bare(given) == bare(fingerprint)


def _keys_enroll(store: Store, args: argparse.Namespace) -> int:
    request = keys.read_request(args.request)
    keys.refuse_special_output(Path(args.output))
    fingerprint = keys.key_fingerprint(keys.unb64(request["device_key"], 32))
    villages = "、".join(escaped(str(v.get("name") or ""), 30) for v in request.get("villages") or []) or "无"
    # The certificate is signed only once the fingerprint was compared: typed from the phone call, or
    # given as --fingerprint (a script). Everything from the request is shown escaped.
    print(
        f"登记申请：设备 {escaped(request['device_id'])}，{escaped(request['advisor'], 60)}"
        f"（{escaped(request.get('firm') or '未填律所', 100)}），服务村：{villages}"
    )
    given = args.fingerprint
    if given is None:
        if not sys.stdin.isatty():
            raise keys.KeyFileError(
                "未签发：请先与对方电话核对设备公钥指纹，再用 --fingerprint 给出对方读出的指纹（没有终端可以输入）"
            )
        print("请对方在电话中读出其设备公钥指纹（keys request 时显示的），在此输入：", end="", flush=True)
        given = sys.stdin.readline()
    if not _same_fingerprint(given, fingerprint):
        raise keys.KeyFileError(
            f"指纹不符，未签发证书：申请文件中的公钥指纹是 {fingerprint}，与对方读出的不同（申请文件可能被调换）"
        )
    cert = keys.issue_certificate(store, request, replace=args.replace)
    write_atomic(Path(args.output), (json.dumps(cert.raw, ensure_ascii=False, indent=1) + "\n").encode())
    print(f"指纹相符（{cert.fingerprint}），已登记设备 {cert.device_id}：{escaped(cert.advisor, 60)}")
    print(f"设备证书：{keys.shown(args.output)}（交给该法律顾问，用 keys install 安装）")
    return EXIT_OK


def _keys_install(store: Store, args: argparse.Namespace) -> int:
    cert = keys.install_certificate(store, keys.read_certificate_file(args.certificate))
    print(
        f"已安装设备证书：{escaped(cert.advisor)}，由司法所“{escaped(cert.office.name)}”签发"
        f"（司法所指纹 {cert.office.fingerprint}）"
    )
    print("从此只接收该司法所登记过的设备的文件；导出默认加密给该司法所（--plain 导出不加密的文件）。")
    return EXIT_OK


def _keys_devices(store: Store, args: argparse.Namespace) -> int:
    devices = keys.enrolled_devices(store)
    if args.json:
        print(json.dumps([asdict(d) for d in devices], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not devices:
        print("还没有已登记的设备。")
    for d in devices:
        state = f"，已于 {local_time(d.revoked_at)} 吊销" if d.revoked_at else ""
        here = "（本机）" if d.device_id == store.device_id else ""
        print(
            f"{escaped(d.advisor)}{here}：设备 {d.device_id}，指纹 {d.fingerprint}，{escaped(d.firm or '未填律所')}，"
            f"服务村：{'、'.join(escaped(v) for v in d.villages) or '无'}，登记于 {local_time(d.issued_at)}{state}"
        )
    return EXIT_OK


def _keys_revoke(store: Store, args: argparse.Namespace) -> int:
    device_id, advisor = keys.revoke(store, args.device)
    print(f"已吊销设备 {device_id}（{escaped(advisor)}）：此后拒收它的文件；下次导出会把吊销通知带给各设备。")
    return EXIT_OK


def _keys_export_private(store: Store, args: argparse.Namespace) -> int:
    path = keys.export_private(store, args.output, _passphrase(args.passphrase, twice=True))
    print(f"已导出本机私钥（口令加密）：{keys.shown(path)}。请与备份分开保管，口令另行记住。")
    return EXIT_OK


def _keys_import_private(store: Store, args: argparse.Namespace) -> int:
    device_id = keys.import_private(store, args.file, _passphrase(args.passphrase, twice=False))
    print(f"已导入私钥：本机现在是设备 {device_id}；下次导出为完整导出。")
    return EXIT_OK


def _default_office_name(store: Store) -> str:
    from ..villages import get_profile

    profile = get_profile(store)
    return (profile.get("judicial_office") if profile else None) or "司法所"


def cmd_sync_status(args: argparse.Namespace) -> int:
    from ..reports.submission import month_states

    with open_cli_store(args) as store:
        own = own_status(store)
        devices = device_statuses(store)
        villages = village_statuses(store)
        months = month_states(store)  # 报送: per village and ended month
    if args.json:
        body = {
            "device": own,
            "devices": [asdict(d) for d in devices],
            "villages": [asdict(v) for v in villages],
            "submissions": [asdict(m) for m in months],
        }
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return EXIT_OK
    last = (
        f"最近导出第 {own['last_export_seq']} 号（{local_time(str(own['last_export_at'] or ''))}）"
        if own["last_export_seq"]
        else "尚未导出过"
    )
    print(f"本机 {own['device_id']}（指纹 {own['fingerprint']}）：{last}，待导出修订 {own['pending']} 条")
    for d in devices:
        gap = f"，缺少第 {d.missing_text()} 号" if d.missing else ""
        who = (
            f"{escaped(d.advisor)}（设备 {d.device_id}，指纹 {d.fingerprint}）"
            if d.advisor
            else f"设备 {d.device_id}（指纹 {d.fingerprint}）"
        )
        print(
            f"{who}：已收到 {d.files} 个文件，最新第 {d.last_seq} 号，"
            f"导入于 {local_time(d.last_imported_at)}{gap}"
        )
    stale = [v for v in villages if not v.synced_this_month]
    for v in villages:
        print(f"  {escaped(v.name)}：最近同步 {local_time(v.last_sync, '从未')}")
    if devices:
        print(f"本月未同步的村：{'、'.join(escaped(v.name) for v in stale) if stale else '无'}")
    for month in sorted({m.month for m in months}):
        rows = [m for m in months if m.month == month]
        shown = "；".join(
            f"{escaped(m.village)} {m.label}"
            + (f"（{local_time(m.submitted_at)}）" if m.submitted_at else "")
            + (f"，之后 {m.changes} 条补录" if m.changes else "")
            for m in rows
        )
        print(f"{month} 月报报送：{shown}")
    return EXIT_OK


def cmd_conflicts(args: argparse.Namespace) -> int:
    from ..search import KIND_LABELS, title
    from ..villages import village_names

    with open_cli_store(args) as store:
        conflicts = list_conflicts(store)
        names = village_names(store)
        here = store.device_id
        advisors = keys.advisor_names(store)

    # the command to copy names the same store (else it would act on the default one)
    where_from = f" --data-dir {shlex.quote(str(args.data_dir))}" if args.data_dir else ""

    def device(origin: str) -> str:
        if origin == here:
            return "本机"
        return f"{escaped(advisors[origin])}（设备 {origin}）" if origin in advisors else f"设备 {origin}"

    if args.json:
        body = [
            {
                "id": c.id,
                "kind": c.kind,
                "current": {
                    "rev": c.current.rev,
                    "origin": c.current.origin,
                    "deleted": c.current.deleted,
                    "data": c.current.data,
                },
                "losing": {
                    "rev": c.losing.rev,
                    "origin": c.losing.origin,
                    "deleted": c.losing.deleted,
                    "data": c.losing.data,
                },
                "quarantined": c.quarantined,
            }
            for c in conflicts
        ]
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not conflicts:
        print("没有待处理的同步冲突。")
    for c in conflicts:
        village = names.get(c.current.village_id or "")
        where = f"（{escaped(village)}）" if village and c.kind != "village" else ""
        what = f"{KIND_LABELS.get(c.kind, c.kind)}“{escaped(title(c.current))}”{where}"
        if c.quarantined:
            print(
                f"{what}：收到一条与已有修订同号（{c.losing.rev}，"
                f"{device(c.losing.origin)}）但内容不同的修订，已隔离，未采用（文件被改动或对方设备出错，请核实）"
            )
            command = f"village-counsel{where_from} resolve {c.id} {c.losing.rev} {c.losing.origin}"
            print(f"  核实后采用：{command} --quarantined；不采用：{command} --dismiss")
            continue
        print(
            f"{what}：当前版本来自{device(c.current.origin)}"
            f"（{local_time(c.current.updated_at)}{'，已删除' if c.current.deleted else ''}），冲突版本来自"
            f"{device(c.losing.origin)}（{local_time(c.losing.updated_at)}{'，已删除' if c.losing.deleted else ''}）"
        )
        print(f"  保留冲突版本：village-counsel{where_from} resolve {c.id} {c.losing.rev} {c.losing.origin}")
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace) -> int:
    if args.quarantined or args.dismiss:
        from .conflicts import adopt_quarantined, dismiss_quarantined, list_quarantined

        with open_cli_store(args) as store:
            found = [
                c for c in list_quarantined(store, id=args.id) if c.key == (args.id, args.rev, args.origin)
            ]
            if not found:
                sys.stderr.write("没有这个被隔离的版本（conflicts 列出被隔离的版本）\n")
                return EXIT_REFUSED
            if args.dismiss:
                for conflict in found:
                    dismiss_quarantined(store, conflict)
                print(f"已不采用被隔离的版本 {args.rev}@{args.origin}（记录 {args.id} 不变）")
                return EXIT_OK
            if len(found) > 1:
                sys.stderr.write("这个修订号下有多个被隔离的版本，请在窗口的“同步”页中选择要采用的一个\n")
                return EXIT_REFUSED
            record = adopt_quarantined(store, found[0])
        print(f"已采用被隔离的版本：记录 {record.id} 的新修订 {record.rev}")
        return EXIT_OK
    with open_cli_store(args) as store:
        record = resolve(store, args.id, (args.rev, args.origin))
    print(f"已处理冲突：记录 {record.id} 保留版本 {args.rev}@{args.origin}（新修订 {record.rev}）")
    return EXIT_OK
