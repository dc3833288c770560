"""Write the artifact atomically, with a change log against the previous build.

The GeoPackage is written to a temporary file beside the target and renamed
into place, so a failed build leaves the last good artifact untouched.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

__all__ = ["ARTIFACT_LAYERS", "ArtifactError", "check_artifact", "change_log", "read_meta",
           "remove_stale_temporaries", "write_artifact"]

#: Layers every artifact has (empty ones keep their columns).
ARTIFACT_LAYERS = ("grids", "compounds", "buildings", "households", "residents", "elderly", "special_groups",
                   "needs", "party_volunteers", "hazards", "reports", "facilities", "grid_work", "quality", "changes",
                   "meta")


class ArtifactError(RuntimeError):
    """The artifact cannot be used: missing, damaged, truncated or from an older version."""


def _rebuild_hint(path: Path) -> str:
    return (f"请重新构建：python -m pipelines build --input 你的数据文件夹 --out {path}"
            f"（示例社区：make run 会自动构建） / rebuild it with python -m pipelines build")


def check_artifact(path: Path) -> None:
    """Raise :class:`ArtifactError` naming ``path`` and how to rebuild it unless it is a usable artifact."""
    if not path.exists():
        msg = f"数据包不存在：{path}。{_rebuild_hint(path)}"
        raise ArtifactError(msg)
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
        if head != b"SQLite format 3\x00":
            msg = f"{path} 不是 GeoPackage 数据包（文件头不对，可能被截断或覆盖）。{_rebuild_hint(path)}"
            raise ArtifactError(msg)
        names = {name for name, _ in pyogrio.list_layers(path)}
        missing = [n for n in ARTIFACT_LAYERS if n not in names]
        if missing:
            msg = f"数据包 {path} 缺少图层 {', '.join(missing)}（可能由旧版本生成或写入中断）。{_rebuild_hint(path)}"
            raise ArtifactError(msg)
        pyogrio.read_info(path, layer="households")
        read_meta(path)
    except ArtifactError:
        raise
    except Exception as exc:  # pyogrio/sqlite: "database disk image is malformed", "file is not a database" …
        msg = f"数据包 {path} 已损坏，无法读取（{exc}）。{_rebuild_hint(path)}"
        raise ArtifactError(msg) from exc


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


_TEMP_PREFIX = ".community-"


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary artifacts left by a build that was killed (their process is gone); return them.

    A killed build's temporary file holds every layer, names and ID numbers included: it must not stay.
    The writing process's id is in the name, so a build running at the same time keeps its own.
    """
    removed = []
    for leftover in folder.glob(f"{_TEMP_PREFIX}*"):
        match = re.match(rf"{re.escape(_TEMP_PREFIX)}(\d+)-", leftover.name)
        if match and _alive(int(match.group(1))):
            continue
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def change_log(previous: Path, households: pd.DataFrame) -> pd.DataFrame:
    """Households added, removed or changed colour since the artifact at ``previous``.

    ``grid_id`` is the household's grid now (before, for a removed one), so that a grid's meeting pack can
    count its own changes.
    """
    columns = ["household_id", "change", "old_flag", "new_flag", "grid_id"]
    if not previous.exists():
        return pd.DataFrame(columns=columns)
    try:
        old = pyogrio.read_dataframe(previous, layer="households", read_geometry=False)
    except Exception:  # an unreadable old artifact just means no change log
        return pd.DataFrame(columns=columns)
    old = old.reindex(columns=["household_id", "flag", "grid_id"])
    new = households.reindex(columns=["household_id", "flag", "grid_id"])
    merged = old.merge(new, on="household_id", how="outer", suffixes=("_old", "_new"), indicator=True)
    change = pd.Series("flag_changed", index=merged.index)
    change[merged["_merge"] == "left_only"] = "removed"
    change[merged["_merge"] == "right_only"] = "added"
    changed = (merged["_merge"] != "both") | (merged["flag_old"] != merged["flag_new"])
    out = pd.DataFrame({"household_id": merged["household_id"], "change": change,
                        "old_flag": merged["flag_old"], "new_flag": merged["flag_new"],
                        "grid_id": merged["grid_id_new"].fillna(merged["grid_id_old"])})[changed]
    return out.reset_index(drop=True)


def write_artifact(path: Path, layers: dict[str, pd.DataFrame], *, reference: date,
                   input_dir: Path, community: str = "", rules: Path | None = None) -> str | None:
    """Write every layer to ``path`` atomically; return a one-line change summary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    changes = change_log(path, layers["households"])
    had_previous = path.exists()
    previous_built_at = ""
    if had_previous:
        try:
            previous_built_at = read_meta(path).get("built_at", "")
        except ArtifactError:  # an old artifact without meta: the change log still stands
            previous_built_at = ""
    # input and rules as absolute paths: `make run` rebuilds from the folder an artifact came from, never the demo
    meta = pd.DataFrame({"key": ["reference_date", "built_at", "input", "previous_build", "previous_built_at",
                                 "community", "rules"],
                         "value": [reference.isoformat(), datetime.now().isoformat(timespec="seconds"),
                                   str(input_dir.resolve()), str(had_previous), previous_built_at, community,
                                   str(rules.resolve()) if rules else ""]})
    remove_stale_temporaries(path.parent)
    fd, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=path.parent, prefix=f"{_TEMP_PREFIX}{os.getpid()}-")
    os.close(fd)
    os.unlink(tmp_name)
    tmp = Path(tmp_name)
    umask = os.umask(0o077)  # the artifact holds names and ID numbers: owner only, while written and after
    try:
        for name, frame in {**layers, "changes": changes, "meta": meta}.items():
            data = _plain(frame)
            if isinstance(frame, gpd.GeoDataFrame):
                data = gpd.GeoDataFrame(data, geometry="geometry", crs=frame.crs)
            pyogrio.write_dataframe(data, tmp, layer=name, driver="GPKG", append=tmp.exists(), use_arrow=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        os.umask(umask)
        for leftover in (tmp, *tmp.parent.glob(tmp.name + "-*")):  # the file and SQLite's -journal/-wal
            leftover.unlink(missing_ok=True)
    if not had_previous:
        return None
    counts = changes["change"].value_counts()
    return (f"新增 {counts.get('added', 0)} 户, 减少 {counts.get('removed', 0)} 户, "
            f"颜色变化 {counts.get('flag_changed', 0)} 户")


def read_meta(path: Path) -> dict[str, str]:
    """The artifact's meta layer as a dict (reference date, build time, input folder …).

    Raises
    ------
    ArtifactError
        The file is missing or cannot be read as an artifact.
    """
    try:
        meta = pyogrio.read_dataframe(path, layer="meta", read_geometry=False)
    except Exception as exc:
        msg = f"数据包 {path} 无法读取（{exc}）"
        raise ArtifactError(msg) from exc
    return dict(zip(meta["key"], meta["value"].fillna(""), strict=True))
