"""The ``python -m pipelines`` command line: demo, build, docs."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

__all__ = ["main"]

log = logging.getLogger("pipelines")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after every option, and the epilog's lines kept as written."""


def _demo(args: argparse.Namespace) -> int:
    from pipelines.demo import generate

    figures = generate(Path(args.out))
    print(f"示例社区已写入 {args.out} / demo community written:")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    return 0


def _build(args: argparse.Namespace) -> int:
    from pipelines.build import BuildError, run_build
    from pipelines.readers import Limits

    try:
        summary = run_build(Path(args.input), Path(args.out), rules_path=Path(args.rules), progress=not args.quiet,
                            limits=Limits(max_megabytes=args.max_file_mb, max_rows=args.max_rows), force=args.force)
    except BuildError as exc:
        sys.stderr.flush()
        print(f"\n构建失败 / build failed: {exc}", file=sys.stderr)
        _audit(Path(args.out), f"失败 / failed: {str(exc).splitlines()[0]}")
        return 2
    print(summary.render())
    _audit(Path(args.out), f"{args.input} → {sum(summary.flags.values())} 户 / households")
    return 0


def _audit(out: Path, detail: str) -> None:
    """Write the build to the live store's audit log (the batch side never needs the store to run)."""
    from operations.audit import record_from_command_line

    problem = record_from_command_line("build", target=str(out), detail=detail)
    if problem:
        print(problem, file=sys.stderr)


def _refresh(args: argparse.Namespace) -> int:
    from pipelines.build import BuildError
    from pipelines.refresh import refresh

    try:
        print(refresh(Path(args.out), demo=None if args.no_demo else Path(args.demo), quiet=args.quiet,
                      env_name="COMMUNITY_GPKG" if args.no_demo else ""))
    except BuildError as exc:
        print(f"\n构建失败 / build failed: {exc}", file=sys.stderr)
        return 2
    return 0


def _docs(args: argparse.Namespace) -> int:
    from pipelines.docs import render_data_dictionary

    Path(args.out).write_text(render_data_dictionary(Path(args.sample)), encoding="utf-8")
    print(f"数据字典已写入 {args.out}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from pipelines.bench import run_bench

    run_bench([int(s) for s in args.scales.split(",")])
    return 0


def _community_json_help() -> str:
    from pipelines.build import COMMUNITY_KEYS

    keys = "\n".join(f"  {key}: {text}" for key, text in COMMUNITY_KEYS.items())
    return ("输入文件夹中可放 community.json / an optional community.json in the input folder, e.g.\n"
            '  {"reference_date": "2026-11-28", "community": "广生泉社区"}\n' + keys)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen sub-command; return the exit code."""
    from pipelines.flags import DEFAULT_RULES

    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="泉心社区可视化地图 数据管道 / pipelines")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="生成示例社区 / write the demo community", formatter_class=formatter)
    demo.add_argument("--out", default="geodata/sample", help="写入的文件夹 / folder to write")
    demo.set_defaults(func=_demo)
    build = sub.add_parser(
        "build", help="把社区表格和地理数据构建为地图数据包 / build the artifact", formatter_class=_Formatter,
        description="读取文件夹中的九张表、诉求工单和三个图层，写出一个 GeoPackage（quality 图层列出每个问题）。"
                    "出错时不写任何文件，已有的数据包保持不变 / read the tables and layers, write one GeoPackage",
        epilog=_community_json_help())
    build.add_argument("--input", default="geodata/sample",
                       help="社区表格和图层所在的文件夹 / folder with the tables, layers and community.json")
    build.add_argument("--out", default="build/community.gpkg", help="写出的数据包 / artifact to write")
    build.add_argument("--rules", default=str(DEFAULT_RULES.relative_to(Path.cwd())
                                              if DEFAULT_RULES.is_relative_to(Path.cwd()) else DEFAULT_RULES),
                       help="红黄蓝三色规则文件（复制后修改）/ the colour rules (copy it and edit)")
    build.add_argument("--quiet", action="store_true", help="不显示进度条 / no progress bar")
    build.add_argument("--max-file-mb", type=int, default=1024,
                       help="一个表格文件解压后的大小上限（MB）/ limit on one file's uncompressed size")
    build.add_argument("--max-rows", type=int, default=2_000_000, help="一张表的行数上限 / limit on rows per table")
    build.add_argument("--force", action="store_true",
                       help="住户比上次少很多（>30%%）时仍然发布 / publish even when far fewer households are placed")
    build.set_defaults(func=_build)
    refresh = sub.add_parser(
        "refresh", formatter_class=formatter,
        help="make run 用：数据包缺失或比输入旧时，按它原来的文件夹和规则重建 / rebuild from the artifact's own input",
        description="数据包不存在时用示例社区构建；存在时只从它原来的输入文件夹和规则文件重建（输入更新时），"
                    "绝不用示例数据覆盖社区自己的数据 / never overwrites a community's artifact with the demo")
    refresh.add_argument("--out", default="build/community.gpkg", help="数据包 / the artifact")
    refresh.add_argument("--demo", default="geodata/sample", help="没有数据包时使用的示例 / demo input folder")
    refresh.add_argument("--no-demo", action="store_true",
                         help="路径由 COMMUNITY_GPKG 指定：文件不存在时报错，不构建示例 / never build the demo")
    refresh.add_argument("--quiet", action="store_true", help="不显示进度条 / no progress bar")
    refresh.set_defaults(func=_refresh)
    docs = sub.add_parser("docs", help="生成数据字典 geodata/README.md / write the data dictionary",
                          formatter_class=formatter)
    docs.add_argument("--out", default="geodata/README.md", help="写入的文件 / file to write")
    docs.add_argument("--sample", default="geodata/sample", help="示例社区 / demo folder")
    docs.set_defaults(func=_docs)
    bench = sub.add_parser("bench", help="性能基准 / benchmark at x1, x10, x100", formatter_class=formatter)
    bench.add_argument("--scales", default="1,10,100", help="规模，逗号分隔 / scales, comma-separated")
    bench.set_defaults(func=_bench)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the audit log's store, migrated quietly
    return int(args.func(args))
