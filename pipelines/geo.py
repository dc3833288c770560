"""Geodata IO: find and read the grids/compounds/buildings layers, CRS, GCJ-02, repair.

Layers are found by name in the input folder (``grids.geojson``,
``buildings.shp``, a layer of any ``.gpkg`` …).  Every layer must declare a
CRS; a layer whose CRS is given as ``GCJ-02`` (Amap/Tencent coordinates,
marked by a ``.gcj02`` in the file name) is converted to WGS-84.  Invalid
polygons are repaired with ``make_valid`` and reported.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from pipelines.readers import normalise_text
from pipelines.schema import Table, header_key

__all__ = ["GeoError", "find_layer", "read_layer", "gcj02_to_wgs84", "wgs84_to_gcj02"]

GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


class GeoError(ValueError):
    """A geodata layer that is missing or unusable (fatal for the build)."""


def find_layer(folder: Path, layer: Table) -> tuple[Path, str | None] | None:
    """(file, layer name inside it) for ``layer`` in ``folder``, or None."""
    for stem in (layer.key, layer.name_zh):
        for suffix in GEO_SUFFIXES:
            for name in (f"{stem}{suffix}", f"{stem}.gcj02{suffix}"):
                if (folder / name).exists():
                    return folder / name, None
    for gpkg in sorted(folder.glob("*.gpkg")):
        names = [row[0] for row in pyogrio.list_layers(gpkg)]
        for stem in (layer.key, layer.name_zh):
            if stem in names:
                return gpkg, stem
    return None


def read_layer(path: Path, layer_name: str | None, layer: Table) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read a layer with English keys in WGS-84; return it and notes on repairs."""
    try:
        frame = gpd.read_file(path, layer=layer_name) if layer_name else gpd.read_file(path)
    except Exception as exc:
        msg = f"{path.name}: 图层无法读取 / unreadable layer ({exc})"
        raise GeoError(msg) from exc
    if frame.crs is None:
        msg = f"{path.name}: 缺少坐标系（CRS）/ layer has no CRS: 请在 QGIS 中指定坐标系后另存"
        raise GeoError(msg)
    mapping = layer.header_map()
    frame = frame.rename(columns={c: mapping[header_key(c)] for c in frame.columns
                                  if c != "geometry" and header_key(c) in mapping})
    missing = [c.header for c in layer.columns if c.required and c.key not in frame]
    if missing:
        msg = f"{path.name}: 缺少列 {', '.join(missing)} / missing columns"
        raise GeoError(msg)
    for col in layer.columns:
        if col.key not in frame:
            frame[col.key] = ""
        elif col.type == "text":
            frame[col.key] = frame[col.key].map(normalise_text)
    frame = frame.to_crs("EPSG:4326")
    if ".gcj02" in path.name:
        frame = frame.set_geometry(frame.geometry.map(_gcj_geometry_to_wgs84))
    notes = []
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        ids = ", ".join(frame.loc[invalid, layer.primary_key or layer.keys[0]].astype(str).head(10))
        notes.append(f"{path.name}: 修复了 {int(invalid.sum())} 个无效多边形 / repaired invalid polygons: {ids}")
        frame.loc[invalid, "geometry"] = shapely.make_valid(frame.loc[invalid, "geometry"].values)
    return frame[[c.key for c in layer.columns] + ["geometry"]], notes


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
