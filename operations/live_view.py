"""The artifact's snapshot and the live store, read together (no Streamlit here; the dashboard caches it).

* Reports: the artifact holds the mini-program's export as of the build; the
  store holds live reports and imported ones.  A report in both (the same
  工单编号) is shown as the store has it.  Every status is shown in the
  workflow's words (信息采集 … 综合评价), whichever side it came from.
* Visits: a logged visit moves the household's last visit at once, and so its
  overdue mark, with the colour's interval of the build (flags.toml).
* Needs found on visits count as the household's open needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from operations.settings import UTC_TO_LOCAL
from operations.workflow import Workflow

__all__ = ["EXPORT_STATUS", "merge_report_points", "merge_report_table", "overlay_visits", "status_labels"]

#: the mini-program export's statuses → workflow states
EXPORT_STATUS: dict[str, str] = {"待受理": "submitted", "已受理": "accepted", "处理中": "in_progress",
                                 "已办结": "closed", "已评价": "rated"}


def _stack(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """``first`` then ``second``; a column empty on one side takes its type from the other."""
    columns = list(dict.fromkeys([*first.columns, *second.columns]))
    parts = [p.dropna(axis=1, how="all") for p in (first, second) if len(p)]
    if not parts:
        return first.reindex(columns=columns).reset_index(drop=True)
    return pd.concat(parts, ignore_index=True).reindex(columns=columns)


def status_labels(rules: Workflow, lang: str = "zh") -> list[str]:
    """The states' labels in workflow order (the seven steps, then the side exits)."""
    ordered = sorted(rules.states.values(), key=lambda s: (s.step is None, s.step or 0))
    return [s.en if lang == "en" else s.label for s in ordered]


def _state_of_export(values: pd.Series) -> pd.Series:
    return values.map(lambda v: EXPORT_STATUS.get(v, v))


def merge_report_points(artifact: pd.DataFrame, live: pd.DataFrame, codes: dict[str, np.ndarray],
                        rules: Workflow) -> pd.DataFrame:
    """The dashboard's report points, the artifact's and the store's, one row per report.

    Each with ``report_id``, building/grid/compound codes, category, status, day, lat, lon, ``is_open`` and
    ``overdue``.
    ``codes`` holds ``building_ids``, ``building_grid``, ``building_compound`` and ``grid_ids`` (the
    artifact's integer coding); a live report's building or grid unknown to the artifact gets -1.
    """
    open_states = set(rules.open_states)
    base = artifact.copy()
    state = _state_of_export(base["status"])
    base["status"] = state.map(lambda s: rules.label(s))
    base["is_open"] = state.isin(open_states).to_numpy()
    base["overdue"] = False
    if live.empty:
        return base.reset_index(drop=True)
    base = base[~base["report_id"].isin(set(live["number"]))]
    b = pd.Categorical(live["building_id"], categories=codes["building_ids"]).codes.astype(np.int64)
    grid = pd.Categorical(live["grid_id"], categories=codes["grid_ids"]).codes.astype(np.int64)
    safe = np.maximum(b, 0)
    rows = pd.DataFrame({
        "report_id": live["number"].to_numpy(dtype=object),
        "building": b,
        "grid": np.where(grid >= 0, grid, np.where(b >= 0, codes["building_grid"][safe], -1)),
        "compound": np.where(b >= 0, codes["building_compound"][safe], -1),
        "category": live["category"].to_numpy(dtype=object),
        "status": live["status"].map(lambda s: rules.label(s)).to_numpy(dtype=object),
        "day": pd.to_datetime(live["submitted_at"]).dt.normalize().to_numpy(),
        "is_open": live["status"].isin(open_states).to_numpy(),
        "lat": pd.to_numeric(live["lat"], errors="coerce").round(6).to_numpy(),
        "lon": pd.to_numeric(live["lon"], errors="coerce").round(6).to_numpy(),
        "overdue": live["overdue"].astype(bool).to_numpy(),
    })
    return _stack(base, rows)


def merge_report_table(artifact: pd.DataFrame | None, live: pd.DataFrame, rules: Workflow) -> pd.DataFrame | None:
    """The Tables page's reports: the artifact's rows (as built) and the store's; None when neither has any.

    Statuses in the workflow's words, an overdue mark, the store's row where both have the same 工单编号.
    """
    if artifact is None and live.empty:
        return None
    columns = list(artifact.columns) if artifact is not None else [
        "report_id", "submitted_at", "category", "description", "address", "lon", "lat", "status", "worker",
        "closed_at", "satisfaction", "channel", "building_id", "grid_id"]
    base = artifact.copy() if artifact is not None else pd.DataFrame(columns=columns)
    base["status"] = _state_of_export(base["status"]).map(lambda s: rules.label(s))
    base["overdue"] = False
    if live.empty:
        return base
    base = base[~base["report_id"].isin(set(live["number"]))]
    rows = pd.DataFrame({
        "report_id": live["number"], "submitted_at": pd.to_datetime(live["submitted_at"]) + UTC_TO_LOCAL,
        "category": live["category"], "description": live["description"], "address": live["address"],
        "lon": live["lon"], "lat": live["lat"], "status": live["status"].map(lambda s: rules.label(s)),
        "worker": live["assignee"], "closed_at": pd.to_datetime(live["closed_at"]) + UTC_TO_LOCAL,
        "satisfaction": pd.to_numeric(live["rating"], errors="coerce"), "channel": live["channel"],
        "building_id": live["building_id"].replace("", None), "grid_id": live["grid_id"].replace("", None),
        "overdue": live["overdue"].astype(bool)})
    rows = rows[[c for c in base.columns if c in rows.columns]]
    return _stack(base, rows)


def overlay_visits(last_visit: pd.Series, interval_days: pd.Series, overdue: pd.Series, household_ids: pd.Series,
                   logged: pd.Series, reference: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """Each household's last visit and overdue mark once the store's logged visits are counted.

    ``logged`` is the latest logged visit per household id; a household with none keeps what the build said.
    Overdue: more days since the last visit (at the build's reference date, or the visit's own day when it is
    later) than the colour's interval.
    """
    latest_logged = pd.to_datetime(household_ids.map(logged)).to_numpy()
    before = pd.to_datetime(last_visit).to_numpy()
    newest = pd.Series(np.where(pd.isna(before) | (latest_logged > before), latest_logged, before),
                       index=last_visit.index)
    newest = pd.to_datetime(newest)
    touched = ~pd.isna(latest_logged)
    when = np.maximum(reference.to_datetime64(), newest.to_numpy())
    days = (pd.to_datetime(pd.Series(when, index=last_visit.index)) - newest).dt.days
    recomputed = days > interval_days.astype(int)
    new_overdue = pd.Series(np.where(touched, recomputed, overdue.astype(bool)), index=overdue.index)
    return newest.where(touched, last_visit), new_overdue.astype(bool)
