"""Assemble the artifact's layers from validated tables: flags, points, aggregates."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from pipelines.address import clean_number, parse_address
from pipelines.dates import ages_at
from pipelines.flags import FlagContext, assign_flags
from pipelines.join import CompoundIndex, buildings_to_grids, map_unique, points_to_areas
from pipelines.readers import TableFile
from pipelines.schema import REPORTS, TABLES
from pipelines.validate import Quality

__all__ = ["assemble", "OPEN_REPORT", "aggregate", "empty_table"]

OPEN_REPORT = ("待受理", "已受理", "处理中")


_DTYPES = {"date": "datetime64[ns]", "datetime": "datetime64[ns]", "int": "float64", "float": "float64",
           "bool": "boolean"}


def empty_table(key: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table with no rows but every column, typed as validation types them.

    A table the office does not keep is empty, not shapeless: every page and layer relies on its columns.
    """
    table = {**TABLES, REPORTS.key: REPORTS}[key]
    columns = {c.key: pd.Series(dtype=_DTYPES.get(c.type, object)) for c in table.columns}
    columns.update({c: pd.Series(dtype=object) for c in extra})
    return pd.DataFrame(columns)


def _kept(files: dict[str, TableFile], keep: dict[str, pd.Series], key: str,
          extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """The kept rows of table ``key``, or an empty table with all its columns when the office has none."""
    if key not in files:
        return empty_table(key, extra)
    return files[key].frame.loc[keep[key]].drop(columns="_row").copy()


def _living_arrangement(households: pd.DataFrame, residents: pd.DataFrame) -> pd.Series:
    g = residents.groupby("household_id")["age"]
    size = households["household_id"].map(g.size()).fillna(0)
    # a household with no member (or no known age) is not old: missing → False, whatever dtype the map gives
    all_old = households["household_id"].map(g.min() >= 60).astype("boolean").fillna(False).to_numpy(dtype=bool)
    any_old = households["household_id"].map(g.max() >= 60).astype("boolean").fillna(False).to_numpy(dtype=bool)
    derived = np.where(size == 1, "独居", np.where(all_old, "空巢", np.where(any_old, "与子女同住", "其他")))
    return households["living_arrangement"].where(households["living_arrangement"] != "", derived)


def _locate_points(frame: pd.DataFrame, tf: TableFile | None, keep: pd.Series | None,
                   buildings: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, compounds: CompoundIndex,
                   quality: Quality, address_col: str) -> gpd.GeoDataFrame:
    """Points by coordinates, else by 楼栋编码 or address (building centroid)."""
    lon = pd.to_numeric(frame.get("lon"), errors="coerce")
    lat = pd.to_numeric(frame.get("lat"), errors="coerce")
    centroids = buildings.set_index("building_id").geometry.representative_point()
    text = frame[address_col].fillna("")
    by_id = text.where(text.isin(centroids.index))
    has_xy = lon.notna() & lat.notna()
    # the address is read only for points without coordinates; a point with them lies in its building
    by_text = by_id.isna() & ~has_xy
    cid = pd.Series(None, index=text.index, dtype=object)
    cid[by_text] = map_unique(text[by_text], compounds.find)
    number = pd.Series("", index=text.index, dtype=object)
    number[by_text] = map_unique(text[by_text], lambda t: parse_address(t).building or "")
    lookup = pd.Series(buildings["building_id"].to_numpy(),
                       index=buildings["compound_id"] + "|" + map_unique(buildings["number"], clean_number))
    lookup = lookup[~lookup.index.duplicated()]
    from_text = (cid.fillna("") + "|" + number).where(by_text).map(lookup).astype(object)
    building = by_id.astype(object).where(by_id.notna(), from_text)
    geom = gpd.points_from_xy(lon.fillna(0), lat.fillna(0), crs="EPSG:4326")
    fallback = building.map(centroids)
    points = gpd.GeoSeries(geom, index=frame.index, crs="EPSG:4326").where(has_xy, fallback)
    located = points.notna() & ~points.is_empty
    if tf is not None and keep is not None:
        mask = pd.Series(False, index=tf.frame.index)
        mask[frame.index[~located.to_numpy()]] = True
        quality.add(tf, mask, address_col, "无法定位：无坐标，地址也无法匹配楼栋 / cannot be located",
                    suggestion="补填经纬度或写明 小区+楼号 / add coordinates, or the compound and building",
                    severity="error")
        keep &= ~mask
    out = gpd.GeoDataFrame(frame[located.to_numpy()].copy(), geometry=points[located.to_numpy()], crs="EPSG:4326")
    areas = points_to_areas(out, buildings, grids)
    named = building[located.to_numpy()].astype(object)
    out["building_id"] = named.where(named.notna(), areas["building_id"])
    out["grid_id"] = areas["grid_id"]
    return out


def _hazard_households(hazards: pd.DataFrame, households: pd.DataFrame) -> pd.Series:
    """Household of a hazard whose address names a flat (building + unit + room)."""
    parsed = hazards["location"].fillna("").map(parse_address)
    unit = parsed.map(lambda p: p.unit)
    room = parsed.map(lambda p: p.room)
    key = hazards["building_id"].fillna("") + "|" + unit.fillna("") + "|" + room.fillna("")
    hh_key = households["building_id"] + "|" + households["unit"].fillna("") + "|" + households["room"].fillna("")
    lookup = pd.Series(households["household_id"].to_numpy(), index=hh_key)
    lookup = lookup[~lookup.index.duplicated()]
    return key.map(lookup).where(room.notna())


def aggregate(households: pd.DataFrame, residents: pd.DataFrame, needs: pd.DataFrame,
              hazards: pd.DataFrame, reports: pd.DataFrame, by: str) -> pd.DataFrame:
    """Figures per building or grid: people, flags, visits, needs, hazards, reports."""
    hh = households.groupby(by)
    # each resident's building or grid through their household (a lookup, not a merge of every column)
    place = residents["household_id"].map(pd.Series(households[by].to_numpy(), index=households["household_id"]))
    age = residents["age"]
    out = pd.DataFrame({
        "households": hh.size(),
        "residents": place.value_counts(),
        "aged_60_plus": place[age >= 60].value_counts(),
        "aged_80_plus": place[age >= 80].value_counts(),
        "red": households[households["flag"] == "red"].groupby(by).size(),
        "yellow": households[households["flag"] == "yellow"].groupby(by).size(),
        "blue": households[households["flag"] == "blue"].groupby(by).size(),
        "overdue_visits": households[households["visit_overdue"]].groupby(by).size(),
    })
    open_needs = needs[needs["status"] != "已办结"].merge(households[["household_id", by]], on="household_id")
    out["open_needs"] = open_needs.groupby(by).size()
    out["open_hazards"] = hazards[hazards["status"] != "已整改"].groupby(by).size()
    out["reports_total"] = reports.groupby(by).size()
    out["reports_open"] = reports[reports["status"].isin(OPEN_REPORT)].groupby(by).size()
    out = out.fillna(0).astype(int)
    closed = reports[~reports["status"].isin(OPEN_REPORT)].groupby(by).size()
    out["resolution_rate"] = (closed / out["reports_total"].replace(0, np.nan)).reindex(out.index).round(3)
    sat = pd.to_numeric(reports["satisfaction"], errors="coerce")
    out["mean_satisfaction"] = sat.groupby(reports[by]).mean().reindex(out.index).round(2)
    return out


SPLIT_SHARE = 0.9  # a building with less than this share of its area in its grid is reported as split


def _report_grid_problems(buildings: gpd.GeoDataFrame, quality: Quality) -> None:
    """Warn about buildings in no grid and buildings split between grids (row = feature number in the layer)."""
    feature = buildings["_feature"].to_numpy() if "_feature" in buildings else np.arange(1, len(buildings) + 1)
    file = buildings.attrs.get("file", "buildings")
    none = buildings["grid_id"].isna().to_numpy()
    split = ~none & (buildings["grid_share"].fillna(1.0).to_numpy() < SPLIT_SHARE)
    ids = buildings["building_id"].to_numpy()
    rows = [pd.DataFrame({"severity": "warning", "table": "楼栋", "file": file, "row": feature[none],
                          "row_kind": "feature", "column": "楼栋编码", "value": ids[none],
                          "problem": "楼栋不在任何网格内 / building in no grid",
                          "suggestion": "检查网格边界是否覆盖该楼 / check that a grid covers it"}),
            pd.DataFrame({"severity": "warning", "table": "楼栋", "file": file, "row": feature[split],
                          "row_kind": "feature", "column": "楼栋编码", "value": ids[split],
                          "problem": [f"楼栋跨网格：仅 {share:.0%} 面积在网格 {grid} 内 / building split between grids"
                                      for share, grid in zip(buildings["grid_share"].to_numpy()[split],
                                                             buildings["grid_id"].to_numpy()[split], strict=True)],
                          "suggestion": "调整网格边界，使整栋楼归一个网格（已按面积最大的网格统计） / "
                                        "move the grid boundary (counted in the grid with the largest share)"})]
    quality.rows.extend(r for r in rows if len(r))


def assemble(files: dict[str, TableFile], keep: dict[str, pd.Series], placement: pd.DataFrame,
             layers: dict[str, gpd.GeoDataFrame], quality: Quality, reference: date,
             rules: dict) -> dict[str, pd.DataFrame]:
    """All layers of the artifact, keyed by layer name."""
    buildings = layers["buildings"].copy()
    grids, compounds = layers["grids"].copy(), layers["compounds"].copy()
    assignment = buildings_to_grids(buildings, grids)
    buildings["grid_id"] = assignment["grid_id"].to_numpy()
    buildings["grid_share"] = assignment["grid_share"].round(3).to_numpy()
    _report_grid_problems(buildings, quality)
    hh_tf = files["households"]
    households = hh_tf.frame.loc[keep["households"]].drop(columns="_row").copy()
    households[["building_id", "unit", "room"]] = placement.loc[keep["households"], ["building_id", "unit", "room"]]
    households["placed_by"] = placement.loc[keep["households"], "how"]
    households["grid_id"] = households["building_id"].map(buildings.set_index("building_id")["grid_id"])
    households["compound_id"] = households["building_id"].map(buildings.set_index("building_id")["compound_id"])
    residents = files["residents"].frame.loc[keep["residents"]].drop(columns="_row").copy()
    residents["age"] = ages_at(residents["birth_date"], reference)
    households["living_arrangement"] = _living_arrangement(households, residents)
    elderly = _kept(files, keep, "elderly")
    special = _kept(files, keep, "special_groups")
    needs = _kept(files, keep, "needs")
    cindex = CompoundIndex(compounds)
    hazards_raw = _kept(files, keep, "hazards")
    hazards = _locate_points(hazards_raw, files.get("hazards"), keep.get("hazards"), buildings, grids, cindex,
                             quality, "location")
    hazards["household_id"] = _hazard_households(hazards, households)
    reports_raw = _kept(files, keep, "reports")
    reports = _locate_points(reports_raw, files.get("reports"), keep.get("reports"), buildings, grids, cindex,
                             quality, "address")
    ctx = FlagContext(households, residents[["person_id", "household_id", "age"]], elderly, special, needs,
                      hazards, reference)
    flags = assign_flags(ctx, rules)
    households = households.merge(flags, on="household_id")
    resources = _kept(files, keep, "resources")
    xy = pd.to_numeric(resources["lon"], errors="coerce").notna() & pd.to_numeric(resources["lat"],
                                                                                  errors="coerce").notna()
    facilities = gpd.GeoDataFrame(resources[xy], geometry=gpd.points_from_xy(
        pd.to_numeric(resources.loc[xy, "lon"]), pd.to_numeric(resources.loc[xy, "lat"])), crs="EPSG:4326")
    b_agg = aggregate(households, residents, needs, hazards, reports, "building_id")
    g_agg = aggregate(households, residents, needs, hazards, reports, "grid_id")
    buildings = buildings.merge(b_agg, left_on="building_id", right_index=True, how="left")
    grids = grids.merge(g_agg, left_on="grid_id", right_index=True, how="left")
    for frame in (buildings, grids):
        counts = [c for c in b_agg.columns if c not in ("resolution_rate", "mean_satisfaction")]
        frame[counts] = frame[counts].fillna(0).astype(int)
    party = _kept(files, keep, "party_volunteers")
    grids, compounds, buildings = (f.drop(columns="_feature", errors="ignore") for f in (grids, compounds, buildings))
    return {"grids": grids, "compounds": compounds, "buildings": buildings, "households": households,
            "residents": residents, "elderly": elderly, "special_groups": special, "needs": needs,
            "party_volunteers": party, "hazards": hazards, "reports": reports, "facilities": facilities,
            "grid_work": _kept(files, keep, "grid_work", ("grid_id",)),
            "quality": _with_grids(quality.frame(), files, placement, buildings, hazards, reports)}


def _with_grids(quality: pd.DataFrame, files: dict[str, TableFile], placement: pd.DataFrame,
                buildings: gpd.GeoDataFrame, hazards: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Each problem row's grid, where its row can be tied to one (so a grid worker sees their grid's problems).

    A household through the building it was placed in, a person through their household, a need
    through its household, grid work through its grid, a building feature through its grid; a row
    that cannot be placed anywhere has none.  Only the rows in the report are looked up (a district's
    820 k residents are not mapped for a few hundred problems).
    """
    grid_of_building = pd.Series(buildings["grid_id"].to_numpy(), index=buildings["building_id"])
    grid_of_building = grid_of_building[~grid_of_building.index.duplicated()]
    hh = files["households"]
    placed = pd.Series(placement["building_id"].to_numpy(), index=hh.frame["household_id"].to_numpy())

    def grid_of_households(ids: pd.Series) -> pd.Series:
        return ids.map(placed[~placed.index.duplicated()]).map(grid_of_building)

    def grid_of_persons(ids: pd.Series) -> pd.Series:
        res = files["residents"].frame
        known = res.loc[res["person_id"].isin(ids), ["person_id", "household_id"]].drop_duplicates("person_id")
        return grid_of_households(ids.map(known.set_index("person_id")["household_id"]))

    through = {"households": ("household_id", grid_of_households), "residents": ("household_id", grid_of_households),
               "elderly": ("person_id", grid_of_persons), "special_groups": ("person_id", grid_of_persons),
               "party_volunteers": ("person_id", grid_of_persons), "needs": ("household_id", grid_of_households),
               "grid_work": ("grid_id", lambda ids: ids)}
    grid = pd.Series(None, index=quality.index, dtype=object)
    for key, (column, lookup) in through.items():
        if key not in files:
            continue
        tf = files[key]
        mine = (quality["table"] == tf.table.name_zh) & (quality["row_kind"] != "feature")
        if not mine.any():
            continue
        rows = tf.frame.loc[tf.frame["_row"].isin(quality.loc[mine, "row"]), ["_row", column]]
        rows = rows.drop_duplicates("_row").set_index("_row")[column]
        grid[mine] = quality.loc[mine, "row"].map(pd.Series(lookup(rows).to_numpy(), index=rows.index)).to_numpy()
    features = (quality["row_kind"] == "feature") & (quality["table"] == "楼栋")
    grid[features] = quality.loc[features, "value"].map(grid_of_building)
    quality = quality.copy()
    quality["grid_id"] = grid.where(grid.notna(), None)
    return quality
