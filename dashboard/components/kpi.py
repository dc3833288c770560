"""The KPI strip: ten figures in two rows, large enough for a projector."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t

__all__ = ["kpi_strip"]

_ROWS = (("households", "residents", "share_60_plus", "overdue_visits", "open_reports"),
         ("red", "yellow", "blue", "open_needs", "open_hazards"))


def kpi_strip(figures: dict[str, object], lang: str) -> None:
    """Draw the figures as ``st.metric`` tiles."""
    for row in _ROWS:
        for col, key in zip(st.columns(len(row)), row, strict=True):
            value = figures[key]
            text = f"{float(value):.1%}" if key == "share_60_plus" else f"{int(value):,}"
            col.metric(t(key, lang), text)
