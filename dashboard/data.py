"""The only place with Streamlit caching: load the artifact once per build, a view once per filter.

Cache keys include the artifact's path and modification time, so a new
build is picked up without a restart.  Everything returned here is already
reduced to what a view may show: the map gets display-safe, escaped
properties only (every GeoJSON property reaches the browser, shown or not),
tables are masked on the server.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import streamlit as st

from dashboard.components.community_map import (
    FACILITY_STYLE,
    GRID_ONLY_MODES,
    NO_COLOUR,
    Measure,
    grid_label_points,
    legend_items,
    measure_for,
)
from dashboard.i18n import facility_kind, t
from dashboard.readable import PlaceNames, building_codes_to_labels, readable_table
from operations.competition import Inputs, load_inputs, months, ranking
from operations.live_view import merge_report_points, merge_report_table, overlay_visits, status_labels
from operations.reports import REPORT_COLUMNS, live_revision, report_frame
from operations.settings import ARTIFACT_ENV, artifact_path, local_now
from operations.store import db
from operations.visits import last_visits, open_needs
from operations.workflow import workflow
from pipelines import selection as sel
from pipelines.geo import gcj02_to_wgs84, wgs84_to_gcj02
from pipelines.privacy import EVERYTHING, RATE_BASE, mask_frame, mask_quality
from pipelines.publish import ArtifactError, check_artifact, read_meta

__all__ = ["DETAIL_LIMIT", "HEAT_LIMIT", "app_title", "last_build_failure", "artifact_path", "artifact_problem",
           "artifact_version",
           "building_at", "grid_at", "load_changes",
           "households_of", "load_facts", "load_households", "load_meta", "quality_rows", "quality_summary",
           "demo_password_refusal", "household_in_full",
           "load_table", "map_layers", "place_names", "selected", "table_size", "table_view", "tile_config",
           "tiles_gcj02", "view"]

CLICK_TOLERANCE_DEG = 0.00008  # about 8 m
DETAIL_LIMIT = 1000  # more buildings than this in the selected area: draw grids, not buildings (x10 and up)
HEAT_LIMIT = 20_000  # more points than this: no heat layer (the payload would be megabytes)
HOUSEHOLD_RATES = frozenset({"red_per_100", "share_60_plus"})  # grid colours made from households' own data
LABEL_LIMIT = 60  # more grids than this on the map: names in the grid tooltips, not as labels


@st.cache_data(show_spinner=False, max_entries=8)
def artifact_problem(path: str, version: float) -> str | None:
    """Why the artifact cannot be shown (naming the file, or the variable that points to it), or None."""
    if os.environ.get(ARTIFACT_ENV) and not Path(path).exists():
        return (f"环境变量 {ARTIFACT_ENV} 指向的数据包不存在：{path}。请检查路径，或先运行 "
                f"python -m pipelines build --input 你的数据文件夹 --out {path} / {ARTIFACT_ENV} points to a "
                "missing file")
    if not Path(path).exists():
        return (f"还没有地图数据包（{path}）：运行 make run 会构建示例社区；使用自己的数据请运行 "
                "python -m pipelines build --input 你的数据文件夹 / no artifact yet")
    try:
        check_artifact(Path(path))
    except ArtifactError as exc:
        return str(exc)
    return None


def last_build_failure(path: Path) -> str | None:
    """The last build of this artifact that failed (kept beside it until a build succeeds), or None."""
    from pipelines.build import failure_note_path

    note = failure_note_path(path)
    if not note.exists() or not path.exists() or note.stat().st_mtime < path.stat().st_mtime:
        return None
    return note.read_text(encoding="utf-8")


def app_title(lang: str) -> str:
    """The page title: the community's own name (community.json) before the product's."""
    path = artifact_path()
    community = load_meta(str(path), artifact_version(path)).get("community", "") if path.exists() else ""
    if not community:
        return t("app_title", lang)
    return f"{community} · {t('map_title', lang)}"


def artifact_version(path: Path) -> float:
    """Modification time, used as part of every cache key."""
    return path.stat().st_mtime if path.exists() else 0.0


def tile_config() -> dict[str, str] | None:
    """The configured basemap, or None (the default: our polygons on a plain background).

    ``MAP_TILES`` is a tile URL template on the intranet (e.g. Tianditu with its
    key), ``MAP_TILES_ATTRIBUTION`` its credit line, ``MAP_TILES_CRS=gcj02`` for
    tiles in the GCJ-02 offset (Amap, Tencent): then every shape is shifted to
    match them, and clicks are shifted back.
    """
    url = os.environ.get("MAP_TILES", "").strip()
    if not url:
        return None
    return {"url": url, "attribution": os.environ.get("MAP_TILES_ATTRIBUTION", url.split("/")[2] if "//" in url
                                                       else url),
            "crs": os.environ.get("MAP_TILES_CRS", "wgs84").lower(),
            "subdomains": os.environ.get("MAP_TILES_SUBDOMAINS", "abc")}


def tiles_gcj02() -> bool:
    """True when the configured tiles are in the GCJ-02 offset (Amap, Tencent)."""
    tiles = tile_config()
    return bool(tiles and tiles["crs"] == "gcj02")


def live_version() -> str:
    """The live store's revision (reports, visits, needs found on visits), "" when the store cannot be read.

    Part of every cache key that depends on them, so a report filed or a visit logged shows at the next
    rerun; without a store the map shows the build alone.
    """
    try:
        with db() as session:
            return live_revision(session)
    except Exception:  # noqa: BLE001 - an unreachable store must not take the map down
        return ""


@st.cache_resource(show_spinner=False)
def _base_facts(path: str, version: float) -> sel.CommunityFacts:
    return sel.load_facts(Path(path))


@st.cache_resource(show_spinner=False, max_entries=4)
def _live_facts(path: str, version: float, live: str) -> sel.CommunityFacts:
    """The build's facts with the store's reports, visits and needs found on visits read in."""
    base = _base_facts(path, version)
    rules = workflow()
    reports_live, logged, needs = _store_frames(live)
    codes = {"building_ids": base.building_ids, "building_grid": base.building_grid,
             "building_compound": base.building_compound, "grid_ids": base.grid_ids}
    merged = merge_report_points(base.reports, reports_live, codes, rules)
    households = base.households.copy()
    if len(logged):
        reference = pd.Timestamp(load_meta(path, version).get("reference_date") or pd.Timestamp.now().date())
        last, overdue = overlay_visits(households["last_visit"], households["interval"], households["overdue"],
                                       households["household_id"], logged, reference)
        households["last_visit"], households["overdue"] = last.to_numpy(), overdue.to_numpy()
    if len(needs):
        households["open_needs"] = households["open_needs"] + \
            households["household_id"].map(needs).fillna(0).astype(int).to_numpy()
    present = set(merged["status"])
    options = {**base.options, "report_categories": sorted(merged["category"].dropna().unique().tolist()),
               "report_statuses": [s for s in status_labels(rules) if s in present]}
    days = pd.concat([d for d in (merged["day"].dropna(), base.hazards["day"].dropna()) if len(d)] or
                     [pd.Series(dtype="datetime64[ns]")])
    return dataclasses.replace(base, reports=merged, households=households, options=options,
                               days=(days.min().date(), days.max().date()) if len(days) else None)


def _store_frames(live: str) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The store's reports, latest visit per household and open needs per household (empty when unread)."""
    if not live:
        return pd.DataFrame(columns=REPORT_COLUMNS), pd.Series(dtype="datetime64[ns]"), pd.Series(dtype="int64")
    with db() as session:
        return report_frame(session), last_visits(session), open_needs(session)


@st.cache_resource(show_spinner=False, max_entries=2)
def _competition_inputs(path: str, version: float, live: str) -> Inputs:
    if not live:
        return load_inputs(Path(path), None)
    with db() as session:
        return load_inputs(Path(path), session)


def competition_months(path: str, version: float) -> list[str]:
    """The months the grid competition can be shown for, oldest first (the current month included)."""
    found = months(_competition_inputs(path, version, live_version()))
    current = local_now().strftime("%Y-%m")
    return sorted({*found, current})


@st.cache_data(show_spinner=False, max_entries=32)
def _competition(path: str, version: float, live: str, month: str) -> tuple[pd.DataFrame, str | None]:
    return ranking(_competition_inputs(path, version, live), month)


def competition(path: str, version: float, month: str) -> tuple[pd.DataFrame, str | None]:
    """The month's grid scores (parts, change since the month before) and the best improved grid.

    See ``operations.competition.ranking``: the build's records and the live store together.
    """
    return _competition(path, version, live_version(), month)


def load_facts(path: str, version: float) -> sel.CommunityFacts:
    """Integer-coded facts for the filters, the store's reports and visits read in (shared read-only)."""
    return _live_facts(path, version, live_version())


@st.cache_data(show_spinner=False)
def load_meta(path: str, version: float) -> dict[str, str]:
    """The artifact's meta table (reference date, build time)."""
    return read_meta(Path(path))


def selected(path: str, version: float, selection: sel.Selection) -> sel.Selected:
    """The masks of ``selection``, computed once and shared by the KPIs, map, panel and tables (read-only)."""
    return _selected(path, version, live_version(), selection)


@st.cache_resource(show_spinner=False, max_entries=64)
def _selected(path: str, version: float, live: str, selection: sel.Selection) -> sel.Selected:
    return sel.select(_live_facts(path, version, live), selection)


def view(path: str, version: float, selection: sel.Selection) -> dict[str, object]:
    """KPI figures, per-building and per-grid counts of ``selection``."""
    return _view(path, version, live_version(), selection)


@st.cache_data(show_spinner=False, max_entries=64)
def _view(path: str, version: float, live: str, selection: sel.Selection) -> dict[str, object]:
    facts = _live_facts(path, version, live)
    chosen = _selected(path, version, live, selection)
    grids = sel.grid_counts(facts, chosen)
    if selection.grids:
        grids = grids[grids.index.isin(selection.grids)]
    return {"figures": sel.selection_figures(facts, chosen), "buildings": sel.building_counts(facts, chosen),
            "grids": grids}


HEAT_CELL_DEG = (0.0005, 0.0006)  # about 55 m × 54 m at 36° N: a point never singles out a flat


def _heat_points(facts: sel.CommunityFacts, chosen: sel.Selected) -> list[list[float]] | None:
    """Report and hazard counts of the selection on a ~55 m grid, as [lat, lon, count]; None when too many.

    Each point is moved to the centre of its cell and counted there: the heat layer shows where
    reports gather, never which building (let alone which flat) one came from.
    """
    if int(chosen.reports.sum() + chosen.hazards.sum()) > HEAT_LIMIT:
        return None
    points = pd.concat([facts.reports.loc[chosen.reports, ["lat", "lon"]],
                        facts.hazards.loc[chosen.hazards, ["lat", "lon"]]]).dropna()
    dlat, dlon = HEAT_CELL_DEG
    cells = pd.DataFrame({"lat": (np.floor(points["lat"] / dlat) + 0.5) * dlat,
                          "lon": (np.floor(points["lon"] / dlon) + 0.5) * dlon})
    counted = cells.round(6).value_counts().reset_index()
    return counted[["lat", "lon", "count"]].to_numpy(dtype=float).tolist()


def _shift(geometry: gpd.GeoSeries, gcj02: bool) -> gpd.GeoSeries:
    """Round to about 1 m (enough to draw a building) and, for GCJ-02 tiles, apply the offset."""
    values = geometry.values
    if gcj02:
        values = shapely.transform(values, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    return gpd.GeoSeries(shapely.set_precision(values, 1e-5), index=geometry.index, crs=geometry.crs)


def _features(frame: gpd.GeoDataFrame) -> list[dict]:
    """GeoJSON features (geometry + properties) of ``frame``, built once and reused per filter."""
    geometry = shapely.to_geojson(frame.geometry.values)
    props = frame.drop(columns="geometry").to_dict("records")
    return [{"type": "Feature", "geometry": json.loads(g), "properties": p} for g, p in
            zip(geometry, props, strict=True)]


@st.cache_resource(show_spinner=False)
def _map_base(path: str, version: float, gcj02: bool) -> dict[str, object]:
    """Geometry of every layer as GeoJSON features with ids and escaped labels (no counts)."""
    buildings = gpd.read_file(path, layer="buildings", columns=["building_id", "compound_id", "grid_id", "number"])
    compounds = gpd.read_file(path, layer="compounds", columns=["compound_id", "name"])
    names = dict(zip(compounds["compound_id"], compounds["name"], strict=True))
    buildings["label"] = [html.escape(label) for label in _building_labels(buildings, names)]
    shapes = buildings[["building_id", "geometry"]].copy()  # WGS-84, for finding the clicked building
    _ = shapes.sindex  # build the index once
    buildings["geometry"] = _shift(buildings.geometry, gcj02)
    compounds["name"] = compounds["name"].map(html.escape)
    compounds["geometry"] = _shift(compounds.geometry, gcj02)
    grids = gpd.read_file(path, layer="grids", columns=["grid_id", "name"])
    grid_shapes = grids[["grid_id", "geometry"]].copy()  # WGS-84, for finding the clicked grid
    _ = grid_shapes.sindex
    facilities = gpd.read_file(path, layer="facilities", columns=["name", "kind"])  # no contact or phone
    grids["name"] = grids["name"].map(html.escape)
    grids["geometry"] = _shift(grids.geometry, gcj02)
    facilities["geometry"] = _shift(facilities.geometry, gcj02)
    grid_bounds = grids.geometry.bounds
    return {
        "buildings": _features(buildings[["building_id", "label", "geometry"]]),
        "building_grid": buildings["grid_id"].to_numpy(dtype=object),
        "building_compound": buildings["compound_id"].to_numpy(dtype=object),
        "compounds": _features(compounds[["compound_id", "name", "geometry"]]),
        "compound_grid": _compound_grids(buildings),
        "grids": _features(grids[["grid_id", "name", "geometry"]]),
        "grid_bounds": {g: [[b.miny, b.minx], [b.maxy, b.maxx]] for g, b in
                        zip(grids["grid_id"], grid_bounds.itertuples(), strict=True)},
        "facilities": [(k, html.escape(n), round(p.y, 6), round(p.x, 6), g) for k, n, p, g in
                       zip(facilities["kind"], facilities["name"], facilities.geometry,
                           _grid_of(facilities, grids), strict=True)],
        "building_bounds": buildings.geometry.bounds.to_numpy(),
        "shapes": shapes,
        "grid_shapes": grid_shapes,
        "labels": dict(zip(buildings["building_id"], buildings["label"], strict=True)),
    }


@st.cache_resource(show_spinner=False)
def _grid_labels(path: str, version: float, gcj02: bool) -> list[tuple[str, str, float, float]]:
    """(grid id, escaped name, lat, lon) of each grid's label, inside the grid and clear of the facility dots.

    Computed once per artifact, and only when labels are drawn (at most
    ``LABEL_LIMIT`` grids in view): 1,000 grids take about 2 s.
    """
    grids = gpd.read_file(path, layer="grids", columns=["grid_id", "name"])
    facilities = gpd.read_file(path, layer="facilities", columns=["kind"])
    dots = facilities.geometry[facilities.geometry.notna() & ~facilities.geometry.is_empty]
    points = _shift(grid_label_points(grids, dots), gcj02)
    return [(g, html.escape(str(n)), p.y, p.x) for g, n, p in zip(grids["grid_id"], grids["name"], points, strict=True)
            if p is not None and not p.is_empty]


def _building_labels(buildings: pd.DataFrame, compound_names: dict[str, str]) -> list[str]:
    """A building as people name it: "广生泉小区 A1号楼" (compound name and number)."""
    return [f"{compound_names.get(c, c)} {n}号楼" for c, n in
            zip(buildings["compound_id"], buildings["number"], strict=True)]


def _compound_grids(buildings: gpd.GeoDataFrame) -> dict[str, set[str]]:
    """Grids each compound has buildings in."""
    pairs = buildings[["compound_id", "grid_id"]].dropna().drop_duplicates()
    return {c: set(g) for c, g in pairs.groupby("compound_id")["grid_id"]}


def _grid_of(points: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> list[str | None]:
    """The grid each point lies in (None outside every grid)."""
    hits = gpd.sjoin(points[["geometry"]], grids[["grid_id", "geometry"]], how="left", predicate="within")
    hits = hits[~hits.index.duplicated()]
    return [None if pd.isna(g) else g for g in hits["grid_id"]]


def _display(values: pd.Series, measure: Measure, meeting: bool, lang: str) -> list[str]:
    """Tooltip text of a measure: a share as a percentage, a category by name; in meeting mode only the bin."""
    if meeting or measure.labels:
        bins = np.digitize(values.to_numpy(float), np.asarray(measure.edges, float))
        texts = [text for _, text in legend_items(measure, lambda k: t(k, lang))]
        return [texts[i] for i in bins]
    if "{:.0%}" in measure.fmt:
        return [f"{v:.0%}" for v in values]
    return [f"{v:g}" for v in values]


def _fills(values: pd.Series, measure: Measure) -> list[str]:
    bins = np.digitize(values.to_numpy(float), np.asarray(measure.edges, float))
    return [measure.colours[i] for i in bins]


def map_layers(path: str, version: float, selection: sel.Selection, mode: str, meeting: bool = False,
               heat: bool = False, lang: str = "zh", gcj02: bool = False) -> dict[str, object]:
    """Everything the map draws (see :func:`_map_layers`), with the live store's reports and visits."""
    return _map_layers(path, version, live_version(), selection, mode, meeting, heat, lang, gcj02)


@st.cache_data(show_spinner=False, max_entries=64)
def _map_layers(path: str, version: float, live: str, selection: sel.Selection, mode: str, meeting: bool = False,
                heat: bool = False, lang: str = "zh", gcj02: bool = False) -> dict[str, object]:
    """Everything the map draws for a selection, colour mode and audience, as plain data.

    Buildings are drawn when the selected area has at most :data:`DETAIL_LIMIT`
    of them; otherwise (a district) the grids carry the colour.  In meeting
    mode the grids carry it too, and buildings are outlines with no counts, so
    no small count reaches the projector.  ``gcj02`` shifts every shape onto GCJ-02 tiles.
    """
    base = _map_base(path, version, gcj02)
    counts = _view(path, version, live, selection)
    buildings: pd.DataFrame = counts["buildings"]  # type: ignore[assignment]
    grids: pd.DataFrame = counts["grids"]  # type: ignore[assignment]
    detail = len(buildings) <= DETAIL_LIMIT
    grid_level = meeting or not detail or mode in GRID_ONLY_MODES
    measure = measure_for(mode, grid_level=grid_level)
    out: dict[str, object] = {"measure": measure, "detail": detail, "grid_level": grid_level,
                              "buildings_in_view": len(buildings)}

    grid_ids = set(grids.index)
    grid_values = grids[measure.prop]
    grid_text = _display(grid_values, measure, meeting, lang)
    grid_fill = _fills(grid_values, measure)
    if meeting and measure.prop in HOUSEHOLD_RATES:
        # on a projector a rate of a few households would give them away: one household must move a grid's
        # rate by less than the narrowest colour band, or the grid is not coloured at all
        few = (grids["households_all"] < RATE_BASE).to_numpy()
        grid_text = [t("too_few_to_colour", lang) if f else x for x, f in zip(grid_text, few, strict=True)]
        grid_fill = [NO_COLOUR if f else x for x, f in zip(grid_fill, few, strict=True)]
        out["uncoloured"] = bool(few.any())
    by_grid = {g: (t, f) for g, t, f in zip(grids.index, grid_text, grid_fill, strict=True)}
    out["grids"] = {"type": "FeatureCollection", "features": [
        {**f, "properties": {**f["properties"], "value": by_grid[f["properties"]["grid_id"]][0],
                             "fill": by_grid[f["properties"]["grid_id"]][1]}}
        for f in base["grids"] if f["properties"]["grid_id"] in grid_ids]}
    wanted = set(buildings.index)
    if detail:
        if grid_level:
            props = {b: {} for b in buildings.index}
        else:
            values = buildings[measure.prop]
            texts = _display(values, measure, False, lang)
            fills = _fills(values, measure)
            props = {b: {"households": int(h), "value": t, "fill": f} for b, h, t, f in
                     zip(buildings.index, buildings["households"], texts, fills, strict=True)}
        out["buildings"] = {"type": "FeatureCollection", "features": [
            {**f, "properties": {**f["properties"], **props[f["properties"]["building_id"]]}}
            for f in base["buildings"] if f["properties"]["building_id"] in wanted]}
        compounds = set(base["building_compound"][np.isin(base["building_grid"], list(grid_ids))]) \
            if selection.grids else None
        if selection.compounds:
            compounds = set(selection.compounds)
        out["compounds"] = {"type": "FeatureCollection", "features": [
            f for f in base["compounds"] if compounds is None or f["properties"]["compound_id"] in compounds]}
    else:
        out["buildings"] = None
        out["compounds"] = None
    shown = [(k, n, la, lo) for k, n, la, lo, g in base["facilities"]
             if detail and (not selection.grids or g in grid_ids)]
    out["facilities"] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lo, la]},
         "properties": {"kind_label": facility_kind(k, lang), "name": n,
                        "fill": FACILITY_STYLE.get(k, FACILITY_STYLE["其他"])[0],
                        "r": FACILITY_STYLE.get(k, FACILITY_STYLE["其他"])[1]}}
        for k, n, la, lo in shown]}
    present = {k if k in FACILITY_STYLE else "其他" for k, *_ in shown}
    out["facility_kinds"] = [k for k in FACILITY_STYLE if k in present]  # the legend lists only these
    out["grid_labels"] = [(n, la, lo) for g, n, la, lo in _grid_labels(path, version, gcj02) if g in grid_ids] \
        if len(grid_ids) <= LABEL_LIMIT else []
    out["bounds"] = _bounds(base, selection, wanted, grid_ids)
    out["overdue"] = _overdue_marks(base, buildings, lang) if detail and not meeting else None
    facts, chosen = _live_facts(path, version, live), _selected(path, version, live, selection)
    points = _heat_points(facts, chosen) if heat else []
    out["heat"] = _shift_points(points, gcj02) if points else None
    out["heat_available"] = points is not None
    return out


def _overdue_marks(base: dict[str, object], buildings: pd.DataFrame, lang: str) -> dict[str, object] | None:
    """A ring on each building with overdue open reports (how many, in the tooltip); None when there are none.

    At the middle of the building's box, in the map's own coordinates (already shifted for GCJ-02 tiles).
    """
    late = buildings.loc[buildings["reports_overdue"] > 0, "reports_overdue"]
    if late.empty:
        return None
    ids = [f["properties"]["building_id"] for f in base["buildings"]]  # type: ignore[attr-defined]
    boxes = dict(zip(ids, base["building_bounds"], strict=True))  # type: ignore[call-overload]
    labels: dict[str, str] = base["labels"]  # type: ignore[assignment]
    features = []
    for building_id, n in late.items():
        box = boxes.get(building_id)
        if box is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
            round((box[0] + box[2]) / 2, 6), round((box[1] + box[3]) / 2, 6)]},
            "properties": {"label": labels.get(building_id, ""),
                           "text": t("overdue_reports_n", lang).format(n=int(n))}})
    return {"type": "FeatureCollection", "features": features} if features else None


def _shift_points(points: list[list[float]], gcj02: bool) -> list[list[float]]:
    if not gcj02:
        return points
    arr = np.asarray(points, float)
    lon, lat = wgs84_to_gcj02(arr[:, 1], arr[:, 0])
    return np.column_stack([lat.round(6), lon.round(6), arr[:, 2]]).tolist()


def _bounds(base: dict[str, object], selection: sel.Selection, buildings: set[str], grid_ids: set[str]) -> list:
    """Fit the map to the selected compounds' buildings, else the selected grids."""
    if selection.compounds and buildings:
        ids = [f["properties"]["building_id"] for f in base["buildings"]]  # same order as building_bounds
        rows = np.isin(np.asarray(ids, dtype=object), list(buildings))
        b = base["building_bounds"][rows]
        return [[float(b[:, 1].min()), float(b[:, 0].min())], [float(b[:, 3].max()), float(b[:, 2].max())]]
    boxes = [base["grid_bounds"][g] for g in grid_ids]
    return [[min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)],
            [max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)]]


def _clicked_point(lat: float, lng: float, gcj02: bool) -> shapely.Point:
    """The click as a WGS-84 point (clicks on GCJ-02 tiles are shifted back)."""
    if gcj02:
        lon_arr, lat_arr = gcj02_to_wgs84(np.array([lng]), np.array([lat]))
        lng, lat = float(lon_arr[0]), float(lat_arr[0])
    return shapely.Point(lng, lat)


def grid_at(path: str, version: float, lat: float, lng: float) -> str | None:
    """The grid under a clicked point, or None (for drilling down from the district view)."""
    gcj02 = tiles_gcj02()
    grids: gpd.GeoDataFrame = _map_base(path, version, gcj02)["grid_shapes"]  # type: ignore[assignment]
    hits = grids.sindex.query(_clicked_point(lat, lng, gcj02), predicate="within")
    return str(grids["grid_id"].iloc[int(hits[0])]) if len(hits) else None


def building_at(path: str, version: float, selection: sel.Selection, lat: float, lng: float
                ) -> dict[str, object] | None:
    """The clicked building's label and counts for the selection, or None when the click missed."""
    gcj02 = tiles_gcj02()
    shapes: gpd.GeoDataFrame = _map_base(path, version, gcj02)["shapes"]  # type: ignore[assignment]
    point = _clicked_point(lat, lng, gcj02)
    hits = shapes.sindex.query(point, predicate="within")
    if len(hits) == 0:  # a click just beside a small footprint still means that building
        hits = shapes.sindex.query(point, predicate="dwithin", distance=CLICK_TOLERANCE_DEG)
        if len(hits) == 0:
            return None
        hits = hits[[int(shapes.geometry.iloc[hits].distance(point).to_numpy().argmin())]]
    building_id = shapes["building_id"].iloc[int(hits[0])]
    counts: pd.DataFrame = view(path, version, selection)["buildings"]  # type: ignore[assignment]
    if building_id not in counts.index:
        return None
    labels: dict[str, str] = _map_base(path, version, gcj02)["labels"]  # type: ignore[assignment]
    return {"building_id": building_id, "label": labels[building_id], **counts.loc[building_id].to_dict()}


_HOUSEHOLD_VIEW = ["household_id", "building_id", "unit", "flag", "flag_reasons", "living_arrangement",
                   "last_visit", "visit_overdue"]


def load_households(path: str, version: float) -> pd.DataFrame:
    """Households with colour, reasons and visits (logged visits read in), plus member counts; no rooms, no names."""
    return _load_households(path, version, live_version())


@st.cache_data(show_spinner=False, max_entries=4)
def _load_households(path: str, version: float, live: str) -> pd.DataFrame:
    households = pyogrio.read_dataframe(path, layer="households", columns=_HOUSEHOLD_VIEW, read_geometry=False)
    facts = _live_facts(path, version, live)  # the same household order as the layer
    households["last_visit"] = facts.households["last_visit"].to_numpy()
    households["visit_overdue"] = facts.households["overdue"].to_numpy()
    members = pyogrio.read_dataframe(path, layer="residents", columns=["household_id"], read_geometry=False)
    households["members"] = households["household_id"].map(members["household_id"].value_counts()).fillna(0)
    households["members"] = households["members"].astype(int)
    return households


def households_of(path: str, version: float, selection: sel.Selection, building_id: str) -> pd.DataFrame:
    """The selected households of one building, for its panel (no names, no rooms)."""
    households = load_households(path, version)
    chosen = selected(path, version, selection)
    return households[chosen.households & (households["building_id"] == building_id).to_numpy()]


QUALITY_PAGE = 500  # problem rows sent to the browser at a time
QUALITY_EXPORT_LIMIT = 50_000  # rows in one export of the problem list


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quality_where(table: str | None, problem: str | None, grids: tuple[str, ...] | None) -> str:
    parts = [f'"table" = {_sql_text(table)}' if table else "", f"problem = {_sql_text(problem)}" if problem else ""]
    if grids is not None:  # a grid worker: their grids' rows only (a row tied to no grid is not theirs)
        parts.append(f"grid_id IN ({', '.join(_sql_text(g) for g in grids) or 'NULL'})")
    parts = [p for p in parts if p]
    return (" WHERE " + " AND ".join(parts)) if parts else ""


@st.cache_data(show_spinner=False, max_entries=16)
def quality_summary(path: str, version: float, grids: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Rows of the quality layer per table, severity and problem (counted in the database, not loaded).

    ``grids``: only the rows of these grids (a grid worker's scope); None for every row.
    """
    return pyogrio.read_dataframe(path, sql=f'SELECT "table", severity, problem, COUNT(*) AS rows FROM quality'
                                            f"{_quality_where(None, None, grids)} "
                                            'GROUP BY "table", severity, problem ORDER BY rows DESC',
                                  read_geometry=False)


@st.cache_data(show_spinner=False, max_entries=32)
def quality_rows(path: str, version: float, table: str | None, problem: str | None, offset: int,
                 limit: int = QUALITY_PAGE, grids: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One page of the quality layer (a table and problem, or all), personal values masked on the server.

    A huge bad table gives millions of problem rows: only the page shown is read and sent.
    """
    sql = (f"SELECT * FROM quality{_quality_where(table, problem, grids)} ORDER BY \"table\", row "
           f"LIMIT {int(limit)} OFFSET {int(offset)}")
    return mask_quality(pyogrio.read_dataframe(path, sql=sql, read_geometry=False))


@st.cache_data(show_spinner=False, ttl=60)
def demo_password_refusal(path: str, version: float) -> str | None:
    """Why the app will not show a community's own data: a demo user still has the README's password."""
    from operations.demo import demo_passwords_in_use, is_demo_input
    from operations.store import db

    if is_demo_input(load_meta(path, version).get("input", "")):
        return None
    with db() as session:
        left = demo_passwords_in_use(session)
    if not left:
        return None
    return (f"这是社区自己的数据，但示例用户 {'、'.join(left)} 仍在使用 README 中公开的示例密码，系统拒绝显示。"
            f"请管理员运行：python -m operations users reset {left[0]}（或 users disable {left[0]}）。 / "
            "Demo users still have the demo passwords printed in the README: change them first.")


@st.cache_data(show_spinner=False)
def load_changes(path: str, version: float) -> pd.DataFrame:
    """The change log against the previous build (household ids and colours only)."""
    return pyogrio.read_dataframe(path, layer="changes", read_geometry=False)


@st.cache_data(show_spinner=False)
def place_names(path: str, version: float) -> PlaceNames:
    """Names of grid, compound and building codes (building: "小区名 N号楼"), for tables and exports."""
    grids = _read_plain(path, "grids", ["grid_id", "name"])
    compounds = _read_plain(path, "compounds", ["compound_id", "name"])
    buildings = _read_plain(path, "buildings", ["building_id", "compound_id", "number"])
    compound_names = dict(zip(compounds["compound_id"], compounds["name"], strict=True))
    return PlaceNames(grids=dict(zip(grids["grid_id"], grids["name"], strict=True)), compounds=compound_names,
                      buildings=dict(zip(buildings["building_id"],
                                         _building_labels(buildings, compound_names), strict=True)))


def _read_plain(path: str, layer: str, columns: list[str]) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=layer, columns=columns, read_geometry=False)


LIVE_LAYERS = frozenset({"households", "reports"})  # the tables the live store changes


def load_table(path: str, version: float, table_key: str, layer: str, reveal: frozenset[str] = frozenset()
               ) -> pd.DataFrame | None:
    """One of the nine tables (or the reports) as stored and masked: see :func:`_load_table`."""
    return _load_table(path, version, live_version() if layer in LIVE_LAYERS else "", table_key, layer, reveal)


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_table(path: str, version: float, live: str, table_key: str, layer: str,
                reveal: frozenset[str] = frozenset()) -> pd.DataFrame | None:
    """One of the nine tables as stored, personal columns masked on the server (None when absent).

    ``reveal``: the kinds of personal data shown in full (a grid worker's names and phones; the
    rows that reach the page are still only those their scope selects).

    A location written as a building code (a hazard at ``XQ24-B3``) becomes
    that building's label first: an address mask would take the code for a room.
    """
    present = layer in {name for name, _ in pyogrio.list_layers(path)}
    frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False) if present else None
    if layer == "reports":
        reports_live = _store_frames(live)[0]
        frame = merge_report_table(frame, reports_live, workflow())
    elif layer == "households" and frame is not None:
        facts = _live_facts(path, version, live)  # the same household order as the layer
        frame["last_visit"] = facts.households["last_visit"].to_numpy()
        frame["visit_overdue"] = facts.households["overdue"].to_numpy().astype(int)
    if frame is None:
        return None
    names = place_names(path, version)
    if "location" in frame.columns:
        frame["location"] = building_codes_to_labels(frame["location"], names)
    return mask_frame(frame, table_key, names.buildings, reveal=reveal)


def table_size(path: str, version: float, layer: str) -> int:
    """Rows of a table in the artifact."""
    return int(pyogrio.read_info(path, layer=layer)["features"])


_FLAG_NAMES = {3: "red", 2: "yellow", 1: "blue"}


def table_view(path: str, version: float, selection: sel.Selection, table_key: str, layer: str, lang: str = "zh",
               reveal: frozenset[str] = frozenset()) -> tuple[pd.DataFrame | None, np.ndarray]:
    """The rows of a table the selection keeps, as shown: see :func:`_table_view`."""
    return _table_view(path, version, live_version(), selection, table_key, layer, lang, reveal)


@st.cache_data(show_spinner=False, max_entries=32)
def _table_view(path: str, version: float, live: str, selection: sel.Selection, table_key: str, layer: str,
                lang: str = "zh", reveal: frozenset[str] = frozenset()) -> tuple[pd.DataFrame | None, np.ndarray]:
    """The rows of a table the selection keeps, as shown (masked, names, clean cells, titles in ``lang``).

    Also each row's household flag code (for the row colours).  The Tables
    page searches and exports exactly this frame.
    """
    frame = _load_table(path, version, live if layer in LIVE_LAYERS else "", table_key, layer, reveal)
    if frame is None:
        return None, np.array([], dtype=np.int8)
    facts = _live_facts(path, version, live)
    keep, flags = sel.table_rows(facts, _selected(path, version, live, selection), table_key, frame)
    out = frame[keep].reset_index(drop=True)
    if "flag" not in out.columns and flags.any():
        out.insert(0, "flag", pd.Series(flags[keep]).map(_FLAG_NAMES).to_numpy())
    return readable_table(out, table_key, place_names(path, version), lang), flags[keep]


def household_in_full(path: str, version: float, household_id: str, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """One household's rows in full (names, phones, ID numbers, room): for an unmask with a reason, logged.

    Not cached: an unmasked household is read for the moment it is asked for and kept nowhere.
    """
    names = place_names(path, version)
    out: dict[str, pd.DataFrame] = {}
    people: set[str] = set()
    for key in ("households", "residents", "elderly", "special_groups"):
        where = (f"household_id = {_sql_text(household_id)}" if key in ("households", "residents") else
                 f"person_id IN ({', '.join(_sql_text(p) for p in sorted(people)) or 'NULL'})")
        frame = pyogrio.read_dataframe(path, sql=f"SELECT * FROM {key} WHERE {where}", read_geometry=False)
        if key == "residents":
            people = set(frame["person_id"])
        if len(frame):
            full = mask_frame(frame, key, names.buildings, reveal=EVERYTHING)
            out[key] = readable_table(full, key, names, lang)
    return out
