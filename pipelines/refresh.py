"""``python -m pipelines refresh`` (run by ``make run``): keep the artifact current, never replace a community's own.

An artifact remembers the folder and the rules file it was built from (its
``meta`` layer).  Refresh rebuilds it from *that* folder when an input file,
the rules or the pipeline code is newer than the artifact; it builds the demo
only when there is no artifact at all.  So a community that built its own data
into the default path and then runs ``make run`` sees its own households, not
the demo's.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.build import BuildError, run_build
from pipelines.flags import DEFAULT_RULES
from pipelines.publish import ArtifactError, read_meta

__all__ = ["refresh", "newest_input"]

_CODE = Path(__file__).parent


def newest_input(folder: Path, rules: Path) -> float:
    """Modification time of the newest input file, rules file or pipeline module."""
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))]
    files += [rules, *_CODE.glob("*.py")]
    return max(p.stat().st_mtime for p in files if p.exists())


def refresh(out: Path, *, demo: Path | None, quiet: bool = False, env_name: str = "") -> str:
    """Make sure ``out`` exists and is current; return one line saying what was done.

    ``demo`` is built only when ``out`` does not exist; ``None`` means never (the path was given
    by the user, e.g. in ``COMMUNITY_GPKG`` named ``env_name``, so a missing file is an error).

    A failed rebuild of an existing artifact is not an error here: the last good one is shown (with a
    note on the map page) rather than no map at all.

    Raises
    ------
    BuildError
        The artifact is missing and no demo may be built, or building the demo failed.
    """
    if not out.exists():
        if demo is None:
            where = f"{env_name}={out}" if env_name else str(out)
            msg = (f"{where} 指向的数据包不存在。请检查路径，或先运行 python -m pipelines build --input 你的文件夹 "
                   f"--out {out} / the artifact does not exist")
            raise BuildError(msg)
        run_build(demo, out, progress=not quiet)
        return f"示例社区已构建 / demo built: {out}"
    try:
        meta = read_meta(out)
    except ArtifactError as exc:
        msg = f"{exc}。请重新构建：python -m pipelines build --input 你的文件夹 --out {out}"
        raise BuildError(msg) from exc
    source = Path(meta.get("input") or "")
    rules = Path(meta["rules"]) if meta.get("rules") else DEFAULT_RULES
    if not meta.get("input") or not source.is_dir():
        return f"{out} 的输入文件夹 {source} 已不在，未重建，直接显示 / input folder gone: shown as built"
    if newest_input(source, rules) <= out.stat().st_mtime:
        return f"数据包是最新的 / up to date: {out}（来自 {source}）"
    try:
        run_build(source, out, rules_path=rules if rules.exists() else DEFAULT_RULES, progress=not quiet)
    except BuildError as exc:  # the meeting still has last night's map: show it, and say what failed
        return (f"重建失败，仍显示上次成功的数据包（地图上会提示）/ the rebuild failed, the last good artifact is "
                f"shown:\n{exc}")
    return f"已从 {source} 重建 / rebuilt from its own input: {out}"
