"""Page-wide look shared by every page (presentation only: nothing private is ever hidden by CSS)."""

from __future__ import annotations

import streamlit as st

__all__ = ["SCREEN_CSS", "compact_page"]

# less empty space above the title: on a 1080-px screen the map should start above the middle
_PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 3.9rem !important;}
h1 {font-size: 2.1rem !important; padding-top: 0 !important; padding-bottom: 0.2rem !important;}
</style>"""


# an always-on screen: no sidebar, no toolbar, no page links; the map and the figures only
SCREEN_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stExpandSidebarButton"], [data-testid="stMainMenu"], #MainMenu
{display: none !important;}
[data-testid="stMainBlockContainer"] {padding-top: 1.2rem !important; padding-bottom: 0 !important;}
</style>"""


def compact_page() -> None:
    """Inject the page-wide CSS."""
    st.html(_PAGE_CSS)
