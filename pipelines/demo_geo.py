"""Geometry of the demo community: grids, compounds, buildings, facility points.

Everything is laid out in metres in UTM zone 50N (EPSG:32650, which covers
Tai'an) and converted to WGS-84 at the end.  Grids are the cells of a
jittered 5 × 2 lattice, so they share their edges exactly and tile the
community with no gap or overlap; compounds and buildings are drawn in each
cell's own (u, v) parameter space and mapped with a bilinear map, which keeps
every compound inside its grid and every building inside its compound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Transformer

__all__ = ["CENTRE_LONLAT", "AREA_M2", "Quad", "CommunityGeometry", "layout_community"]

CENTRE_LONLAT = (117.12, 36.20)
AREA_M2 = 1_200_000.0
METRIC_CRS = "EPSG:32650"
GRID_COLUMNS, GRID_ROWS = 5, 2
COMPOUNDS_PER_GRID = (6, 5, 5, 6, 5, 5, 5, 5, 5, 5)  # 52 in all
BUILDING_TOTAL = 175

Point = tuple[float, float]


@dataclass(frozen=True)
class Quad:
    """A convex quadrilateral given by its corners (sw, se, ne, nw), in metres."""

    sw: Point
    se: Point
    ne: Point
    nw: Point

    def at(self, u: float, v: float) -> Point:
        """Bilinear map of parameter (u, v) in [0, 1]² into the quad."""
        x = ((1 - u) * (1 - v) * self.sw[0] + u * (1 - v) * self.se[0]
             + u * v * self.ne[0] + (1 - u) * v * self.nw[0])
        y = ((1 - u) * (1 - v) * self.sw[1] + u * (1 - v) * self.se[1]
             + u * v * self.ne[1] + (1 - u) * v * self.nw[1])
        return (x, y)

    def sub(self, u0: float, u1: float, v0: float, v1: float) -> Quad:
        """The image of the parameter rectangle [u0, u1] × [v0, v1]."""
        return Quad(self.at(u0, v0), self.at(u1, v0), self.at(u1, v1), self.at(u0, v1))

    def ring(self) -> list[Point]:
        """Closed exterior ring, counter-clockwise."""
        return [self.sw, self.se, self.ne, self.nw, self.sw]

    def width(self) -> float:
        """Mean length of the south and north edges, in metres."""
        return (float(np.hypot(*np.subtract(self.se, self.sw)))
                + float(np.hypot(*np.subtract(self.ne, self.nw)))) / 2

    def height(self) -> float:
        """Mean length of the west and east edges, in metres."""
        return (float(np.hypot(*np.subtract(self.nw, self.sw)))
                + float(np.hypot(*np.subtract(self.ne, self.se)))) / 2


@dataclass
class CommunityGeometry:
    """Quads of the demo community in metres, plus the WGS-84 transformer."""

    grids: list[Quad]
    compounds: list[list[Quad]]          # per grid
    buildings: list[list[Quad]]          # per compound, compounds in grid order
    lattice: np.ndarray                  # (cols+1, rows+1, 2) grid corners
    to_wgs84: Transformer

    def lonlat(self, point: Point) -> Point:
        """Convert one metric point to (lon, lat), rounded to 7 decimals (~1 cm)."""
        lon, lat = self.to_wgs84.transform(point[0], point[1])
        return (round(float(lon), 7), round(float(lat), 7))

    def ring_lonlat(self, quad: Quad) -> list[list[float]]:
        """The quad's ring in WGS-84 as GeoJSON coordinates."""
        return [list(self.lonlat(p)) for p in quad.ring()]


def _lattice(rng: np.random.Generator) -> np.ndarray:
    """Jittered lattice of grid corners, scaled to the community's area."""
    xs = np.linspace(0.0, 1200.0, GRID_COLUMNS + 1)
    ys = np.linspace(0.0, 1000.0, GRID_ROWS + 1)
    pts = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    pts = pts + rng.uniform(-35.0, 35.0, size=pts.shape)
    return pts


def _lattice_area(pts: np.ndarray) -> float:
    """Area of the lattice's outer boundary (shoelace formula)."""
    cols, rows = pts.shape[0] - 1, pts.shape[1] - 1
    ring = ([pts[i, 0] for i in range(cols + 1)] + [pts[cols, j] for j in range(1, rows + 1)]
            + [pts[i, rows] for i in range(cols - 1, -1, -1)] + [pts[0, j] for j in range(rows - 1, 0, -1)])
    xy = np.array(ring)
    x, y = xy[:, 0], xy[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def _compound_slots(count: int) -> list[tuple[float, float, float, float]]:
    """Parameter rectangles for ``count`` compounds in a grid: two rows, roads between."""
    top = (count + 1) // 2
    bottom = count - top
    slots = []
    for row, n in ((0, bottom), (1, top)):
        v0, v1 = (0.06, 0.47) if row == 0 else (0.53, 0.94)
        for k in range(n):
            u0 = 0.05 + k * 0.9 / n
            slots.append((u0 + 0.03, u0 + 0.9 / n - 0.03, v0, v1))
    return slots


def _buildings_in(compound: Quad, count: int, depths: list[float]) -> list[Quad]:
    """Slab buildings in rows (long side east-west), inside one compound."""
    cols = 1 if count <= 3 else 2
    rows = -(-count // cols)
    height = compound.height()
    quads = []
    for k in range(count):
        col, row = k % cols, k // cols
        u0, u1 = col / cols, (col + 1) / cols
        pad = min(0.15, max(0.05, 1 - 70.0 / max(compound.width() / cols, 1.0)) / 2 + 0.05)
        v_mid = (row + 0.5) / rows
        dv = min(depths[k] / height, 0.8 / rows) / 2
        quads.append(compound.sub(u0 + pad * (u1 - u0), u1 - pad * (u1 - u0), v_mid - dv, v_mid + dv))
    return quads


def _buildings_per_compound(rng: np.random.Generator, compounds: int) -> list[int]:
    """Building counts per compound (1 to 8), adding up to exactly 175."""
    counts = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7], size=compounds).astype(int)
    while counts.sum() != BUILDING_TOTAL:
        k = int(rng.integers(compounds))
        if counts.sum() < BUILDING_TOTAL and counts[k] < 8:
            counts[k] += 1
        elif counts.sum() > BUILDING_TOTAL and counts[k] > 1:
            counts[k] -= 1
    return [int(c) for c in counts]


def layout_community(rng: np.random.Generator, building_depths: list[float]) -> CommunityGeometry:
    """Lay out grids, compounds and buildings of the demo community.

    ``building_depths`` gives each of the 175 buildings its north-south depth
    in metres (slab buildings 12–13 m, towers deeper).
    """
    pts = _lattice(rng)
    pts = pts * np.sqrt(AREA_M2 / _lattice_area(pts))
    to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    cx, cy = to_metric.transform(*CENTRE_LONLAT)
    pts = pts - pts.reshape(-1, 2).mean(axis=0) + np.array([cx, cy])
    grids: list[Quad] = []
    for row in range(GRID_ROWS - 1, -1, -1):          # number grids from the north-west
        for col in range(GRID_COLUMNS):
            grids.append(Quad(tuple(pts[col, row]), tuple(pts[col + 1, row]),
                              tuple(pts[col + 1, row + 1]), tuple(pts[col, row + 1])))
    compounds = [[grid.sub(*slot) for slot in _compound_slots(n)]
                 for grid, n in zip(grids, COMPOUNDS_PER_GRID, strict=True)]
    flat = [c for per_grid in compounds for c in per_grid]
    counts = _buildings_per_compound(rng, len(flat))
    buildings, start = [], 0
    for compound, n in zip(flat, counts, strict=True):
        buildings.append(_buildings_in(compound, n, building_depths[start:start + n]))
        start += n
    to_wgs84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    return CommunityGeometry(grids, compounds, buildings, pts, to_wgs84)
