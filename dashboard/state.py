"""Named session-state keys and query parameters, in one place."""

from __future__ import annotations

import streamlit as st

from pipelines.selection import Selection

__all__ = ["COLOUR_MODE", "DRILLED", "FILTER_KEYS", "HEAT", "MEETING", "SELECTION", "current_lang", "current_selection",
           "meeting_mode"]

COLOUR_MODE = "colour_mode"
MEETING = "meeting_mode"
HEAT = "heat_layer"
SELECTION = "selection"
DRILLED = "drilled_into_grid"  # set by the map callback when a click chose a grid
# Selection field → widget key of the sidebar filter that sets it
FILTER_KEYS: dict[str, str] = {
    "grids": "f_grids", "compounds": "f_compounds", "flags": "f_flags", "groups": "f_groups",
    "age_bands": "f_age_bands", "report_categories": "f_report_categories", "report_statuses": "f_report_statuses",
    "hazard_types": "f_hazard_types", "hazard_statuses": "f_hazard_statuses", "dates": "f_dates",
}


def current_lang() -> str:
    """'en' when the page was opened with ``?lang=en``, else 'zh'."""
    return "en" if st.query_params.get("lang") == "en" else "zh"


def meeting_mode() -> bool:
    """True with ``?mode=meeting`` or the sidebar toggle: projector view, no personal data sent."""
    return st.query_params.get("mode") == "meeting" or bool(st.session_state.get(MEETING, False))


def current_selection() -> Selection:
    """The filters set in the shared sidebar (no filter before the sidebar has run)."""
    value = st.session_state.get(SELECTION)
    return value if isinstance(value, Selection) else Selection()
