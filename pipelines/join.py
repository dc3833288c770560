"""Joins: households → buildings → grids, points → buildings and grids.

Households are placed by the explicit 楼栋编码, else 小区 + 楼号 columns,
else the parsed address.  Compound names match by name and alias, tolerant
of 小区/社区/宿舍/花园/院 suffixes; an unmatched one is reported with the
closest candidates.  Addresses are parsed once per distinct string.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from pipelines.address import clean_number, compound_key, parse_address

__all__ = ["map_unique", "CompoundIndex", "place_households", "buildings_to_grids", "points_to_areas"]


class CompoundIndex:
    """Finds a compound id from any written form of its name or aliases."""

    def __init__(self, compounds: pd.DataFrame) -> None:
        variants: dict[str, str] = {}
        self.display: list[str] = []
        for cid, name, aliases in zip(compounds["compound_id"], compounds["name"], compounds["aliases"],
                                      strict=True):
            names = [name] + [a.strip() for a in str(aliases or "").split(";") if a.strip()]
            self.display.append(name)
            for n in names:
                variants[n] = cid
                key = compound_key(n)
                if len(key) >= 2:
                    variants.setdefault(key, cid)
        # longest first, so 市委宿舍 wins over 市委
        self.variants = dict(sorted(variants.items(), key=lambda kv: -len(kv[0])))

    def find(self, text: str) -> str | None:
        """Compound id for ``text``: an exact name/alias (suffix-tolerant), else the longest contained one.

        The exact lookup is O(1); the substring scan is the slow fallback for
        free text in which the compound is not at the start.
        """
        if not text:
            return None
        exact = self.variants.get(text) or self.variants.get(compound_key(text))
        if exact:
            return exact
        parsed = parse_address(text).compound
        if parsed and parsed != text:
            exact = self.variants.get(parsed) or self.variants.get(compound_key(parsed))
            if exact:
                return exact
        for variant, cid in self.variants.items():
            if variant in text:
                return cid
        return None

    def suggest(self, text: str) -> str:
        """Closest compound names to an unmatched one, for the quality report."""
        parsed = parse_address(text).compound or text
        chars = set(compound_key(parsed))
        # only names sharing two characters can be close: keeps this fast with thousands of compounds
        pool = [n for n in self.display if len(chars & set(n)) >= min(2, len(chars))]
        close = difflib.get_close_matches(parsed, pool, n=3, cutoff=0.4)
        return ("最接近的小区 / closest: " + "、".join(close)) if close else "请核对小区名称或在小区图层中添加别名"


def map_unique(values: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """``values.map(func)`` calling ``func`` once per distinct value (addresses repeat)."""
    distinct = values.unique()
    return values.map(dict(zip(distinct, map(func, distinct), strict=True)))


def _building_key(compound_id: pd.Series, number: pd.Series) -> pd.Series:
    return compound_id.fillna("") + "|" + number.fillna("")


def place_households(households: pd.DataFrame, buildings: pd.DataFrame,
                     compounds: CompoundIndex) -> pd.DataFrame:
    """Building, unit and room for each household, and why a row could not be placed.

    Returns a frame aligned with ``households`` with columns ``building_id``
    (None when unplaced), ``unit``, ``room``, ``how`` and ``problem``.
    """
    by_key = pd.Series(buildings["building_id"].to_numpy(),
                       index=_building_key(buildings["compound_id"], map_unique(buildings["number"], clean_number)))
    by_key = by_key[~by_key.index.duplicated()]
    known = set(buildings["building_id"])
    out = pd.DataFrame(index=households.index)
    explicit = households["building_id"].where(households["building_id"].isin(known))
    addresses = households["address"].fillna("")
    explicit_ok = households["building_id"].isin(known)
    # parse only the addresses something is taken from (compound, number, unit or room left blank)
    wanted = (~explicit_ok & ((households["compound"] == "") | (households["building_number"] == ""))) | (
        households["unit"] == "") | (households["room"] == "")
    distinct = pd.Series(addresses[wanted].unique())
    fields = ["compound", "building", "unit", "floor", "room"]
    parsed = pd.DataFrame([parse_address(a).__dict__ for a in distinct], index=distinct,
                          columns=fields if distinct.empty else None)
    p = parsed.reindex(addresses.where(wanted, "\0").to_numpy()).set_axis(households.index)
    # the parsed compound part first: 青年路20号幸福苑 is in 幸福苑, not 青年路小区
    parsed_compound = p["compound"].fillna("")
    compound_text = households["compound"].where(households["compound"] != "", addresses)
    first = households["compound"].where(households["compound"] != "", parsed_compound)
    need = explicit.isna()  # rows with a valid 楼栋编码 need no compound
    compound_id = pd.Series(None, index=households.index, dtype=object)
    compound_id[need] = map_unique(first[need], compounds.find)
    missing = need & compound_id.isna()
    compound_id[missing] = map_unique(compound_text[missing], compounds.find)
    number = map_unique(households["building_number"], clean_number).where(households["building_number"] != "")
    number = number.fillna(p["building"])
    by_columns = _building_key(compound_id, number).map(by_key)
    out["building_id"] = explicit.fillna(by_columns)
    out["unit"] = map_unique(households["unit"], clean_number).where(households["unit"] != "").fillna(p["unit"])
    out["room"] = map_unique(households["room"], clean_number).where(households["room"] != "").fillna(p["room"])
    out["how"] = np.where(explicit.notna(), "楼栋编码", np.where(households["building_number"] != "",
                                                           "小区+楼号", "住址解析"))
    unplaced = out["building_id"].isna()
    out["problem"] = ""
    out["suggestion"] = ""
    no_compound = unplaced & compound_id.isna()
    out.loc[no_compound, "problem"] = "小区名称无法匹配 / unknown compound"
    out.loc[no_compound, "suggestion"] = compound_text[no_compound].map(compounds.suggest)
    no_building = unplaced & compound_id.notna()
    out.loc[no_building, "problem"] = "该小区中没有这个楼号 / no such building in the compound"
    out.loc[no_building, "suggestion"] = "核对楼号，或在楼栋图层中补充该楼"
    return out


def buildings_to_grids(buildings: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> pd.DataFrame:
    """Grid of each building by largest overlap, with the share of its area in that grid."""
    metric = buildings.estimate_utm_crs()
    b = buildings[["building_id", "geometry"]].to_crs(metric)
    g = grids[["grid_id", "geometry"]].to_crs(metric)
    pairs = gpd.sjoin(b, g, how="inner", predicate="intersects")
    inter = pairs.geometry.intersection(g.geometry.iloc[pairs["index_right"]].set_axis(pairs.index))
    pairs = pairs.assign(area=inter.area.to_numpy(), total=pairs.geometry.area.to_numpy())
    pairs = pairs.sort_values("area", ascending=False, kind="stable").drop_duplicates("building_id")
    share = (pairs["area"] / pairs["total"]).to_numpy()
    result = pd.DataFrame({"building_id": pairs["building_id"].to_numpy(), "grid_id": pairs["grid_id"].to_numpy(),
                           "grid_share": share})
    return buildings[["building_id"]].merge(result, on="building_id", how="left")


def points_to_areas(points: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, grids: gpd.GeoDataFrame,
                    *, max_distance_m: float = 40.0, max_grid_distance_m: float = 150.0) -> pd.DataFrame:
    """Nearest building (within ``max_distance_m``) and grid of each point.

    The grid is the one containing the point, else the nearest one within
    ``max_grid_distance_m`` (the streets around a community belong to it).
    """
    metric = grids.estimate_utm_crs()
    p = points[["geometry"]].to_crs(metric)
    b = buildings[["building_id", "geometry"]].to_crs(metric)
    # a point inside a footprint is in that building; only the others need the (slower) nearest search
    hit_point, hit_building = b.sindex.query(p.geometry.values, predicate="within")
    first = ~pd.Index(hit_point).duplicated()
    building_id = pd.Series(None, index=p.index, dtype=object)
    building_id.iloc[hit_point[first]] = b["building_id"].to_numpy()[hit_building[first]]
    rest = building_id.isna().to_numpy()
    if rest.any():
        near = gpd.sjoin_nearest(p[rest], b, how="left", max_distance=max_distance_m)
        near = near[~near.index.duplicated()]
        building_id[rest] = near["building_id"].reindex(p.index[rest]).to_numpy()
    inside = gpd.sjoin(p, grids[["grid_id", "geometry"]].to_crs(metric), how="left", predicate="within")
    inside = inside[~inside.index.duplicated()]
    grid_id = inside["grid_id"]
    outside = grid_id.isna()
    if outside.any():  # a report on the street at the edge belongs to the adjacent grid
        nearest = gpd.sjoin_nearest(p[outside.to_numpy()], grids[["grid_id", "geometry"]].to_crs(metric),
                                    how="left", max_distance=max_grid_distance_m)
        nearest = nearest[~nearest.index.duplicated()]
        grid_id = grid_id.fillna(nearest["grid_id"])
    return pd.DataFrame({"building_id": building_id.to_numpy(), "grid_id": grid_id.reindex(p.index).to_numpy()},
                        index=points.index)
