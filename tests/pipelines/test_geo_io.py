"""Geodata layers: formats, CRS, GCJ-02 files, invalid polygon repair, grid assignment."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Polygon, box

from pipelines.geo import GeoError, find_layer, read_layer, wgs84_to_gcj02
from pipelines.join import buildings_to_grids
from pipelines.schema import LAYERS

GRIDS = LAYERS["grids"]


def _grids(crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"网格编号": ["G1", "G2"], "网格名称": ["第一网格", "第二网格"]},
                            geometry=[box(117.0, 36.0, 117.01, 36.01), box(117.01, 36.0, 117.02, 36.01)], crs=crs)


@pytest.mark.parametrize("name", ["grids.geojson", "grids.shp", "网格.gpkg"])
def test_layer_formats_and_chinese_headers(tmp_path: Path, name: str) -> None:
    frame = _grids()
    if name.endswith(".shp"):  # shapefile field names are 10 bytes: English keys there
        frame = frame.rename(columns={"网格编号": "grid_id", "网格名称": "name"})
    frame.to_file(tmp_path / name)
    found = find_layer(tmp_path, GRIDS)
    assert found is not None
    frame, notes = read_layer(found[0], found[1], GRIDS)
    assert list(frame["grid_id"]) == ["G1", "G2"] and frame.crs.to_epsg() == 4326 and notes == []


def test_layer_inside_a_shared_geopackage(tmp_path: Path) -> None:
    _grids().to_file(tmp_path / "community_layers.gpkg", layer="grids")
    found = find_layer(tmp_path, GRIDS)
    assert found == (tmp_path / "community_layers.gpkg", "grids")


def test_projected_input_is_reprojected(tmp_path: Path) -> None:
    _grids().to_crs("EPSG:32650").to_file(tmp_path / "grids.geojson", driver="GeoJSON")
    frame, _ = read_layer(tmp_path / "grids.geojson", None, GRIDS)
    assert frame.crs.to_epsg() == 4326
    assert np.allclose(frame.total_bounds, [117.0, 36.0, 117.02, 36.01], atol=1e-6)


def test_gcj02_file_is_converted(tmp_path: Path) -> None:
    grids = _grids()
    shifted = grids.copy()
    shifted["geometry"] = grids.geometry.map(lambda g: Polygon(np.column_stack(
        wgs84_to_gcj02(np.array(g.exterior.xy[0]), np.array(g.exterior.xy[1])))))
    shifted.to_file(tmp_path / "grids.gcj02.geojson")
    frame, _ = read_layer(*find_layer(tmp_path, GRIDS), GRIDS)  # type: ignore[misc]
    assert np.allclose(frame.total_bounds, grids.total_bounds, atol=1e-6)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_in_metres_is_fatal(tmp_path: Path) -> None:
    projected = _grids().to_crs("EPSG:32650").set_crs(None, allow_override=True)
    projected.rename(columns={"网格编号": "grid_id", "网格名称": "name"}).to_file(tmp_path / "grids.shp")
    with pytest.raises(GeoError, match="坐标系"):
        read_layer(tmp_path / "grids.shp", None, GRIDS)


def test_invalid_polygon_is_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = Polygon([(117.0, 36.0), (117.01, 36.01), (117.01, 36.0), (117.0, 36.01)])
    frame = _grids()
    frame.loc[0, "geometry"] = bowtie
    frame.to_file(tmp_path / "grids.geojson")
    read = read_layer(tmp_path / "grids.geojson", None, GRIDS)
    assert read.frame.geometry.is_valid.all() and "G1" in read.notes[0]
    assert read.frame.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert read.problems[0]["row"] == 1 and read.problems[0]["row_kind"] == "feature"


def test_building_goes_to_grid_of_largest_overlap() -> None:
    grids = _grids().rename(columns={"网格编号": "grid_id"})
    buildings = gpd.GeoDataFrame({"building_id": ["B1", "B2", "B3"]}, geometry=[
        box(117.008, 36.005, 117.0115, 36.006),   # mostly in G1
        box(117.012, 36.005, 117.013, 36.006),    # inside G2
        box(118.0, 37.0, 118.001, 37.001),        # in no grid
    ], crs="EPSG:4326")
    result = buildings_to_grids(buildings, grids).set_index("building_id")
    assert result.at["B1", "grid_id"] == "G1" and 0.5 < result.at["B1", "grid_share"] < 0.9
    assert result.at["B2", "grid_id"] == "G2" and result.at["B2", "grid_share"] > 0.99
    assert result["grid_id"].isna().sum() == 1


def test_split_and_gridless_buildings_are_reported_by_feature_number() -> None:
    from pipelines.assemble import _report_grid_problems
    from pipelines.validate import Quality

    grids = _grids().rename(columns={"网格编号": "grid_id"})
    buildings = gpd.GeoDataFrame({"building_id": ["B1", "B2", "B3"]}, geometry=[
        box(117.008, 36.005, 117.0115, 36.006), box(117.012, 36.005, 117.013, 36.006),
        box(118.0, 37.0, 118.001, 37.001)], crs="EPSG:4326")
    assignment = buildings_to_grids(buildings, grids)
    buildings["grid_id"] = assignment["grid_id"].to_numpy()
    buildings["grid_share"] = assignment["grid_share"].to_numpy()
    quality = Quality()
    _report_grid_problems(buildings, quality)
    report = quality.frame().set_index("value")
    assert set(report.index) == {"B1", "B3"}
    assert report.at["B1", "row"] == 1 and "跨网格" in report.at["B1", "problem"] and "G1" in report.at["B1", "problem"]
    assert report.at["B3", "row"] == 3 and "不在任何网格" in report.at["B3", "problem"]


def test_gbk_shapefile_with_cpg_keeps_chinese_names(tmp_path: Path) -> None:
    """Chinese GIS software often writes shapefiles in GBK with a .cpg file naming the encoding."""
    frame = _grids().rename(columns={"网格编号": "grid_id", "网格名称": "name"})
    frame["name"] = ["第一网格（东）", "第二网格·西"]
    frame.to_file(tmp_path / "grids.shp", encoding="GBK")
    assert (tmp_path / "grids.cpg").read_text().strip().upper() in {"GBK", "CP936", "936"}
    assert "第一网格".encode("gbk") in (tmp_path / "grids.dbf").read_bytes()
    out, _ = read_layer(*find_layer(tmp_path, GRIDS), GRIDS)  # type: ignore[misc]
    assert list(out["name"]) == ["第一网格(东)", "第二网格·西"]  # GBK decoded, then NFKC like every text
    assert list(out["grid_id"]) == ["G1", "G2"]
