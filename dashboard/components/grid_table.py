"""Per-grid figures for grid meetings: counts only, small counts suppressed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from pipelines.privacy import suppress_small_counts

__all__ = ["grid_table"]

_COUNTS = ["households", "red", "yellow", "overdue_visits", "reports_open"]


def grid_table(grids: pd.DataFrame, lang: str) -> None:
    """One row per grid: households, share 60+, red, yellow, overdue visits, open reports, satisfaction."""
    view = grids.sort_values("grid_id").copy()
    view["share_60_plus"] = (view["aged_60_plus"] / view["residents"]).map(lambda v: f"{v:.0%}")
    view["mean_satisfaction"] = view["mean_satisfaction"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}")
    view = suppress_small_counts(view, _COUNTS)
    columns = {"name": t("grid", lang), "households": t("households", lang), "share_60_plus": t("share_60_plus", lang),
               "red": t("red", lang), "yellow": t("yellow", lang), "overdue_visits": t("overdue_visits", lang),
               "reports_open": t("open_reports", lang), "mean_satisfaction": t("satisfaction", lang)}
    # st.table is HTML, so the meeting CSS can make it readable from the back of the room
    st.table(view[list(columns)].rename(columns=columns).set_index(t("grid", lang)))
