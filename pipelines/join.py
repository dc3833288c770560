"""Joins: households → buildings → grids, points → buildings and grids.

Households are placed by the explicit 楼栋编码, else 小区 + 楼号 columns,
else the parsed address.  Compound names match by name and alias, tolerant
of 小区/社区/宿舍/花园/院 suffixes; an unmatched one is reported with the
closest candidates.  Addresses are parsed once per distinct string.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from pipelines.address import chinese_to_int, clean_number, compound_key, parse_address

__all__ = ["map_unique", "CompoundIndex", "GridIndex", "place_households", "buildings_to_grids", "points_to_areas"]


class CompoundIndex:
    """Finds a compound id from any written form of its name or aliases.

    Exact names and aliases match first; then a name without its 小区/花园/苑 suffix
    (岱宗 → 岱宗花园).  A suffix-tolerant key shared by two compounds (岱宗花园 and
    岱宗小区) matches neither: the office must say which.
    """

    def __init__(self, compounds: pd.DataFrame) -> None:
        variants: dict[str, str] = {}
        keyed: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}
        self.exact: set[str] = set()
        self.display: list[str] = []
        for cid, name, aliases in zip(compounds["compound_id"], compounds["name"], compounds["aliases"],
                                      strict=True):
            names = [name] + [a.strip() for a in str(aliases or "").split(";") if a.strip()]
            self.display.append(name)
            self.names[cid] = name
            for n in names:
                variants[n] = cid
                self.exact.add(n)
                key = compound_key(n)
                if len(key) >= 2:
                    keyed.setdefault(key, set()).add(cid)
        self.ambiguous = {k: sorted(self.names[c] for c in ids) for k, ids in keyed.items() if len(ids) > 1}
        for key, ids in keyed.items():
            if key not in self.ambiguous:
                variants.setdefault(key, next(iter(ids)))
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
        if compound_key(parsed or text) in self.ambiguous:
            return None
        for variant, cid in self.variants.items():
            if variant in text:
                return cid
        return None

    def near_miss(self, text: str) -> str:
        """The compound name ``text`` was taken as, when it was written differently (岱宗花苑 → 岱宗花园); else "".

        A known name or alias, or a bare name without suffix (岱宗 for 岱宗花园), is not a near miss.
        """
        cid = self.find(text)
        if cid is None or text in self.exact:
            return ""
        written = parse_address(text).compound or text
        if written in self.exact or compound_key(written) == written:
            return ""
        return self.names[cid]

    def suggest(self, text: str) -> str:
        """Closest compound names to an unmatched one, for the quality report."""
        parsed = parse_address(text).compound or text
        if compound_key(parsed) in self.ambiguous:
            both = "、".join(self.ambiguous[compound_key(parsed)])
            return f"名称不明确，可能是：{both}；请写全称 / ambiguous: {both}; write the full name"
        chars = set(compound_key(parsed))
        # only names sharing two characters can be close (one, for a short name such as 松圆小区 → 松园小区,
        # when none shares two): keeps this fast with thousands of compounds
        pool = [n for n in self.display if len(chars & set(n)) >= min(2, len(chars))]
        if not difflib.get_close_matches(parsed, pool, n=1, cutoff=0.4) and len(chars) <= 3:
            pool = [n for n in self.display if chars & set(n)]
        close = difflib.get_close_matches(parsed, pool, n=3, cutoff=0.4)
        if close:
            return f"最接近的小区：{'、'.join(close)} / closest: {', '.join(close)}"
        return "请核对小区名称，或在小区图层中添加别名 / check the name or add it as an alias in the compounds layer"


def grid_key(text: str) -> str:
    """Key to compare grid references: 第三网格, 第3网格, 3网格 and 网格3 all give "3"; WG03 gives "WG3"."""
    key = unicodedata.normalize("NFKC", str(text or "")).replace(" ", "").upper()
    key = re.sub(r"^第|网格|社区|片区", "", key)
    key = re.sub(r"[零〇一二两三四五六七八九十百]+", lambda m: str(chinese_to_int(m.group()) or m.group()), key)
    return re.sub(r"(?<!\d)0+(?=\d)", "", key)


class GridIndex:
    """Finds a grid id from its code or its name as offices write them (WG03, 第三网格, 第3网格, 3网格)."""

    def __init__(self, grids: pd.DataFrame) -> None:
        self.lookup: dict[str, str] = {}
        self.names = dict(zip(grids["grid_id"], grids["name"], strict=True))
        keys: dict[str, set[str]] = {}
        for gid, name in self.names.items():
            for written in (gid, name):
                self.lookup[str(written)] = gid
                keys.setdefault(grid_key(written), set()).add(gid)
        for key, ids in keys.items():
            if len(ids) == 1 and key:
                self.lookup.setdefault(key, next(iter(ids)))

    def find(self, text: str) -> str | None:
        """Grid id for ``text``, or None."""
        return self.lookup.get(text) or self.lookup.get(grid_key(text))

    def resolve(self, values: pd.Series) -> pd.Series:
        """Grid id of every value (None where unknown)."""
        return map_unique(values.fillna(""), self.find)


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
    from_first = compound_id.notna()
    missing = need & compound_id.isna()
    compound_id[missing] = map_unique(compound_text[missing], compounds.find)
    written = first.where(from_first, compound_text)
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
    out["near_miss"] = ""
    placed_by_name = out["building_id"].notna() & compound_id.notna()
    out.loc[placed_by_name, "near_miss"] = map_unique(written[placed_by_name], compounds.near_miss)
    out.loc[no_compound, "problem"] = "小区名称无法匹配 / unknown compound"
    out.loc[no_compound, "suggestion"] = map_unique(compound_text[no_compound], compounds.suggest)
    no_building = unplaced & compound_id.notna()
    out.loc[no_building, "problem"] = "该小区中没有这个楼号 / no such building in the compound"
    out.loc[no_building, "suggestion"] = "核对楼号，或在楼栋图层中补充该楼 / check the number or add the building"
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
