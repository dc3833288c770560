"""Geodata IO: find and read the grids/compounds/buildings layers, CRS, GCJ-02, repair.

Layers are found by name in the input folder (``grids.geojson``,
``buildings.shp``, a layer of any ``.gpkg`` …).  Every layer must declare a
CRS; a layer whose CRS is given as ``GCJ-02`` (Amap/Tencent coordinates,
marked by a ``.gcj02`` in the file name) is converted to WGS-84.  Invalid
polygons are repaired with ``make_valid`` and reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from pipelines.readers import normalise_text
from pipelines.schema import Table, header_key

__all__ = ["GeoError", "LayerRead", "find_layer", "find_layers", "read_layer", "gcj02_to_wgs84", "wgs84_to_gcj02"]

GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


class GeoError(ValueError):
    """A geodata layer that is missing or unusable (fatal for the build)."""


@dataclass
class LayerRead:
    """A layer as read: features with English keys in WGS-84, notes for the summary, problem rows."""

    frame: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    problems: list[dict[str, object]] = field(default_factory=list)  # quality rows (row = feature number)

    def __iter__(self):  # type: ignore[no-untyped-def]
        """Unpack as ``frame, notes``."""
        return iter((self.frame, self.notes))


# China, generously (lon 73–136 E, lat 3–54 N): a layer outside it has a wrong or missing CRS
_CHINA = (73.0, 3.0, 136.0, 54.0)


def find_layers(folder: Path, layer: Table) -> list[tuple[Path, str | None]]:
    """Every (file, layer name inside it) in ``folder`` that holds ``layer``; more than one is an error."""
    found: list[tuple[Path, str | None]] = []
    for stem in (layer.key, layer.name_zh):
        for suffix in GEO_SUFFIXES:
            for name in (f"{stem}{suffix}", f"{stem}.gcj02{suffix}"):
                if (folder / name).exists():
                    found.append((folder / name, None))
    for gpkg in sorted(folder.glob("*.gpkg")):
        if gpkg.stem in (layer.key, layer.name_zh) or gpkg.stem.endswith(".gcj02"):
            continue
        names = [row[0] for row in pyogrio.list_layers(gpkg)]
        found += [(gpkg, stem) for stem in (layer.key, layer.name_zh) if stem in names]
    return found


def find_layer(folder: Path, layer: Table) -> tuple[Path, str | None] | None:
    """(file, layer name inside it) for ``layer`` in ``folder``, or None."""
    found = find_layers(folder, layer)
    return found[0] if found else None


def _problem(path: Path, layer: Table, feature: int, column: str, value: object, problem: str, suggestion: str,
             severity: str = "error") -> dict[str, object]:
    return {"severity": severity, "table": layer.name_zh, "file": path.name, "row": feature, "row_kind": "feature",
            "column": column, "value": "" if value is None else str(value), "problem": problem,
            "suggestion": suggestion}


def _check_coordinates(frame: gpd.GeoDataFrame, path: Path) -> list[str]:
    """Set or check the CRS: explain a layer in metres without one, swapped lat/lon, or a place outside China."""
    minx, miny, maxx, maxy = frame.total_bounds
    if (frame.crs is None or frame.crs.is_geographic) and _CHINA[1] <= minx and maxx <= _CHINA[3] \
            and _CHINA[0] <= miny and maxy <= _CHINA[2]:
        msg = (f"{path.name}: 经纬度顺序颠倒（X 为 {minx:.3f}、Y 为 {miny:.3f}，像是纬度、经度）："
               "请在导出时把 X 设为经度、Y 设为纬度 / longitude and latitude are swapped: "
               "export X = longitude, Y = latitude")
        raise GeoError(msg)
    degrees = -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    notes: list[str] = []
    if frame.crs is None or (frame.crs.is_geographic and not degrees):
        if not degrees:
            msg = (f"{path.name}: 坐标以米为单位（如 X={minx:.0f}, Y={miny:.0f}），但文件没有说明坐标系（缺少 .prj，或 "
                   "GeoJSON 里是投影坐标）。请在 QGIS 中为图层指定坐标系（如 CGCS2000 3度带 EPSG:4548），"
                   "再导出为 GeoJSON / the coordinates are in metres but the layer declares no CRS: set it in QGIS")
            raise GeoError(msg)
        frame = frame.set_crs("EPSG:4326", allow_override=True)
        notes.append(f"{path.name}: 未声明坐标系，按经纬度 WGS-84 读取；如来自高德/腾讯地图，请把文件命名为 "
                     f"*.gcj02.* / no CRS: read as WGS-84 longitude/latitude")
    wgs = frame.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = wgs.total_bounds
    if not (_CHINA[0] <= minx and maxx <= _CHINA[2] and _CHINA[1] <= miny and maxy <= _CHINA[3]):
        msg = (f"{path.name}: 图层不在中国境内（经度 {minx:.3f}–{maxx:.3f}，纬度 {miny:.3f}–{maxy:.3f}），"
               f"坐标系可能设错了（声明为 {frame.crs.to_string() if frame.crs else '无'}）。请在 QGIS 中核对 / "
               "the layer lies outside China: its CRS is probably wrong")
        raise GeoError(msg)
    return notes


def _rename_columns(frame: gpd.GeoDataFrame, layer: Table, path: Path) -> gpd.GeoDataFrame:
    mapping = layer.header_map()
    renames: dict[str, str] = {}
    for column in frame.columns:
        key = mapping.get(header_key(column)) if column != "geometry" else None
        if key and key not in renames.values():
            renames[column] = key
    frame = frame.rename(columns=renames)
    missing = [c.header for c in layer.columns if c.required and c.key not in frame]
    if missing:
        present = "、".join(str(c) for c in frame.columns if c != "geometry")
        msg = (f"{path.name}: 缺少列 {'、'.join(missing)}（图层中有：{present}）。Shapefile 的列名最多10个字节，"
               f"可用英文列名 {', '.join(c.key for c in layer.columns if c.required)} / missing columns")
        raise GeoError(msg)
    for col in layer.columns:
        if col.key not in frame:
            frame[col.key] = ""
        elif col.type == "text":
            frame[col.key] = frame[col.key].map(normalise_text)
    return frame


def read_layer(path: Path, layer_name: str | None, layer: Table) -> LayerRead:
    """Read a layer with English keys in WGS-84.

    Features that cannot be used (no geometry, not a polygon, an empty or repeated key) are
    left out and reported with their feature number; invalid polygons are repaired and reported.

    Raises
    ------
    GeoError
        The file cannot be read, lacks a required column, or its coordinates cannot be placed.
    """
    try:
        frame = gpd.read_file(path, layer=layer_name) if layer_name else gpd.read_file(path)
    except Exception as exc:
        msg = f"{path.name}: 图层无法读取，文件可能已损坏 / unreadable layer ({exc})"
        raise GeoError(msg) from exc
    frame = _rename_columns(frame, layer, path)
    frame["_feature"] = np.arange(1, len(frame) + 1)
    result = LayerRead(frame)
    usable = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if len(usable) == 0:
        msg = f"{path.name}: 图层中没有任何带图形的要素 / the layer has no features with geometry"
        raise GeoError(msg)
    result.notes = _check_coordinates(usable, path)
    if frame.crs is None:  # lon/lat without a declared CRS: read as WGS-84 (noted)
        frame = frame.set_crs("EPSG:4326")
    frame = frame.to_crs("EPSG:4326")
    if ".gcj02" in path.name:
        frame = frame.set_geometry(frame.geometry.map(_gcj_geometry_to_wgs84))
    frame = _drop_unusable(frame, layer, path, result)
    result.frame = frame[[c.key for c in layer.columns] + ["_feature", "geometry"]].reset_index(drop=True)
    result.frame.attrs["file"] = path.name
    return result


def _drop_unusable(frame: gpd.GeoDataFrame, layer: Table, path: Path, result: LayerRead) -> gpd.GeoDataFrame:
    """Repair invalid polygons; leave out (and report) features without a usable shape or key."""
    key = layer.primary_key or layer.keys[0]
    header = layer.column(key).header
    keep = np.ones(len(frame), dtype=bool)
    geometry = frame.geometry
    empty = (geometry.isna() | geometry.is_empty).to_numpy()
    for i in np.flatnonzero(empty):
        result.problems.append(_problem(path, layer, int(frame["_feature"].iloc[i]), header, frame[key].iloc[i],
                                        "要素没有图形（空几何），未导入 / feature has no geometry: left out",
                                        "在 QGIS 中为它画出范围，或删除这一要素 / draw its shape or delete it"))
    keep &= ~empty
    wanted = "Point" if layer.geometry == "Point" else "Polygon"
    types = geometry.geom_type.fillna("")
    wrong = keep & ~types.str.contains(wanted).to_numpy()
    for i in np.flatnonzero(wrong):
        result.problems.append(_problem(path, layer, int(frame["_feature"].iloc[i]), header, frame[key].iloc[i],
                                        f"图形是 {types.iloc[i]}，应为面（多边形），未导入 / not a polygon: left out",
                                        "把它画成面 / draw it as a polygon"))
    keep &= ~wrong
    invalid = keep & ~geometry.is_valid.to_numpy()
    if invalid.any():
        repaired = shapely.make_valid(geometry[invalid].values)
        polygonal = [_polygonal(g) for g in repaired]
        frame.loc[frame.index[invalid], "geometry"] = polygonal
        ids = ", ".join(frame.loc[invalid, key].astype(str).head(10))
        result.notes.append(f"{path.name}: 修复了 {int(invalid.sum())} 个无效多边形 / repaired invalid polygons: {ids}")
        for i in np.flatnonzero(invalid):
            result.problems.append(_problem(
                path, layer, int(frame["_feature"].iloc[i]), header, frame[key].iloc[i],
                "多边形无效（自相交等），已自动修复 / invalid polygon repaired",
                "在 QGIS 中核对它的形状 / check its shape", "warning"))
    blank = keep & (frame[key].astype(str) == "").to_numpy()
    for i in np.flatnonzero(blank):
        result.problems.append(_problem(path, layer, int(frame["_feature"].iloc[i]), header, "",
                                        f"{header}为空，未导入 / empty {key}: left out", f"填写{header} / fill it in"))
    keep &= ~blank
    repeated = keep & frame[key].where(keep).duplicated(keep="first").to_numpy() & ~blank
    for i in np.flatnonzero(repeated):
        result.problems.append(_problem(path, layer, int(frame["_feature"].iloc[i]), header, frame[key].iloc[i],
                                        f"{header}重复，未导入后一个 / duplicate {key}: later feature left out",
                                        "改为唯一编号 / make it unique"))
    keep &= ~repeated
    return frame[keep]


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygon parts of a repaired geometry (make_valid may add lines or points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geometry


_A, _EE = 6378245.0, 0.00669342162296594323


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → GCJ-02 (the published forward formula of the national offset)."""
    dlon, dlat = _delta(np.asarray(lon, float), np.asarray(lat, float))
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS-84 by fixed-point iteration of the forward formula (error < 1 cm)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(6):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (glon - lon), wlat - (glat - lat)
    return wlon, wlat


def _gcj_geometry_to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1])))
