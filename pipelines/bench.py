"""``python -m pipelines bench``: build synthetic districts of 1, 10 and 100 communities.

Each scale copies the demo community side by side (shifted 1.6 km per
copy, every id and compound name made unique with a place-name prefix) and
runs the very same ``run_build`` on it, printing wall time per stage and
the peak memory of the build.  Scaled tables are written as UTF-8 CSV so
that preparing x100 does not take longer than building it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely import affinity

from pipelines.office_files import write_csv
from pipelines.readers import find_table_file, read_table
from pipelines.schema import LAYERS, REPORTS, TABLES

__all__ = ["make_district", "run_bench"]

SAMPLE = Path(__file__).resolve().parent.parent / "geodata" / "sample"
_PREFIX_A = "东西南北中上下前后新"
_PREFIX_B = "山河湖林泉园桥塘岭湾"
_ID_COLUMNS = {"person_id", "household_id", "building_id", "compound_id", "grid_id", "need_id", "hazard_id",
               "report_id"}


def _prefix(k: int) -> str:
    return _PREFIX_A[k // 10 % 10] + _PREFIX_B[k % 10]


def _renamed(frame: pd.DataFrame, k: int, names: list[str]) -> pd.DataFrame:
    """One copy of a table: ids prefixed with C<k>-, compound names prefixed with a place name."""
    out = frame.copy()
    tag = f"C{k:03d}-"
    for col in out.columns:
        if col in _ID_COLUMNS or col in ("location", "grid"):
            present = out[col].astype(str).str.len() > 0
            out.loc[present, col] = tag + out.loc[present, col].astype(str)
    for col in ("address", "compound", "location", "name", "aliases"):
        if col in out.columns and out[col].dtype == object:
            for name in names:  # longest first, so 市委宿舍 is replaced before 市委
                out[col] = out[col].str.replace(name, _prefix(k) + name, regex=False)
    return out


def _shift(frame: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["geometry"] = out.geometry.map(lambda g: affinity.translate(g, xoff=0.018 * (k % 10), yoff=0.015 * (k // 10)))
    for col in ("lon", "lat"):
        if col in out:
            offset = 0.018 * (k % 10) if col == "lon" else 0.015 * (k // 10)
            out[col] = pd.to_numeric(out[col], errors="coerce") + offset
    return out


def make_district(scale: int, out_dir: Path) -> None:
    """Write ``scale`` shifted copies of the demo community into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLE / "community.json", out_dir / "community.json")
    compounds = gpd.read_file(SAMPLE / "compounds.geojson")
    names = sorted(compounds["小区名称"], key=len, reverse=True)
    names += sorted({a for s in compounds["别名"].fillna("") for a in s.split(";") if a}, key=len, reverse=True)
    for key, layer in LAYERS.items():
        base = gpd.read_file(SAMPLE / f"{key}.geojson").rename(columns={c.header: c.key for c in layer.columns})
        copies = [_shift(gpd.GeoDataFrame(_renamed(base, k, names), crs=base.crs), k) for k in range(scale)]
        gpd.GeoDataFrame(pd.concat(copies, ignore_index=True), crs=base.crs).to_file(out_dir / f"{key}.gpkg")
    for table in [*TABLES.values(), REPORTS]:
        path = find_table_file(SAMPLE, table)
        if path is None:
            continue
        base = read_table(path, table).frame.drop(columns="_row")
        copies = []
        for k in range(scale):
            part = _renamed(base, k, names)
            if "lon" in part:
                lon = pd.to_numeric(part["lon"], errors="coerce") + 0.018 * (k % 10)
                lat = pd.to_numeric(part["lat"], errors="coerce") + 0.015 * (k // 10)
                part["lon"], part["lat"] = lon.round(6).astype(str).replace("nan", ""), lat.round(6).astype(
                    str).replace("nan", "")
            copies.append(part)
        write_csv(out_dir / f"{table.key}.csv", pd.concat(copies, ignore_index=True), encoding="utf-8")


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from pipelines.build import run_build
t = time.perf_counter()
summary = run_build(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)
print(json.dumps({"seconds": time.perf_counter() - t, "stages": summary.stage_seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "households": sum(summary.flags.values())}))
"""


def run_bench(scales: list[int]) -> list[dict[str, object]]:
    """Prepare and build each scale in a fresh process; print and return the figures."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for scale in scales:
            folder = Path(tmp) / f"x{scale}"
            started = time.perf_counter()
            make_district(scale, folder)
            prepared = time.perf_counter() - started
            proc = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(folder / "out.gpkg")],
                                  capture_output=True, text=True, check=True,
                                  cwd=Path(__file__).resolve().parent.parent)
            figures = json.loads(proc.stdout.strip().splitlines()[-1])
            figures.update(scale=scale, prepare_seconds=round(prepared, 1))
            results.append(figures)
            stages = "  ".join(f"{k} {v:.2f}s" for k, v in figures["stages"].items())
            print(f"x{scale:<4} households {figures['households']:>8,}  build {figures['seconds']:6.2f} s  "
                  f"peak {figures['peak_mb']:7.0f} MB   ({stages})", flush=True)
    return results
