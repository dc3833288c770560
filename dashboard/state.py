"""Named session-state keys and query parameters, in one place."""

from __future__ import annotations

import streamlit as st

__all__ = ["COLOUR_MODE", "current_lang"]

COLOUR_MODE = "colour_mode"


def current_lang() -> str:
    """'en' when the page was opened with ``?lang=en``, else 'zh'."""
    return "en" if st.query_params.get("lang") == "en" else "zh"
