"""Named session-state keys and query parameters, in one place."""

from __future__ import annotations

import streamlit as st

__all__ = ["COLOUR_MODE", "MEETING", "current_lang", "meeting_mode"]

COLOUR_MODE = "colour_mode"
MEETING = "meeting_mode"


def current_lang() -> str:
    """'en' when the page was opened with ``?lang=en``, else 'zh'."""
    return "en" if st.query_params.get("lang") == "en" else "zh"


def meeting_mode() -> bool:
    """True with ``?mode=meeting`` or the sidebar toggle: projector view, no personal data sent."""
    return st.query_params.get("mode") == "meeting" or bool(st.session_state.get(MEETING, False))
