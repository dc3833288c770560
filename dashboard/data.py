"""The only place with ``st.cache_data``: load the artifact once per build.

Cache keys include the artifact's path and modification time, so a new
build is picked up without a restart.  Everything returned here is already
reduced to what a view may show: the map gets display-safe properties only
(every GeoJSON property reaches the browser, shown or not).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
import streamlit as st

from pipelines.figures import community_figures
from pipelines.privacy import mask_quality, suppress_small_counts
from pipelines.publish import read_meta

__all__ = ["artifact_path", "artifact_version", "building_at", "load_figures", "load_grid_figures",
           "load_households", "load_map_layers", "load_quality"]

CLICK_TOLERANCE_DEG = 0.00008  # about 8 m
_BUILDING_PROPS = ["building_id", "households", "residents", "red", "yellow", "blue", "aged_60_plus",
                   "reports_open", "open_hazards"]


def artifact_path() -> Path:
    """The artifact the dashboard shows: ``$COMMUNITY_GPKG`` or ``build/community.gpkg``."""
    return Path(os.environ.get("COMMUNITY_GPKG", "build/community.gpkg"))


def artifact_version(path: Path) -> float:
    """Modification time, used as part of every cache key."""
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(show_spinner=False)
def load_figures(path: str, version: float) -> dict[str, object]:
    """KPI figures and the reference date of the artifact at ``path``."""
    households = pyogrio.read_dataframe(path, layer="households", columns=["flag", "visit_overdue"],
                                        read_geometry=False)
    residents = pyogrio.read_dataframe(path, layer="residents", columns=["age"], read_geometry=False)
    buildings = pyogrio.read_dataframe(path, layer="buildings", read_geometry=False,
                                       columns=["open_needs", "open_hazards", "reports_open"])
    figures: dict[str, object] = dict(community_figures(households, residents, buildings))
    figures["reference_date"] = read_meta(Path(path)).get("reference_date", "")
    return figures


def _geojson(frame: gpd.GeoDataFrame) -> dict:
    frame = frame.copy()
    frame["geometry"] = shapely.set_precision(frame.geometry.values, 1e-6)
    return json.loads(frame.to_json(drop_id=True))


_COUNT_PROPS = ["households", "residents", "red", "yellow", "blue", "aged_60_plus", "reports_open", "open_hazards"]


@st.cache_data(show_spinner=False)
def load_map_layers(path: str, version: float, meeting: bool = False) -> dict[str, object]:
    """Buildings and grids as GeoJSON dicts with display-safe, escaped properties.

    With ``meeting``, counts from 1 to 2 are sent as "<3" (never the number itself).
    """
    buildings = gpd.read_file(path, layer="buildings", columns=_BUILDING_PROPS + ["compound_id", "number"])
    compounds = pyogrio.read_dataframe(path, layer="compounds", columns=["compound_id", "name"], read_geometry=False)
    names = dict(zip(compounds["compound_id"], compounds["name"], strict=True))
    buildings["label"] = [html.escape(f"{names.get(c, c)} {n}号楼") for c, n in
                          zip(buildings["compound_id"], buildings["number"], strict=True)]
    buildings["share_60_plus"] = (buildings["aged_60_plus"] / buildings["residents"].where(
        buildings["residents"] > 0)).round(3).fillna(0.0)
    compounds_geo = gpd.read_file(path, layer="compounds", columns=["compound_id", "name"])
    compounds_geo["name"] = compounds_geo["name"].map(html.escape)
    facilities = gpd.read_file(path, layer="facilities", columns=["name", "kind"])  # no contact or phone
    facilities["name"] = facilities["name"].map(html.escape)
    grids = gpd.read_file(path, layer="grids", columns=["grid_id", "name", "households", "red"])
    grids["name"] = grids["name"].map(html.escape)
    centres = grids.geometry.representative_point()
    minx, miny, maxx, maxy = grids.total_bounds
    if meeting:
        buildings = suppress_small_counts(buildings, _COUNT_PROPS)
    buildings_json = _geojson(buildings[_BUILDING_PROPS + ["label", "share_60_plus", "geometry"]])
    return {
        "buildings": buildings_json,
        "building_properties": {f["properties"]["building_id"]: f["properties"] for f in buildings_json["features"]},
        "grids": _geojson(grids[["grid_id", "name", "geometry"]]),
        "compounds": _geojson(compounds_geo[["compound_id", "name", "geometry"]]),
        "facilities": [(k, n, round(p.y, 6), round(p.x, 6)) for k, n, p in
                       zip(facilities["kind"], facilities["name"], facilities.geometry, strict=True)],
        "grid_labels": [(n, p.y, p.x) for n, p in zip(grids["name"], centres, strict=True)],
        "bounds": [[miny, minx], [maxy, maxx]],
    }


@st.cache_resource(show_spinner=False)
def _building_shapes(path: str, version: float) -> gpd.GeoDataFrame:
    """Building polygons with a spatial index, for finding the clicked one (shared, read-only)."""
    shapes = gpd.read_file(path, layer="buildings", columns=["building_id"])
    _ = shapes.sindex  # build the index once
    return shapes


def building_at(path: str, version: float, lat: float, lng: float) -> dict[str, object] | None:
    """Display properties of the building under a clicked point, or None."""
    shapes = _building_shapes(path, version)
    point = shapely.Point(lng, lat)
    hits = shapes.sindex.query(point, predicate="within")
    if len(hits) == 0:  # a click just beside a small footprint still means that building
        hits = shapes.sindex.query(point, predicate="dwithin", distance=CLICK_TOLERANCE_DEG)
        if len(hits) == 0:
            return None
        hits = hits[[int(shapes.geometry.iloc[hits].distance(point).to_numpy().argmin())]]
    building_id = shapes["building_id"].iloc[int(hits[0])]
    layers = load_map_layers(path, version)
    return layers["building_properties"].get(building_id)


_HOUSEHOLD_VIEW = ["household_id", "building_id", "unit", "flag", "flag_reasons", "living_arrangement",
                   "last_visit", "visit_overdue"]


@st.cache_data(show_spinner=False)
def load_households(path: str, version: float) -> pd.DataFrame:
    """Households with colour, reasons and visits, plus member counts; no room numbers, no names."""
    households = pyogrio.read_dataframe(path, layer="households", columns=_HOUSEHOLD_VIEW, read_geometry=False)
    members = pyogrio.read_dataframe(path, layer="residents", columns=["household_id"], read_geometry=False)
    households["members"] = households["household_id"].map(members["household_id"].value_counts()).fillna(0)
    households["members"] = households["members"].astype(int)
    return households


_GRID_FIGURES = ["grid_id", "name", "households", "residents", "aged_60_plus", "red", "yellow", "blue",
                 "overdue_visits", "open_needs", "open_hazards", "reports_open", "reports_total", "resolution_rate",
                 "mean_satisfaction"]


@st.cache_data(show_spinner=False)
def load_grid_figures(path: str, version: float) -> pd.DataFrame:
    """Per-grid aggregates (counts only, no personal data)."""
    return pyogrio.read_dataframe(path, layer="grids", columns=_GRID_FIGURES, read_geometry=False)


@st.cache_data(show_spinner=False)
def load_quality(path: str, version: float) -> pd.DataFrame:
    """The quality layer with personal values masked on the server."""
    quality = pyogrio.read_dataframe(path, layer="quality", read_geometry=False)
    return mask_quality(quality)

