"""The build on the demo: nothing lost, every deliberate problem reported, atomic output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from pipelines.build import BuildError, run_build
from pipelines.readers import find_table_file, read_table
from pipelines.schema import REPORTS, TABLES


def _layer(path: Path, name: str):  # type: ignore[no-untyped-def]
    return pyogrio.read_dataframe(path, layer=name, read_geometry=False)


def test_demo_figures_in_artifact(demo_artifact: Path) -> None:
    households = _layer(demo_artifact, "households")
    residents = _layer(demo_artifact, "residents")
    assert len(households) == 3937 and len(residents) == 8202
    assert set(households["flag"]) == {"red", "yellow", "blue"}
    share = households["flag"].value_counts(normalize=True)
    assert 0.03 < share["red"] < 0.07 and 0.11 < share["yellow"] < 0.20 and share["blue"] > 0.74
    red = households[households["flag"] == "red"]
    assert (red["flag_reasons"] != "").all()
    buildings = _layer(demo_artifact, "buildings")
    assert buildings["grid_id"].notna().all() and buildings["households"].sum() == 3937
    grids = _layer(demo_artifact, "grids")
    assert grids["residents"].sum() == 8202 and grids["reports_total"].sum() == 2600


def test_rows_in_equal_rows_out_plus_rejected(demo_artifact: Path, sample_dir: Path) -> None:
    quality = _layer(demo_artifact, "quality")
    rejected = quality[quality["severity"] == "error"].groupby("table")["row"].nunique()
    outputs = {"residents": "residents", "households": "households", "reports": "reports", "needs": "needs",
               "elderly": "elderly", "special_groups": "special_groups", "hazards": "hazards"}
    for key, layer in outputs.items():
        table = TABLES.get(key) or REPORTS
        rows_in = len(read_table(find_table_file(sample_dir, table), table).frame)
        rows_out = len(_layer(demo_artifact, layer))
        assert rows_in == rows_out + rejected.get(table.name_zh, 0), key


def test_every_deliberate_problem_is_reported(demo_artifact: Path, sample_dir: Path) -> None:
    quality = _layer(demo_artifact, "quality")
    problems = json.loads((sample_dir / "sample_problems.json").read_text("utf-8"))
    for problem in problems:
        hit = quality[(quality["table"] == problem["table"]) & (quality["row"] == problem["row"])
                      & (quality["column"] == problem["column"])]
        assert len(hit) >= 1, problem
    unknown = quality[quality["value"].str.contains("广升泉", na=False)]
    assert unknown["suggestion"].str.contains("广生泉小区").all()


def test_missing_required_table_is_fatal_and_keeps_previous_artifact(tmp_path: Path, sample_dir: Path,
                                                                    demo_artifact: Path) -> None:
    broken = tmp_path / "in"
    shutil.copytree(sample_dir, broken)
    (broken / "居民信息表.xlsx").unlink()
    out = tmp_path / "community.gpkg"
    shutil.copyfile(demo_artifact, out)
    before = out.read_bytes()
    with pytest.raises(BuildError, match="居民信息表"):
        run_build(broken, out, progress=False)
    assert out.read_bytes() == before


def test_change_log_against_previous_build(tmp_path: Path, sample_dir: Path, demo_artifact: Path) -> None:
    out = tmp_path / "community.gpkg"
    shutil.copyfile(demo_artifact, out)
    summary = run_build(sample_dir, out, progress=False)
    assert "新增 0 户" in summary.render()
    assert len(_layer(out, "changes")) == 0


def test_duplicate_person_in_care_table_is_reported_not_kept_twice(tmp_path: Path, sample_dir: Path) -> None:
    from pipelines.office_files import write_csv

    folder = tmp_path / "in"
    shutil.copytree(sample_dir, folder)
    table = TABLES["elderly"]
    frame = read_table(folder / "老年人关爱表.xlsx", table).frame.drop(columns="_row")
    (folder / "老年人关爱表.xlsx").unlink()
    doubled = pd.concat([frame, frame.iloc[[7]]], ignore_index=True)  # the same person entered twice
    write_csv(folder / "elderly.csv", doubled.rename(columns={c.key: c.header for c in table.columns}))
    run_build(folder, tmp_path / "out.gpkg", progress=False)
    quality = _layer(tmp_path / "out.gpkg", "quality")
    dup = quality[(quality["table"] == "老年人关爱表") & quality["problem"].str.contains("重复")]
    assert dup["row"].tolist() == [len(doubled) + 1]          # header on row 1, so the last row is n + 1
    assert len(_layer(tmp_path / "out.gpkg", "elderly")) == len(frame)
