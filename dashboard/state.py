"""Named session-state keys and query parameters, in one place.

The language and meeting-mode switches in the sidebar are the single source
of truth for both; a link's ``?lang=en`` or ``?mode=meeting`` only sets them
when a session starts, and the URL then follows the switches (page links drop
query parameters: :func:`keep_query_params` puts them back, so a copied URL
opens the same view).
"""

from __future__ import annotations

import streamlit as st

from operations.access import Viewer
from pipelines.selection import Selection

__all__ = ["COLOUR_MODE", "DRILLED", "FILTER_EMPTY", "FILTER_KEYS", "HEAT", "LANG", "MEETING", "SCREEN", "SELECTION",
           "apply_role", "current_lang", "current_selection", "keep_query_params", "meeting_mode", "screen_mode"]

COLOUR_MODE = "colour_mode"
MEETING = "meeting_mode"
SCREEN = "screen_mode"  # an always-on display: no sidebar, the map fills the screen, refreshes by itself
LANG = "ui_lang"
HEAT = "heat_layer"
SELECTION = "selection"
DRILLED = "drilled_into_grid"  # set by the map callback when a click chose a grid
# Selection field → widget key of the sidebar filter that sets it
FILTER_KEYS: dict[str, str] = {
    "grids": "f_grids", "compounds": "f_compounds", "flags": "f_flags", "groups": "f_groups",
    "age_bands": "f_age_bands", "report_categories": "f_report_categories", "report_statuses": "f_report_statuses",
    "hazard_types": "f_hazard_types", "hazard_statuses": "f_hazard_statuses", "dates": "f_dates",
}
# widget key → the value of "nothing chosen" (what 清除筛选 puts back into each widget)
FILTER_EMPTY: dict[str, object] = {key: () if field == "dates" else [] for field, key in FILTER_KEYS.items()}


def current_lang() -> str:
    """'en' or 'zh': the sidebar's language switch, set from ``?lang=en`` when the session starts."""
    if LANG not in st.session_state:
        st.session_state[LANG] = "en" if st.query_params.get("lang") == "en" else "zh"
    return "en" if st.session_state[LANG] == "en" else "zh"


def screen_mode() -> bool:
    """An always-on display (``?mode=screen``): what meeting mode shows, no sidebar, refreshed by itself."""
    if SCREEN not in st.session_state:
        st.session_state[SCREEN] = st.query_params.get("mode") == "screen"
    return bool(st.session_state[SCREEN])


def meeting_mode() -> bool:
    """The sidebar's meeting toggle (projector view, no personal data sent), set from ``?mode=meeting`` at start.

    Screen mode is a meeting view too: the same figures and no personal data.
    """
    if MEETING not in st.session_state:
        st.session_state[MEETING] = st.query_params.get("mode") in ("meeting", "screen")
    return bool(st.session_state[MEETING]) or screen_mode()


def keep_query_params() -> None:
    """Make the URL say what the switches say (only when it differs: every change is a browser history entry)."""
    mode = "screen" if screen_mode() else "meeting" if meeting_mode() else None
    wanted = {"lang": "en" if current_lang() == "en" else None, "mode": mode}
    for name, value in wanted.items():
        if value is None and name in st.query_params:
            del st.query_params[name]
        elif value is not None and st.query_params.get(name) != value:
            st.query_params[name] = value


def apply_role(viewer: Viewer) -> None:
    """The meeting account sees a meeting view only: the always-on screen, or ``?mode=meeting`` for the projector."""
    if viewer.meeting_only:
        st.session_state[MEETING] = True
        if SCREEN not in st.session_state:
            st.session_state[SCREEN] = st.query_params.get("mode") != "meeting"


def current_selection() -> Selection:
    """The filters set in the shared sidebar (no filter before the sidebar has run)."""
    value = st.session_state.get(SELECTION)
    return value if isinstance(value, Selection) else Selection()
