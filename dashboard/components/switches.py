"""The two switches at the top of the sidebar: meeting mode and language."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import LANGUAGES, t
from dashboard.state import LANG, MEETING, current_lang, keep_query_params, meeting_mode

__all__ = ["sidebar_switches"]


def sidebar_switches(lang: str, *, meeting_toggle: bool = True) -> None:
    """Draw the meeting toggle (not for the meeting account: it has the meeting view only) and the language."""
    meeting_mode()  # on a session's first run the link's ?mode= and ?lang= set the switches
    current_lang()
    if meeting_toggle:
        st.sidebar.toggle(t("meeting", lang), key=MEETING)
    st.sidebar.radio(t("language", lang), list(LANGUAGES), format_func=LANGUAGES.__getitem__, key=LANG,
                     horizontal=True, label_visibility="collapsed")
    keep_query_params()
