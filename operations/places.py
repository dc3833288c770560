"""Where a report is: the artifact's compounds, buildings and grids, for pickers and for "which grid is this in".

Read from the built artifact (``build/community.gpkg``): names and shapes only, no personal data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import shapely
import shapely.ops

__all__ = ["Place", "Places", "current_places", "load_places"]


@dataclass(frozen=True)
class Place:
    """A report's place: the building (when known), its compound and grid, and a point."""

    building_id: str = ""
    compound_id: str = ""
    grid_id: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str = ""


class Places:
    """Compounds with their buildings, and the grids' shapes, of one artifact."""

    def __init__(self, path: Path) -> None:
        buildings = gpd.read_file(path, layer="buildings", columns=["building_id", "compound_id", "grid_id",
                                                                     "number"])
        compounds = gpd.read_file(path, layer="compounds", columns=["compound_id", "name"])
        grids = gpd.read_file(path, layer="grids", columns=["grid_id", "name"])
        self.compound_names: dict[str, str] = dict(zip(compounds["compound_id"], compounds["name"], strict=True))
        self.grid_names: dict[str, str] = dict(zip(grids["grid_id"], grids["name"], strict=True))
        points = buildings.geometry.representative_point()
        self._building: dict[str, Place] = {}
        for bid, cid, gid, number, point in zip(buildings["building_id"], buildings["compound_id"],
                                                buildings["grid_id"], buildings["number"], points, strict=True):
            label = f"{self.compound_names.get(cid, cid or '')} {number}号楼".strip()
            self._building[str(bid)] = Place(str(bid), str(cid or ""), str(gid or ""), round(point.y, 6),
                                             round(point.x, 6), label)
        self._grids = grids[["grid_id", "geometry"]].reset_index(drop=True)
        self._buildings = buildings[["building_id", "geometry"]].reset_index(drop=True)
        bounds = grids.total_bounds
        self.bounds = ((float(bounds[1]), float(bounds[0])), (float(bounds[3]), float(bounds[2])))

    def compounds(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(compound id, name, [(building id, label)]) sorted by name, for a compound → building picker."""
        grouped: dict[str, list[tuple[str, str]]] = {}
        for place in self._building.values():
            grouped.setdefault(place.compound_id, []).append((place.building_id, place.address))
        return sorted(((cid, self.compound_names.get(cid, cid), sorted(items, key=lambda x: _natural(x[1])))
                       for cid, items in grouped.items()), key=lambda x: x[1])

    def building(self, building_id: str) -> Place | None:
        """The place of a building, or None when the artifact has no such building."""
        return self._building.get(building_id)

    def at(self, lat: float, lon: float) -> Place:
        """The place of a point: the building it falls in (if any) and the grid it lies in."""
        point = shapely.Point(lon, lat)
        hits = self._buildings.sindex.query(point, predicate="intersects")
        if len(hits):
            found = self._building[str(self._buildings.iloc[int(hits[0])]["building_id"])]
            return Place(found.building_id, found.compound_id, found.grid_id, round(lat, 6), round(lon, 6),
                         found.address)
        grid_hits = self._grids.sindex.query(point, predicate="intersects")
        grid = str(self._grids.iloc[int(grid_hits[0])]["grid_id"]) if len(grid_hits) else ""
        return Place("", "", grid, round(lat, 6), round(lon, 6), "")

    def near_grid(self, lat: float, lon: float, max_metres: float = 150.0) -> str:
        """The grid nearest to a point outside every grid, within ``max_metres``, else "".

        As the build places reports (``pipelines.join.points_to_areas``): a report on the street at the
        edge of the community belongs to the adjacent grid.
        """
        point = shapely.Point(lon, lat)
        reach = max_metres / 111_000 / max(math.cos(math.radians(lat)), 0.1)  # degrees of longitude, the wider
        best, best_metres = "", max_metres
        for hit in self._grids.sindex.query(point.buffer(reach)):
            near, _ = shapely.ops.nearest_points(self._grids.geometry.iloc[int(hit)], point)
            metres = math.hypot((near.x - lon) * 111_320 * math.cos(math.radians(lat)), (near.y - lat) * 110_574)
            if metres <= best_metres:
                best, best_metres = str(self._grids.iloc[int(hit)]["grid_id"]), metres
        return best

    def contains(self, lat: float, lon: float, margin_deg: float = 0.01) -> bool:
        """True when the point lies within the community (its grids' box, with a margin of about 1 km)."""
        (south, west), (north, east) = self.bounds
        return south - margin_deg <= lat <= north + margin_deg and west - margin_deg <= lon <= east + margin_deg


def _natural(text: str) -> tuple[object, ...]:
    """Sort key that puts 2号楼 before 10号楼."""
    import re

    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


@lru_cache(maxsize=4)
def _load(path: str, version: float) -> Places:
    return Places(Path(path))


def load_places(path: Path) -> Places:
    """The places of the artifact at ``path`` (read once per build of it)."""
    return _load(str(path), path.stat().st_mtime)


def current_places() -> Places | None:
    """The places of the artifact in use (``settings.artifact_path``), or None when it is not built yet."""
    from operations.settings import artifact_path

    path = artifact_path()
    return load_places(path) if path.exists() else None
