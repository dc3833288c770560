"""The KPI strip: ten figures in two rows, large enough for a projector."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from pipelines.privacy import SMALL_COUNT

__all__ = ["kpi_strip"]

_ROWS = (("households", "residents", "share_60_plus", "overdue_visits", "open_reports"),
         ("red", "yellow", "blue", "open_needs", "open_hazards"))
# figures counted by place (and their own filters), not by the household filters (colour, group, age band)
_BY_PLACE = frozenset({"open_reports", "open_hazards"})


def kpi_strip(figures: dict[str, object], lang: str, *, meeting: bool = False,
              households_filtered: bool = False) -> None:
    """Draw the figures as ``st.metric`` tiles; in meeting mode counts of 1–2 show as "<3".

    Reports and hazards belong to places, not households: their tiles say so
    (``help``), and when a household filter is on a caption under the strip
    says which figures it narrows.
    """
    for row in _ROWS:
        for col, key in zip(st.columns(len(row)), row, strict=True):
            col.metric(t(key, lang), _text(figures, key, meeting),
                       help=t("place_only_help", lang) if key in _BY_PLACE else None)
    if households_filtered:
        st.caption(t("place_only_note", lang))


def _text(figures: dict[str, object], key: str, meeting: bool) -> str:
    value = figures[key]
    if key == "share_60_plus":
        # in a meeting a share of one or two people says as much as the count would
        few = meeting and int(figures["residents"]) < SMALL_COUNT  # type: ignore[call-overload]
        return "—" if few else f"{float(value):.1%}"  # type: ignore[arg-type]
    if meeting and 0 < int(value) < SMALL_COUNT:  # type: ignore[call-overload]
        return f"<{SMALL_COUNT}"
    return f"{int(value):,}"  # type: ignore[call-overload]
