"""Write the artifact atomically, with a change log against the previous build.

The GeoPackage is written to a temporary file beside the target and renamed
into place, so a failed build leaves the last good artifact untouched.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

__all__ = ["write_artifact", "read_meta", "change_log"]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns GDAL can store: lists and objects as text, booleans as ints."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        if out[col].dtype == bool or str(out[col].dtype) == "boolean":
            out[col] = out[col].astype("Int64")
        elif out[col].dtype == object:
            kind = pd.api.types.infer_dtype(out[col], skipna=True)
            if kind in ("string", "empty"):
                continue
            out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else
                                    (v.isoformat() if isinstance(v, (date, datetime)) else str(v)))
    return out


def change_log(previous: Path, households: pd.DataFrame) -> pd.DataFrame:
    """Households added, removed or changed colour since the artifact at ``previous``."""
    columns = ["household_id", "change", "old_flag", "new_flag"]
    if not previous.exists():
        return pd.DataFrame(columns=columns)
    try:
        old = pyogrio.read_dataframe(previous, layer="households", columns=["household_id", "flag"],
                                     read_geometry=False)
    except Exception:  # an unreadable old artifact just means no change log
        return pd.DataFrame(columns=columns)
    merged = old.merge(households[["household_id", "flag"]], on="household_id", how="outer",
                       suffixes=("_old", "_new"), indicator=True)
    change = pd.Series("flag_changed", index=merged.index)
    change[merged["_merge"] == "left_only"] = "removed"
    change[merged["_merge"] == "right_only"] = "added"
    changed = (merged["_merge"] != "both") | (merged["flag_old"] != merged["flag_new"])
    out = pd.DataFrame({"household_id": merged["household_id"], "change": change,
                        "old_flag": merged["flag_old"], "new_flag": merged["flag_new"]})[changed]
    return out.reset_index(drop=True)


def write_artifact(path: Path, layers: dict[str, pd.DataFrame], *, reference: date,
                   input_dir: Path, community: str = "") -> str | None:
    """Write every layer to ``path`` atomically; return a one-line change summary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    changes = change_log(path, layers["households"])
    had_previous = path.exists()
    previous_built_at = ""
    if had_previous:
        try:
            previous_built_at = read_meta(path).get("built_at", "")
        except Exception:  # an old artifact without meta: the change log still stands
            previous_built_at = ""
    meta = pd.DataFrame({"key": ["reference_date", "built_at", "input", "previous_build", "previous_built_at",
                                 "community"],
                         "value": [reference.isoformat(), datetime.now().isoformat(timespec="seconds"),
                                   str(input_dir), str(had_previous), previous_built_at, community]})
    fd, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=path.parent, prefix=".community-")
    os.close(fd)
    os.unlink(tmp_name)
    tmp = Path(tmp_name)
    try:
        for name, frame in {**layers, "changes": changes, "meta": meta}.items():
            data = _plain(frame)
            if isinstance(frame, gpd.GeoDataFrame):
                data = gpd.GeoDataFrame(data, geometry="geometry", crs=frame.crs)
            pyogrio.write_dataframe(data, tmp, layer=name, driver="GPKG", append=tmp.exists(), use_arrow=True)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    if not had_previous:
        return None
    counts = changes["change"].value_counts()
    return (f"新增 {counts.get('added', 0)} 户, 减少 {counts.get('removed', 0)} 户, "
            f"颜色变化 {counts.get('flag_changed', 0)} 户")


def read_meta(path: Path) -> dict[str, str]:
    """The artifact's meta layer as a dict (reference date, build time …)."""
    meta = pyogrio.read_dataframe(path, layer="meta", read_geometry=False)
    return dict(zip(meta["key"], meta["value"], strict=True))
