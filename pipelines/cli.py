"""The ``python -m pipelines`` command line: demo, build, docs."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

__all__ = ["main"]

log = logging.getLogger("pipelines")


def _demo(args: argparse.Namespace) -> int:
    from pipelines.demo import generate

    figures = generate(Path(args.out))
    print(f"示例社区已写入 {args.out} / demo community written:")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    return 0


def _build(args: argparse.Namespace) -> int:
    from pipelines.build import BuildError, run_build

    try:
        summary = run_build(Path(args.input), Path(args.out), progress=not args.quiet)
    except BuildError as exc:
        print(f"构建失败 / build failed: {exc}", file=sys.stderr)
        return 2
    print(summary.render())
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


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen sub-command; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="泉心社区可视化地图 数据管道")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="生成示例社区 / write the demo community")
    demo.add_argument("--out", default="geodata/sample")
    demo.set_defaults(func=_demo)
    build = sub.add_parser("build", help="把社区表格和地理数据构建为地图数据包 / build the artifact")
    build.add_argument("--input", default="geodata/sample")
    build.add_argument("--out", default="build/community.gpkg")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(func=_build)
    docs = sub.add_parser("docs", help="生成数据字典 geodata/README.md")
    docs.add_argument("--out", default="geodata/README.md")
    docs.add_argument("--sample", default="geodata/sample")
    docs.set_defaults(func=_docs)
    bench = sub.add_parser("bench", help="性能基准 / benchmark at x1, x10, x100")
    bench.add_argument("--scales", default="1,10,100")
    bench.set_defaults(func=_bench)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    return int(args.func(args))
