"""Per-grid figures for grid meetings: counts only, rounded to 5, none for a small group; readable from the back."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from pipelines.privacy import MIN_GROUP, meeting_count

__all__ = ["grid_table"]

_COUNTS = ["households", "red", "yellow", "overdue_visits", "reports_open"]
# short headers: a projector table must fit ten grids beside the map without wrapping
_HEADERS = {"name": "grid", "households": "households_short", "share_60_plus": "share_60_plus_short",
            "red": "red_short", "yellow": "yellow_short", "overdue_visits": "overdue_short",
            "reports_open": "reports_short"}


def grid_table(grids: pd.DataFrame, lang: str) -> None:
    """One row per grid of the selection, as a large HTML table (``data-testid="grid-table"``)."""
    view = grids.sort_index().copy()
    few = view["households"] < MIN_GROUP  # a grid row of a handful of households would single them out
    view["share_60_plus"] = view["share_60_plus"].map(lambda v: f"{v:.0%}").where(~few, "—")
    for column in _COUNTS:
        view[column] = view[column].map(meeting_count).where(~few, "—")
    head = "".join(f"<th>{html.escape(t(label, lang))}</th>" for label in _HEADERS.values())
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(row[c]))}</td>" for c in _HEADERS) + "</tr>"
                   for _, row in view.iterrows())
    st.markdown(
        '<style>#grid-table{border-collapse:collapse;width:100%;font-size:1.35rem;color:#000}'
        '#grid-table th,#grid-table td{white-space:nowrap;padding:0.25rem 0.6rem;border-bottom:1px solid #bbb;'
        'text-align:right}#grid-table th:first-child,#grid-table td:first-child{text-align:left;font-weight:700}'
        '#grid-table th{background:#1f3b73;color:#fff}</style>'
        f'<table id="grid-table" data-testid="grid-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>',
        unsafe_allow_html=True)
