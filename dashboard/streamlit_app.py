"""Entry point: page config, the shared sidebar, navigation. Nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/streamlit_app.py` from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard import data  # noqa: E402
from dashboard.assets import ensure_static, use_local_leaflet  # noqa: E402
from dashboard.components.filters import sidebar_filters  # noqa: E402
from dashboard.components.style import SCREEN_CSS, compact_page  # noqa: E402
from dashboard.components.switches import sidebar_switches  # noqa: E402
from dashboard.components.viewport import scale_type  # noqa: E402
from dashboard.errors import show_script_error  # noqa: E402
from dashboard.i18n import t  # noqa: E402
from dashboard.state import current_lang, meeting_mode, screen_mode  # noqa: E402

lang = current_lang()
path = data.artifact_path()
problem = data.artifact_problem(str(path), data.artifact_version(path))
# on a projector or an always-on screen the map needs the width: the filters stay one click away
st.set_page_config(page_title=data.app_title(lang) if problem is None else t("app_title", lang), layout="wide",
                   initial_sidebar_state="collapsed" if meeting_mode() else "auto")
ensure_static()
use_local_leaflet()
compact_page()
scale_type()
if screen_mode():
    st.html(SCREEN_CSS)
sidebar_switches(lang)  # meeting mode and language; the URL follows them across pages
if problem is not None:  # missing, damaged or truncated: say which file and how to rebuild it, nothing else
    st.error(problem)  # our own text and the admin's path: no data in it
    st.stop()
try:
    # the filters are shared: map, KPIs and tables show the same households
    sidebar_filters(data.load_facts(str(path), data.artifact_version(path)), lang)
    # No page icons: emoji need a font an intranet PC may lack, and Streamlit fetches a material
    # icon's favicon from a font CDN (caught by the e2e offline test)
    pages = [st.Page("app_pages/map.py", title=t("page_map", lang), default=True)]
    if not meeting_mode():  # the projector and the screen show the map and grid figures only
        pages.append(st.Page("app_pages/tables.py", title=t("page_tables", lang)))
        pages.append(st.Page("app_pages/quality.py", title=t("page_quality", lang)))
    st.navigation(pages).run()
except Exception as exc:  # never Streamlit's English box (it names Streamlit Cloud): ours, and the log
    show_script_error(exc)
