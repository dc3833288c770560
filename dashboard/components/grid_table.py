"""Per-grid figures for grid meetings: counts only, rounded to 5, none for a small group; readable from the back."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from dashboard.safe_text import html_text
from pipelines.privacy import MIN_GROUP, meeting_count

__all__ = ["grid_table"]

_COUNTS = ["households", "red", "yellow", "overdue_visits", "reports_open"]
# short headers: a projector table must fit ten grids beside the map without wrapping
_HEADERS = {"name": "grid", "households": "households_short", "share_60_plus": "share_60_plus_short",
            "red": "red_short", "yellow": "yellow_short", "overdue_visits": "overdue_short",
            "reports_open": "reports_short"}


# type sized to the window: eleven rows fit the map's height on a 720-px projector, seven columns fit beside
# the map on a 1024-px one, and the table grows on a 4K screen; the screen view's column is narrower
_SIZE = {False: "clamp(0.8rem, min(2.3vh, 1.45vw), 2.8rem)", True: "clamp(0.85rem, min(2.4vh, 1.15vw), 3rem)"}


def grid_table(grids: pd.DataFrame, lang: str, *, narrow: bool = False) -> None:
    """One row per grid of the selection, as a large HTML table (``data-testid="grid-table"``)."""
    view = grids.sort_index().copy()
    few = view["households"] < MIN_GROUP  # a grid row of a handful of households would single them out
    view["share_60_plus"] = view["share_60_plus"].map(lambda v: f"{v:.0%}").where(~few, "—")
    for column in _COUNTS:
        view[column] = view[column].map(meeting_count).where(~few, "—")
    head = "".join(f"<th>{html_text(t(label, lang))}</th>" for label in _HEADERS.values())
    rows = "".join("<tr>" + "".join(f"<td>{html_text(row[c])}</td>" for c in _HEADERS) + "</tr>"
                   for _, row in view.iterrows())
    st.markdown(
        f'<style>#grid-table{{border-collapse:collapse;width:100%;font-size:{_SIZE[narrow]};color:#000}}'
        '#grid-table th,#grid-table td{white-space:nowrap;padding:0.2em 0.45em;border-bottom:1px solid #bbb;'
        'text-align:right;line-height:1.2}'
        '#grid-table th:first-child,#grid-table td:first-child{text-align:left;font-weight:700}'
        '#grid-table th{background:#1f3b73;color:#fff}</style>'
        f'<table id="grid-table" data-testid="grid-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>',
        unsafe_allow_html=True)
