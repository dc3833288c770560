"""The embedded demo community: every figure of the brief, checked from the files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from pipelines.demo import generate
from pipelines.readers import find_table_file, read_table
from pipelines.schema import LAYERS, REPORTS, TABLES


@pytest.fixture(scope="module")
def reference(sample_dir: Path) -> date:
    return date.fromisoformat(json.loads((sample_dir / "community.json").read_text("utf-8"))["reference_date"])


def _table(sample_dir: Path, key: str) -> pd.DataFrame:
    path = find_table_file(sample_dir, TABLES[key])
    assert path is not None, f"{key} missing from the sample"
    return read_table(path, TABLES[key]).frame


def _layer(sample_dir: Path, key: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(sample_dir / f"{key}.geojson")
    return frame.rename(columns={c.header: c.key for c in LAYERS[key].columns})


def test_reference_date_is_recorded(reference: date) -> None:
    assert reference == date(2026, 11, 28)


def test_people_figures(sample_dir: Path, reference: date) -> None:
    residents = _table(sample_dir, "residents")
    households = _table(sample_dir, "households")
    deliberate = {"HH99001"}  # the unknown-compound row; the duplicate repeats an existing id
    assert households["household_id"][~households["household_id"].isin(deliberate)].nunique() == 3937
    assert residents["person_id"].nunique() == len(residents) == 8202
    born = pd.to_datetime(residents["birth_date"])
    age = reference.year - born.dt.year - ((born.dt.month > reference.month) | (
        (born.dt.month == reference.month) & (born.dt.day > reference.day))).astype(int)
    assert round((age >= 60).mean() * 100, 1) == 34.9
    assert set(residents["household_id"]) <= set(households["household_id"])
    # an old community: more people in their 60s than in their 20s
    assert ((age >= 60) & (age < 70)).sum() > ((age >= 20) & (age < 30)).sum()


def test_geography(sample_dir: Path) -> None:
    grids, compounds, buildings = (_layer(sample_dir, k) for k in ("grids", "compounds", "buildings"))
    assert (len(grids), len(compounds), len(buildings)) == (10, 52, 175)
    metric = grids.estimate_utm_crs()
    g = grids.to_crs(metric)
    union = g.union_all()
    assert abs(union.area - 1_200_000) / 1_200_000 < 0.02
    assert abs(g.area.sum() - union.area) < 1.0  # no overlaps
    assert abs(union.area - union.convex_hull.area) / union.area < 0.05  # one block, no holes
    assert union.geom_type == "Polygon" and len(union.interiors) == 0  # no gaps
    centre = grids.union_all().centroid
    assert abs(centre.y - 36.20) < 0.01 and abs(centre.x - 117.12) < 0.01
    c = compounds.to_crs(metric)
    in_grid = gpd.sjoin(c, g, predicate="within")
    assert in_grid["compound_id"].nunique() == 52
    b = buildings.to_crs(metric)
    inside = gpd.sjoin(b, c[["compound_id", "geometry"]].rename(columns={"compound_id": "cid"}), predicate="within")
    assert (inside["compound_id"] == inside["cid"]).sum() == 175
    assert set(buildings.geom_type) == {"Polygon"}
    assert buildings["number"].str.fullmatch(r"\d+").any() and buildings["number"].str.fullmatch(r"[A-D]\d").any()
    assert (buildings["number"].str.len() >= 2).any()
    assert compounds["aliases"].fillna("").ne("").sum() >= 5


def test_volunteers_and_groups(sample_dir: Path) -> None:
    party = _table(sample_dir, "party_volunteers")
    assert party["duty"].isin(["网格长", "楼长", "单元长"]).sum() == 21
    assert (party["central_household"] == "是").sum() > 0
    groups = _table(sample_dir, "special_groups")
    for category in ("残疾人", "低保", "特困", "困境儿童"):
        assert (groups["category"] == category).sum() > 0


def test_facilities_and_reports(sample_dir: Path) -> None:
    resources = _table(sample_dir, "resources")
    for kind in ("应急服务站", "医养驿站", "监控点", "消防设施", "托管班", "双报到单位"):
        assert (resources["kind"] == kind).sum() >= 1, kind
    reports = read_table(find_table_file(sample_dir, REPORTS), REPORTS).frame
    assert 2000 <= len(reports) <= 5000
    submitted = pd.to_datetime(reports["submitted_at"])
    assert (submitted.max() - submitted.min()).days >= 330
    sat = pd.to_numeric(reports["satisfaction"], errors="coerce").dropna()
    assert 3.5 < sat.mean() < 4.8
    work = _table(sample_dir, "grid_work")
    assert work["aspect"].nunique() == 12


def test_office_forms_are_present(sample_dir: Path) -> None:
    households = _table(sample_dir, "households")
    raw = households["address"]
    assert raw.str.contains(r"^\d+-\d+-\d+$").any()            # 3-2-501
    assert raw.str.contains("[一二三四五六七八九十]号楼").any()   # 三号楼二单元
    assert (households["building_id"] != "").any() and (households["building_number"] != "").any()
    assert (sample_dir / "网格工作记录表.csv").read_bytes().decode("gb18030").startswith("日期")
    with pytest.raises(UnicodeDecodeError):
        (sample_dir / "网格工作记录表.csv").read_bytes().decode("utf-8")
    full_width = pd.read_excel(sample_dir / "房屋住户表.xlsx", header=None, dtype=str).iloc[:, 1]
    assert full_width.str.contains("[０-９]").any()


def test_generator_is_deterministic_and_sample_current(tmp_path: Path, sample_dir: Path) -> None:
    generate(tmp_path / "a")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (sample_dir / path.name).read_bytes(), f"{path.name} differs: run make demo"
