"""The KPI strip: ten figures in two rows, large enough for a projector."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from pipelines.privacy import SMALL_COUNT

__all__ = ["kpi_strip"]

_ROWS = (("households", "residents", "share_60_plus", "overdue_visits", "open_reports"),
         ("red", "yellow", "blue", "open_needs", "open_hazards"))


def kpi_strip(figures: dict[str, object], lang: str, *, meeting: bool = False) -> None:
    """Draw the figures as ``st.metric`` tiles; in meeting mode counts of 1–2 show as "<3"."""
    for row in _ROWS:
        for col, key in zip(st.columns(len(row)), row, strict=True):
            value = figures[key]
            if key == "share_60_plus":
                # in a meeting a share of one or two people says as much as the count would
                few = meeting and int(figures["residents"]) < SMALL_COUNT  # type: ignore[call-overload]
                text = "—" if few else f"{float(value):.1%}"  # type: ignore[arg-type]
            elif meeting and 0 < int(value) < SMALL_COUNT:  # type: ignore[call-overload]
                text = f"<{SMALL_COUNT}"
            else:
                text = f"{int(value):,}"  # type: ignore[call-overload]
            col.metric(t(key, lang), text)
