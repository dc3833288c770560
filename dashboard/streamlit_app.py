"""Entry point: who is looking, page config, the shared sidebar, navigation. Nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/streamlit_app.py` from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard import auth, data  # noqa: E402
from dashboard.assets import ensure_static, use_local_leaflet  # noqa: E402
from dashboard.components.account import account_box  # noqa: E402
from dashboard.components.filters import sidebar_filters  # noqa: E402
from dashboard.components.style import SCREEN_CSS, compact_page  # noqa: E402
from dashboard.components.switches import sidebar_switches  # noqa: E402
from dashboard.components.viewport import scale_type  # noqa: E402
from dashboard.errors import show_script_error  # noqa: E402
from dashboard.i18n import t  # noqa: E402
from dashboard.safe_text import md  # noqa: E402
from dashboard.state import apply_role, current_lang, meeting_mode, screen_mode  # noqa: E402

lang = current_lang()
viewer = auth.current_viewer()
if viewer is not None:
    apply_role(viewer)  # the meeting account sees the meeting view (the always-on screen by default)
path = data.artifact_path()
problem = data.artifact_problem(str(path), data.artifact_version(path))
# on a projector or an always-on screen the map needs the width: the filters stay one click away
st.set_page_config(page_title=data.app_title(lang) if problem is None else t("app_title", lang), layout="wide",
                   initial_sidebar_state="collapsed" if meeting_mode() else "auto")
ensure_static()
use_local_leaflet()
compact_page()
scale_type()
if viewer is None:  # not logged in: the way to the login page, and nothing else
    auth.login_prompt(lang)
    st.stop()
if screen_mode():
    st.html(SCREEN_CSS)
sidebar_switches(lang, meeting_toggle=not viewer.meeting_only)  # the URL follows them across pages
if problem is not None:  # missing, damaged or truncated: say which file and how to rebuild it, nothing else
    account_box(viewer, lang)
    st.error(problem)  # our own text and the admin's path: no data in it
    st.stop()
failure = data.last_build_failure(path)
if failure and not meeting_mode():  # the office should know the map is not from their latest files
    first, _, rest = failure.partition("\n")
    st.warning(t("last_build_failed", lang).format(when=first) + "\n\n" + md(rest.strip()[:600]))
facts = data.load_facts(str(path), data.artifact_version(path))
account_box(viewer, lang, dict(zip(facts.grid_ids, facts.grid_names, strict=True)))
refusal = data.demo_password_refusal(str(path), data.artifact_version(path))
if refusal:  # a community's own data while the README's demo passwords still open it
    st.error(refusal)
    st.stop()
try:
    # the filters are shared: map, KPIs and tables show the same households; a grid worker's are their grids
    sidebar_filters(facts, lang, grids=viewer.grids if viewer.scoped else None, meeting=meeting_mode())
    # No page icons: emoji need a font an intranet PC may lack, and Streamlit fetches a material
    # icon's favicon from a font CDN (caught by the e2e offline test)
    # a grid worker starts at their queue (我的工单); everyone else at the map
    worker_first = viewer.scoped and not meeting_mode()
    pages = [st.Page("app_pages/map.py", title=t("page_map", lang), default=not worker_first)]
    if meeting_mode() and not screen_mode():  # the projector: the map and the grid competition (grid figures)
        pages.append(st.Page("app_pages/competition.py", title=t("page_competition", lang)))
    if not meeting_mode():  # the projector and the screen show the map and grid figures only
        pages.insert(0 if worker_first else 1, st.Page(
            "app_pages/queue.py", title=t("page_my_queue" if viewer.scoped else "page_queue", lang),
            default=worker_first))
        pages.append(st.Page("app_pages/visits.py", title=t("page_visits", lang)))
        pages.append(st.Page("app_pages/competition.py", title=t("page_competition", lang)))
        pages.append(st.Page("app_pages/tables.py", title=t("page_tables", lang)))
        pages.append(st.Page("app_pages/quality.py", title=t("page_quality", lang)))
        if viewer.is_admin:
            pages.append(st.Page("app_pages/imports.py", title=t("page_imports", lang)))
            pages.append(st.Page("app_pages/users.py", title=t("page_users", lang)))
            pages.append(st.Page("app_pages/audit.py", title=t("page_audit", lang)))
    st.navigation(pages).run()
except Exception as exc:  # never Streamlit's English box (it names Streamlit Cloud): ours, and the log
    show_script_error(exc)
