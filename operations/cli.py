"""``python -m operations``: the store's command line.

Examples::

    python -m operations migrate
    python -m operations prepare --artifact build/community.gpkg      (run by make run)
    python -m operations users add NAME --role grid_worker --grids WG01 [--display 张三]
    python -m operations users reset NAME
    python -m operations users disable NAME
    python -m operations users list
    python -m operations audit [--actor NAME] [--action login] [--since 2026-11-01] [--out audit.xlsx]
    python -m operations apikey issue NAME      (an Open311 client's key, shown once)
    python -m operations apikey revoke NAME
    python -m operations apikey list
    python -m operations import-reports 诉求工单导出.xlsx [--artifact build/community.gpkg] [--problems OUT.xlsx]
    python -m operations meeting-pack --out DIR [--grid WG03] [--month 2026-11] [--artifact build/community.gpkg]
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from pathlib import Path

__all__ = ["main"]


def _password(given: str | None) -> str:
    if given:
        return given
    first = getpass.getpass("新密码 / new password: ")
    if first != getpass.getpass("再输入一次 / again: "):
        print("两次输入不一致 / the two entries differ", file=sys.stderr)
        raise SystemExit(2)
    return first


def _migrate(args: argparse.Namespace) -> int:
    from operations.store import migrate

    migrate()
    print("数据库已是最新 / the store is up to date")
    return 0


def _prepare(args: argparse.Namespace) -> int:
    """Migrate; create the demo users for the demo; refuse other data while a demo password is set."""
    from operations.access import list_users as access_users
    from operations.demo import demo_passwords_in_use, ensure_demo_users, import_demo_reports, is_demo_input
    from operations.store import db, migrate
    from pipelines.publish import ArtifactError, read_meta

    migrate()
    try:
        demo = is_demo_input(read_meta(Path(args.artifact)).get("input", ""))
    except ArtifactError:
        demo = False
    with db() as session:
        if demo:
            created = ensure_demo_users(session)
            if created:
                print(f"已创建示例用户 / demo users created: {', '.join(created)}（密码见 README）")
            added = import_demo_reports(session, Path(args.artifact))
            if added:
                print(f"已导入示例诉求工单 {added} 件，可在“我的工单”处理 / demo reports imported: {added}")
            return 0
        left = demo_passwords_in_use(session)
        nobody = not access_users(session)
    if nobody:
        print("还没有任何用户，无人能登录。请先添加管理员：python -m operations users add 用户名 --role admin\n"
              "No user yet: add an administrator first (python -m operations users add NAME --role admin).",
              file=sys.stderr)
        return 2
    if left:
        names = "、".join(left)
        print(f"拒绝启动：这是社区自己的数据，但示例用户 {names} 仍在使用 README 中公开的示例密码。\n"
              f"请先修改：python -m operations users reset {left[0]}（或 users disable {left[0]}）。\n"
              f"Refusing to start: demo users {names} still have the demo passwords printed in the README.",
              file=sys.stderr)
        return 2
    return 0


def _users(args: argparse.Namespace) -> int:
    from operations.access import AccessError, create_user, disable_user, list_users, reset_password
    from operations.store import db, migrate

    migrate()
    try:
        with db() as session:
            if args.action == "add":
                grids = tuple(g for g in (args.grids or "").split(",") if g)
                create_user(session, args.name, _password(args.password), args.role or "", grids=grids,
                            display_name=args.display or "")
                print(f"已添加 / added: {args.name}")
            elif args.action == "reset":
                reset_password(session, args.name, _password(args.password))
                print(f"密码已重置，该用户的所有会话已结束 / password reset: {args.name}")
            elif args.action == "disable":
                disable_user(session, args.name)
                print(f"已停用 / disabled: {args.name}")
            else:
                for user in list_users(session):
                    state = "停用 disabled" if user.disabled else "启用 active"
                    print(f"{user.username:<16}{user.role:<13}{user.grids or '-':<16}{state:<14}{user.display_name}")
    except AccessError as exc:
        print(f"失败 / failed: {exc}", file=sys.stderr)
        return 2
    return 0


def _audit(args: argparse.Namespace) -> int:
    from operations.audit import entries
    from operations.store import db, migrate

    migrate()
    since = datetime.fromisoformat(args.since) if args.since else None
    until = datetime.fromisoformat(args.until) if args.until else None
    with db() as session:
        table = entries(session, actor=args.actor, action=args.action, since=since, until=until)
    if args.out:
        from pipelines.office_files import export_xlsx

        Path(args.out).write_bytes(export_xlsx(table, title="审计日志"))
        print(f"{len(table)} 条已写入 / entries written: {args.out}")
    else:
        print(table.to_string(index=False) if len(table) else "（无记录 / no entries）")
    return 0


def _apikey(args: argparse.Namespace) -> int:
    from operations.apikeys import ApiKeyError, issue, list_keys, revoke
    from operations.store import db, migrate

    migrate()
    actor = f"cli:{getpass.getuser()}"
    try:
        with db() as session:
            if args.action == "issue":
                key = issue(session, args.name, actor=actor, address="localhost")
                print(f"已签发 / issued: {args.name}\n{key}\n"
                      "密钥只显示这一次，请妥善交给对方；库中只保存其散列 / shown once only: the store keeps its hash")
            elif args.action == "revoke":
                revoke(session, args.name, actor=actor, address="localhost")
                print(f"已吊销 / revoked: {args.name}")
            else:
                rows = list_keys(session)
                if not rows:
                    print("（无客户端 / no clients）")
                for row in rows:
                    state = f"吊销 revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "有效 active"
                    print(f"{row.client:<24}{row.created_at:%Y-%m-%d %H:%M}  {state}")
    except ApiKeyError as exc:
        print(f"失败 / failed: {exc}", file=sys.stderr)
        return 2
    return 0


def _import_reports(args: argparse.Namespace) -> int:
    """Import the mini-program's export; 0 when done (even with problem rows), 2 when the file cannot be read."""
    from operations.imports import ImportFileError, import_reports, problems_xlsx
    from operations.places import load_places
    from operations.store import StoreError, db, migrate

    artifact = Path(args.artifact)
    if not artifact.is_file():
        print(f"找不到地图数据包 {artifact}：请先运行 make run 或 python -m pipelines build，或用 --artifact 指定 / "
              f"no artifact at {artifact}", file=sys.stderr)
        return 2
    try:
        migrate()
        places = load_places(artifact)
        with db() as session:
            result = import_reports(session, Path(args.file), places, actor=f"cli:{getpass.getuser()}",
                                    address="localhost")
    except ImportFileError as exc:
        print(f"无法导入 / cannot import: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"共 {result.rows} 行 / rows: {result.rows}")
    print(f"新增 / added: {result.added}")
    print(f"更新 / updated: {result.updated}")
    print(f"未变 / unchanged: {result.unchanged}")
    print(f"系统中已处理、未覆盖 / kept (moved on live): {result.kept}")
    print(f"未导入 / not imported: {result.rejected}")
    print(f"问题 / problems: {len(result.problems)}")
    print(f"提示 / notices: {len(result.notices)}")
    if args.problems:
        Path(args.problems).write_bytes(problems_xlsx(result))
        print(f"问题清单已写入 / problem list written: {args.problems}")
    elif len(result.problems) or len(result.notices):
        print("用 --problems 问题.xlsx 导出问题清单 / write the problem list with --problems OUT.xlsx")
    return 0


def _meeting_pack(args: argparse.Namespace) -> int:
    """Write the meeting packs (one grid, or every grid); 2 with one message when they cannot be made."""
    from operations.meeting_pack import PackError, make_all, make_pack
    from operations.store import StoreError, db, migrate

    artifact = Path(args.artifact)
    if not artifact.is_file():
        print(f"找不到地图数据包 {artifact}：请先运行 make run 或 python -m pipelines build，或用 --artifact 指定 / "
              f"no artifact at {artifact}", file=sys.stderr)
        return 2
    out = Path(args.out)
    try:
        migrate()
        with db() as session:
            if args.grid:
                written = [make_pack(artifact, args.grid, args.month, out, session)]
            else:
                written = make_all(artifact, args.month, out, session)
    except PackError as exc:
        print(f"无法生成例会材料 / cannot make the pack: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for path in written:
        print(path)
    print(f"已写出 {len(written)} 份例会材料 / packs written: {len(written)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen sub-command; return the exit code."""
    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="python -m operations", description="泉心社区可视化地图 在线数据 / the store")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="创建或升级数据库 / create or upgrade the store").set_defaults(func=_migrate)
    prepare = sub.add_parser("prepare", formatter_class=formatter,
                             help="make run 用：升级数据库，示例数据时创建示例用户 / run by make run")
    prepare.add_argument("--artifact", default="build/community.gpkg", help="要显示的数据包 / the artifact shown")
    prepare.set_defaults(func=_prepare)
    users = sub.add_parser("users", help="用户管理 / users", formatter_class=formatter)
    users.add_argument("action", choices=["add", "reset", "disable", "list"])
    users.add_argument("name", nargs="?", default="", help="用户名 / username")
    users.add_argument("--role", choices=["admin", "leader", "grid_worker", "meeting"], help="角色 / role")
    users.add_argument("--grids", help="网格员的网格，逗号分隔，如 WG01,WG02 / a grid worker's grids")
    users.add_argument("--display", help="显示名 / display name")
    users.add_argument("--password", help="密码（省略则提示输入）/ password (prompted when omitted)")
    users.set_defaults(func=_users)
    audit = sub.add_parser("audit", help="审计日志 / the audit log", formatter_class=formatter)
    audit.add_argument("--actor", help="谁 / who")
    audit.add_argument("--action", help="做了什么，如 login、export、unmask / what")
    audit.add_argument("--since", help="起始时间（UTC），如 2026-11-01 / from (UTC)")
    audit.add_argument("--until", help="截止时间（UTC）/ until (UTC)")
    audit.add_argument("--out", help="导出到 Excel 文件 / export to xlsx")
    audit.set_defaults(func=_audit)
    apikey = sub.add_parser("apikey", help="Open311 接口密钥 / Open311 API keys", formatter_class=formatter)
    apikey.add_argument("action", choices=["issue", "revoke", "list"])
    apikey.add_argument("name", nargs="?", default="", help="客户端名称，如 xiaochengxu / client name")
    apikey.set_defaults(func=_apikey)
    imports = sub.add_parser("import-reports", formatter_class=formatter,
                             help="导入小程序导出的诉求工单（可重复导入）/ import the mini-program's reports export")
    imports.add_argument("file", help="导出文件 .xlsx/.xls/.csv / the export file")
    imports.add_argument("--artifact", default="build/community.gpkg", help="用于定位网格的数据包 / the artifact")
    imports.add_argument("--problems", help="把问题清单写入此 Excel 文件 / write the problem rows to this xlsx")
    imports.set_defaults(func=_import_reports)
    pack = sub.add_parser("meeting-pack", formatter_class=formatter,
                          help="生成网格例会材料（每个网格一份 A4 PDF）/ the grid meeting packs (one A4 PDF per grid)")
    pack.add_argument("--grid", help="只生成这个网格，如 WG03（省略则每个网格一份）/ one grid (default: every grid)")
    pack.add_argument("--month", help="擂台比武的月份，如 2026-11（省略则最近一个月）/ month (default: the latest)")
    pack.add_argument("--out", required=True, help="写入的文件夹 / folder to write into")
    pack.add_argument("--artifact", default="build/community.gpkg", help="数据包 / the artifact")
    pack.set_defaults(func=_meeting_pack)
    args = parser.parse_args(argv)
    if args.command == "users" and args.action != "list" and not args.name:
        parser.error("需要用户名 / a username is needed")
    if args.command == "apikey" and args.action != "list" and not args.name:
        parser.error("需要客户端名称 / a client name is needed")
    return int(args.func(args))
