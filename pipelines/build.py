"""``python -m pipelines build``: a community office's files → one map-ready GeoPackage.

read → validate → place households → join residents and care tables → flag →
aggregate → publish (atomically, with the quality layer and a change log).
Every input row ends up in an output layer or in ``quality``.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from tqdm import tqdm

from pipelines import publish
from pipelines.flags import DEFAULT_RULES, RulesError, load_rules
from pipelines.geo import GeoError, find_layers, read_layer
from pipelines.join import CompoundIndex, GridIndex, place_households
from pipelines.office_files import export_xlsx
from pipelines.readers import Limits, ReadError, TableFile, find_table_files, read_table
from pipelines.schema import LAYERS, REPORTS, TABLES, Table
from pipelines.validate import Quality, check_reference, check_unique, validate_table

__all__ = ["BuildError", "BuildSummary", "run_build", "reference_date_of"]

STAGES = ["读取地理图层", "读取表格", "校验", "住户定位", "三色标记", "汇总", "写出"]
# stages 1 and 2 (layers, tables) are read together so that every problem is reported at once
# stages 4 and 5 (flags, aggregates) run together in assemble()


class BuildError(RuntimeError):
    """A fatal problem: a required table or layer is missing or unreadable."""


@dataclass
class BuildSummary:
    """Rows read / placed / rejected per table, households per colour, time."""

    output: Path
    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    reference_date: str = ""
    notes: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)  # quality rows by severity

    def render(self) -> str:
        """The summary printed at the end of a build, in Chinese and English."""
        lines = [f"已生成 / built: {self.output}  (数据基准日 {self.reference_date}, {self.seconds:.1f} s)",
                 f"{'表 table':<14}{'读入 read':>10}{'入库 placed':>12}{'拒绝 rejected':>14}"]
        for name, (read, placed, rejected) in self.counts.items():
            lines.append(f"{name:<14}{read:>10}{placed:>12}{rejected:>14}")
        total = sum(self.flags.values()) or 1
        lines.append("住户三色 / households: " + "  ".join(
            f"{label} {self.flags.get(k, 0)} ({self.flags.get(k, 0) / total:.1%})"
            for k, label in (("red", "红"), ("yellow", "黄"), ("blue", "蓝"))))
        if self.problems:
            lines.append(f"数据质量 / quality: {self.problems.get('error', 0)} 行被拒绝 rejected, "
                         f"{self.problems.get('warning', 0)} 条警告 warnings — "
                         "见数据包的 quality 图层或仪表板的“数据质量”页 / see the quality layer")
        lines += self.notes
        return "\n".join(lines)


COMMUNITY_KEYS = {
    "reference_date": "数据基准日 YYYY-MM-DD：年龄和走访逾期按这一天计算（默认今天） / ages and overdue visits are "
                      "computed at this date (default: today)",
    "community": "社区名称，显示在地图标题和会议模式中 / the community's name, shown in the map's title",
}


def _community_json(folder: Path) -> dict[str, object]:
    meta = folder / "community.json"
    if not meta.exists():
        return {}
    try:
        data = json.loads(meta.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        msg = f"community.json 不是有效的 JSON（{exc}）；示例：{{\"reference_date\": \"2026-11-28\", " \
              f"\"community\": \"某某社区\"}} / community.json is not valid JSON"
        raise BuildError(msg) from exc
    if not isinstance(data, dict):
        msg = "community.json 应为一个对象，如 {\"reference_date\": \"2026-11-28\"} / must be a JSON object"
        raise BuildError(msg)
    return data


def reference_date_of(folder: Path) -> date:
    """The data's reference date from ``community.json`` (ages are computed at it), else today."""
    value = _community_json(folder).get("reference_date")
    if not value:
        return date.today()
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        msg = f"community.json 的 reference_date「{value}」应写成 YYYY-MM-DD / reference_date must be YYYY-MM-DD"
        raise BuildError(msg) from exc


def community_name_of(folder: Path) -> str:
    """The community's name from ``community.json`` ("community"), or "" when not given."""
    return str(_community_json(folder).get("community", "") or "")


def _read_layers(folder: Path, problems: list[str]) -> tuple[dict[str, gpd.GeoDataFrame], list[str], list[dict]]:
    """Every layer that can be read; what is missing, doubled or unreadable goes to ``problems``."""
    layers, notes, rows = {}, [], []
    for key, layer in LAYERS.items():
        found = find_layers(folder, layer)
        if not found:
            problems.append(f"缺少{layer.name_zh}图层：请放入 {key}.geojson（或 {layer.name_zh}.geojson、.shp、"
                            f".gpkg 中名为 {key} 的图层） / missing layer {key}")
            continue
        if len(found) > 1:
            names = "、".join(p.name + (f"（图层 {n}）" if n else "") for p, n in found)
            problems.append(f"{layer.name_zh}图层有 {len(found)} 个文件：{names}。请只保留一个 / "
                            f"more than one file for layer {key}")
            continue
        try:
            read = read_layer(found[0][0], found[0][1], layer)
        except GeoError as exc:
            problems.append(str(exc))
            continue
        layers[key] = read.frame
        notes += read.notes
        rows += read.problems
    return layers, notes, rows


def _read_tables(folder: Path, problems: list[str], limits: Limits) -> dict[str, TableFile]:
    """Every table file that can be read; what is missing, doubled or unreadable goes to ``problems``."""
    found: dict[str, tuple[Path, Table]] = {}
    for key, table in {**TABLES, REPORTS.key: REPORTS}.items():
        paths = find_table_files(folder, table)
        if not paths:
            if table.required:
                problems.append(f"缺少必需的表：{table.name_zh}（文件名 {table.name_zh}.xlsx 或 {key}.xlsx，"
                                f"也可 .xls、.csv） / missing required table {key}")
            continue
        if len(paths) > 1:
            problems.append(f"{table.name_zh}有 {len(paths)} 个文件：{'、'.join(p.name for p in paths)}。"
                            f"请只保留一个 / more than one file for {key}: keep one")
            continue
        found[key] = (paths[0], table)
    # two files at a time: decoding, CSV parsing and the string kernels run in C without the GIL
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(read_table, path, table, limits=limits) for key, (path, table) in found.items()}
        files = {}
        for key, future in futures.items():  # in table order, so reports and errors are deterministic
            try:
                tf = future.result()
            except ReadError as exc:
                problems.append(str(exc))
                continue
            for missing in tf.missing_required:
                problems.append(f"{tf.path.name}: {missing.problem}；{missing.suggestion}")
            files[key] = tf
    return files


def _check_folder(folder: Path) -> None:
    if not folder.exists():
        msg = f"输入文件夹不存在：{folder}（请检查 --input 的路径） / input folder does not exist"
        raise BuildError(msg)
    if not folder.is_dir():
        msg = f"--input 应为文件夹，而 {folder} 是一个文件 / --input must be a folder"
        raise BuildError(msg)


def _fail(folder: Path, problems: list[str]) -> BuildError:
    lines = [f"输入文件夹 {folder} 有 {len(problems)} 个问题，未生成数据包（已有的数据包保持不变）/ "
             f"{len(problems)} problem(s) in the input, nothing was written:"]
    lines += [f"  {i}. {text}" for i, text in enumerate(problems, start=1)]
    return BuildError("\n".join(lines))


def _validate_all(files: dict[str, TableFile], quality: Quality, reference: date) -> dict[str, pd.Series]:
    keep = {}
    for key, tf in files.items():
        quality.add_read_problems(tf)
        ok = validate_table(tf, quality, reference=reference)
        if tf.table.primary_key:
            ok = check_unique(tf, quality, tf.table.primary_key, ok)
        keep[key] = ok
    return keep


def _place(files: dict[str, TableFile], keep: dict[str, pd.Series], layers: dict[str, gpd.GeoDataFrame],
           quality: Quality) -> pd.DataFrame:
    tf = files["households"]
    placement = place_households(tf.frame, layers["buildings"], CompoundIndex(layers["compounds"]))
    for problem in placement.loc[keep["households"] & (placement["problem"] != ""), "problem"].unique():
        mask = keep["households"] & (placement["problem"] == problem)
        # the cell to correct: 小区 (for an unknown compound) or 楼号 (for an unknown building) where the office
        # wrote it in its own column, else the address it came from
        column = "compound" if "unknown compound" in problem else "building_number"
        own_cell = mask & (tf.frame[column] != "")
        for rows, where in ((own_cell, column), (mask & ~own_cell, "address")):
            quality.add(tf, rows, where, problem, suggestion=placement["suggestion"], severity="error")
    keep["households"] &= placement["building_id"].notna()
    near = keep["households"] & (placement["near_miss"] != "")
    if near.any():  # placed, but the office should know which compound its spelling was taken as
        written = tf.frame["compound"].where(tf.frame["compound"] != "", tf.frame["address"])
        column = "compound" if (tf.frame.loc[near, "compound"] != "").all() else "address"
        problem = pd.Series("", index=tf.frame.index, dtype=object)
        problem[near] = [f"小区名称「{w}」与小区图层的「{n}」不完全一致，已按「{n}」定位 / compound {w} taken as {n}"
                         for w, n in zip(written[near], placement.loc[near, "near_miss"], strict=True)]
        hint = pd.Series("", index=tf.frame.index, dtype=object)
        hint[near] = [f"如确为同一小区，请统一写「{n}」，或把别名加入小区图层 / write {n}, or add the alias"
                      for n in placement.loc[near, "near_miss"]]
        quality.add(tf, near, column, problem, suggestion=hint, severity="warning")
    return placement


def _references(files: dict[str, TableFile], keep: dict[str, pd.Series], layers: dict[str, gpd.GeoDataFrame],
                quality: Quality) -> None:
    hh = files["households"]
    households = pd.Index(hh.frame.loc[keep["households"], "household_id"])
    res = files["residents"]
    keep["residents"] = check_reference(res, quality, "household_id", households, keep["residents"], hh)
    persons = pd.Index(res.frame.loc[keep["residents"], "person_id"])
    for key in ("elderly", "special_groups", "party_volunteers"):
        if key in files:
            keep[key] = check_reference(files[key], quality, "person_id", persons, keep[key], res)
    if "needs" in files:
        keep["needs"] = check_reference(files["needs"], quality, "household_id", households, keep["needs"], hh)
    if "grid_work" in files:
        keep["grid_work"] = _resolve_grids(files["grid_work"], keep["grid_work"], layers["grids"], quality)


def _resolve_grids(tf: TableFile, keep: pd.Series, grids: gpd.GeoDataFrame, quality: Quality) -> pd.Series:
    """网格 of the grid work records as a grid id, written as code or name (WG03, 第三网格, 第3网格)."""
    index = GridIndex(grids)
    tf.frame["grid_id"] = index.resolve(tf.frame["grid"])
    unknown = keep & tf.frame["grid_id"].isna()
    known = "、".join(f"{n}（{g}）" for g, n in list(index.names.items())[:12])
    quality.add(tf, unknown, "grid", "网格图层中没有这个网格 / no such grid in the grids layer",
                suggestion=f"写网格编号或名称，如：{known} / write a grid code or name", severity="error")
    return keep & ~unknown


def _load_rules(rules_path: Path) -> dict:
    try:
        return load_rules(rules_path)
    except FileNotFoundError as exc:
        msg = f"规则文件不存在：{rules_path} / rules file not found"
        raise BuildError(msg) from exc
    except (RulesError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        msg = f"规则文件 {rules_path} 有误：{exc} / the rules file has an error"
        raise BuildError(msg) from exc


def _read_inputs(input_dir: Path, limits: Limits
                 ) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, TableFile], list[str], list[dict]]:
    """Layers and tables, or one BuildError listing every problem with the folder at once."""
    _check_folder(input_dir)
    problems: list[str] = []
    layers, notes, layer_rows = _read_layers(input_dir, problems)
    files = _read_tables(input_dir, problems, limits)
    if problems:
        raise _fail(input_dir, problems)
    return layers, files, notes, layer_rows


DROP_SHARE = 0.3  # fewer placed households than this share below the last build: not published without --force


def _check_people(files: dict[str, TableFile], keep: dict[str, pd.Series], quality: Quality) -> None:
    """Stop before publishing when a required table has no usable row at all, and say why."""
    for key in ("households", "residents"):
        if keep[key].any():
            continue
        tf = files[key]
        problems = quality.frame()
        common = problems.loc[problems["table"] == tf.table.name_zh, "problem"].value_counts().head(3)
        why = "；".join(f"{p.split(' / ')[0]}（{n} 行）" for p, n in common.items())
        msg = (f"{tf.path.name}: 读入 {len(tf.frame)} 行，没有一行可用，未发布（已有的数据包保持不变）。"
               f"主要问题：{why or '无数据行'} / no usable row in {key}: nothing was published")
        raise BuildError(msg)


def _check_publishable(artifact: dict[str, pd.DataFrame], out_path: Path, force: bool) -> None:
    """Refuse to replace a good artifact with one that lost its people (a broken export, the wrong file)."""
    if force or not out_path.exists():
        return
    try:
        before = int(pyogrio.read_info(out_path, layer="households")["features"])
    except Exception:  # an unreadable previous artifact has nothing to protect
        return
    now = len(artifact["households"])
    if before and now < before * (1 - DROP_SHARE):
        problems = artifact["quality"]
        listed = refused_problems_path(out_path)
        write_private(listed, export_xlsx(problems, title="未发布的构建：问题清单"))
        common = problems["problem"].value_counts().head(3)
        why = "；".join(f"{p.split(' / ')[0]}（{n} 行）" for p, n in common.items()) or "无"
        msg = (f"定位成功的住户从上次的 {before:,} 户降到 {now:,} 户（{now / before - 1:+.0%}），未发布，"
               f"上次的数据包保持不变。主要问题：{why}。完整问题清单：{listed}。如确实如此，请加 --force 重新构建 / "
               f"placed households dropped from {before:,} to {now:,}: not published without --force; "
               f"the problems are listed in {listed}")
        raise BuildError(msg)


def refused_problems_path(out_path: Path) -> Path:
    """Where a refused build's problem list goes: beside the artifact it did not replace."""
    return out_path.with_name(out_path.stem + ".refused-problems.xlsx")


def failure_note_path(out_path: Path) -> Path:
    """Where the last failed build of ``out_path`` is described (removed by the next good build)."""
    return out_path.with_name(out_path.name + ".last-failure.txt")


def write_private(path: Path, data: bytes | str) -> None:
    """Write a file only its owner can read (it may name residents' rows and values)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)
    os.chmod(path, 0o600)


def run_build(input_dir: Path, out_path: Path, *, rules_path: Path = DEFAULT_RULES, progress: bool = True,
              limits: Limits | None = None, force: bool = False) -> BuildSummary:
    """Build the artifact from ``input_dir`` into ``out_path``; see the module docstring.

    A failed build leaves the last good artifact as it was, and a note beside it
    (:func:`failure_note_path`) that the dashboard shows until a build succeeds.

    Raises
    ------
    BuildError
        The folder, a required table or layer, a required column or the rules file is missing or
        unusable (the message lists every such problem at once), or the result has lost its
        households (see :data:`DROP_SHARE`; ``force`` publishes anyway).  Nothing is written then.
    """
    try:
        summary = _run_build(input_dir, out_path, rules_path=rules_path, progress=progress, limits=limits,
                             force=force)
    except BuildError as exc:
        if out_path.exists():
            write_private(failure_note_path(out_path), f"{datetime.now():%Y-%m-%d %H:%M}\n{exc}\n")
        raise
    failure_note_path(out_path).unlink(missing_ok=True)
    refused_problems_path(out_path).unlink(missing_ok=True)
    return summary


def _run_build(input_dir: Path, out_path: Path, *, rules_path: Path, progress: bool, limits: Limits | None,
               force: bool) -> BuildSummary:
    started = time.perf_counter()
    stage_seconds: dict[str, float] = {}
    last = [started]
    reference = reference_date_of(input_dir) if input_dir.is_dir() else date.today()
    rules = _load_rules(rules_path)
    with tqdm(total=5, desc="构建", unit="步", disable=not progress) as bar:

        def step(name: str) -> None:
            now = time.perf_counter()
            stage_seconds[name] = round(now - last[0], 3)
            last[0] = now
            bar.set_postfix_str(name)
            bar.update(1)

        layers, files, notes, layer_rows = _read_inputs(input_dir, limits or Limits())
        step(STAGES[0] + "+" + STAGES[1])
        quality = Quality()
        quality.rows += [pd.DataFrame(layer_rows)] if layer_rows else []
        keep = _validate_all(files, quality, reference)
        step(STAGES[2])
        placement = _place(files, keep, layers, quality)
        _references(files, keep, layers, quality)
        _check_people(files, keep, quality)
        step(STAGES[3])
        from pipelines.assemble import assemble

        artifact = assemble(files, keep, placement, layers, quality, reference, rules)
        _check_publishable(artifact, out_path, force)
        step(STAGES[4] + "+" + STAGES[5])
        changes = publish.write_artifact(out_path, artifact, reference=reference, input_dir=input_dir,
                                         community=community_name_of(input_dir), rules=rules_path)
        step(STAGES[6])
    summary = BuildSummary(out_path, reference_date=reference.isoformat(), notes=notes)
    for key, tf in files.items():
        read = len(tf.frame)
        placed = int(keep[key].sum())
        summary.counts[tf.table.name_zh] = (read, placed, read - placed)
        summary.notes += [f"{tf.path.name}: {p.problem}（{p.suggestion}）" for p in tf.header_problems
                          if p.kind in ("unknown", "duplicate")]
        missing = [p.header for p in tf.header_problems if p.kind == "missing_optional"]
        if missing:
            summary.notes.append(f"{tf.path.name}: 没有这些可选列，相关检查已跳过 / optional columns missing: "
                                 f"{'、'.join(missing)}")
    summary.flags = artifact["households"]["flag"].value_counts().to_dict()
    summary.problems = _problem_counts(artifact["quality"])
    if changes is not None:
        summary.notes.append(f"与上次构建相比 / since last build: {changes}")
    summary.seconds = time.perf_counter() - started
    summary.stage_seconds = stage_seconds
    return summary


def _problem_counts(quality: pd.DataFrame) -> dict[str, int]:
    return {"error": int((quality["severity"] == "error").sum()), "warning": int((quality["severity"] == "warning")
                                                                                  .sum())}
