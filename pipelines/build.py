"""``python -m pipelines build``: a community office's files → one map-ready GeoPackage.

read → validate → place households → join residents and care tables → flag →
aggregate → publish (atomically, with the quality layer and a change log).
Every input row ends up in an output layer or in ``quality``.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
from tqdm import tqdm

from pipelines import publish
from pipelines.flags import DEFAULT_RULES, load_rules
from pipelines.geo import GeoError, find_layer, read_layer
from pipelines.join import CompoundIndex, place_households
from pipelines.readers import ReadError, TableFile, find_table_file, read_table
from pipelines.schema import LAYERS, REPORTS, TABLES, Table
from pipelines.validate import Quality, check_reference, check_unique, validate_table

__all__ = ["BuildError", "BuildSummary", "run_build", "reference_date_of"]

STAGES = ["读取地理图层", "读取表格", "校验", "住户定位", "三色标记", "汇总", "写出"]
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
        lines += self.notes
        return "\n".join(lines)


def reference_date_of(folder: Path) -> date:
    """The data's reference date from ``community.json`` (ages are computed at it), else today."""
    meta = folder / "community.json"
    if meta.exists():
        return date.fromisoformat(json.loads(meta.read_text(encoding="utf-8"))["reference_date"])
    return date.today()


def community_name_of(folder: Path) -> str:
    """The community's name from ``community.json`` ("community"), or "" when not given."""
    meta = folder / "community.json"
    if meta.exists():
        return str(json.loads(meta.read_text(encoding="utf-8")).get("community", ""))
    return ""


def _read_layers(folder: Path) -> tuple[dict[str, gpd.GeoDataFrame], list[str]]:
    layers, notes = {}, []
    for key, layer in LAYERS.items():
        found = find_layer(folder, layer)
        if found is None:
            msg = f"缺少{layer.name_zh}图层：请在 {folder} 放入 {key}.geojson（或 .shp/.gpkg）/ missing layer {key}"
            raise BuildError(msg)
        try:
            layers[key], layer_notes = read_layer(found[0], found[1], layer)
        except GeoError as exc:
            raise BuildError(str(exc)) from exc
        notes += layer_notes
    return layers, notes


def _read_tables(folder: Path) -> dict[str, TableFile]:
    found: dict[str, tuple[Path, Table]] = {}
    for key, table in {**TABLES, REPORTS.key: REPORTS}.items():
        path = find_table_file(folder, table)
        if path is None:
            if table.required:
                msg = f"缺少必需的表：{table.name_zh}（{key}.xlsx 或 {table.name_zh}.xlsx）/ missing required table"
                raise BuildError(msg)
            continue
        found[key] = (path, table)
    # two files at a time: decoding, CSV parsing and the string kernels run in C without the GIL
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(read_table, path, table) for key, (path, table) in found.items()}
        files = {}
        for key, future in futures.items():  # in table order, so reports and errors are deterministic
            try:
                files[key] = future.result()
            except ReadError as exc:
                raise BuildError(str(exc)) from exc
    return files


def _validate_all(files: dict[str, TableFile], quality: Quality, reference: date) -> dict[str, pd.Series]:
    keep = {}
    for key, tf in files.items():
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
        column = "address" if (tf.frame.loc[mask, "address"] != "").any() else "building_number"
        quality.add(tf, mask, column, problem, suggestion=placement["suggestion"], severity="error")
    keep["households"] &= placement["building_id"].notna()
    return placement


def _references(files: dict[str, TableFile], keep: dict[str, pd.Series], quality: Quality) -> None:
    households = files["households"].frame.loc[keep["households"], "household_id"]
    res = files["residents"]
    keep["residents"] = check_reference(res, quality, "household_id", pd.Index(households), keep["residents"],
                                        "房屋住户表")
    persons = pd.Index(res.frame.loc[keep["residents"], "person_id"])
    for key in ("elderly", "special_groups", "party_volunteers"):
        if key in files:
            keep[key] = check_reference(files[key], quality, "person_id", persons, keep[key], "居民信息表")
    if "needs" in files:
        keep["needs"] = check_reference(files["needs"], quality, "household_id", pd.Index(households),
                                        keep["needs"], "房屋住户表")


def run_build(input_dir: Path, out_path: Path, *, rules_path: Path = DEFAULT_RULES,
              progress: bool = True) -> BuildSummary:
    """Build the artifact from ``input_dir`` into ``out_path``; see the module docstring.

    Raises
    ------
    BuildError
        A required table or layer is missing or a file cannot be read.
    """
    started = time.perf_counter()
    bar = tqdm(total=len(STAGES) - 1, desc="构建", unit="步", disable=not progress)
    stage_seconds: dict[str, float] = {}
    last = [started]

    def step(name: str) -> None:
        now = time.perf_counter()
        stage_seconds[name] = round(now - last[0], 3)
        last[0] = now
        bar.set_postfix_str(name)
        bar.update(1)

    reference = reference_date_of(input_dir)
    rules = load_rules(rules_path)
    layers, notes = _read_layers(input_dir)
    step(STAGES[0])
    files = _read_tables(input_dir)
    step(STAGES[1])
    quality = Quality()
    keep = _validate_all(files, quality, reference)
    step(STAGES[2])
    placement = _place(files, keep, layers, quality)
    _references(files, keep, quality)
    step(STAGES[3])
    from pipelines.assemble import assemble

    artifact = assemble(files, keep, placement, layers, quality, reference, rules)
    step(STAGES[4] + "+" + STAGES[5])
    changes = publish.write_artifact(out_path, artifact, reference=reference, input_dir=input_dir,
                                     community=community_name_of(input_dir))
    step(STAGES[6])
    bar.close()
    summary = BuildSummary(out_path, reference_date=reference.isoformat(), notes=notes)
    for key, tf in files.items():
        read = len(tf.frame)
        placed = int(keep[key].sum())
        summary.counts[tf.table.name_zh] = (read, placed, read - placed)
    summary.flags = artifact["households"]["flag"].value_counts().to_dict()
    if changes is not None:
        summary.notes.append(f"与上次构建相比 / since last build: {changes}")
    summary.seconds = time.perf_counter() - started
    summary.stage_seconds = stage_seconds
    return summary
