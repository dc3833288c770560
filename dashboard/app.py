"""The ASGI entry point (``streamlit run dashboard/app.py``): the dashboard script with our error handler.

``streamlit_app.py`` stays the script (a router; AppTest runs it directly).
Wrapping it in ``st.App`` lets an error in a fragment or a widget callback,
which the router's own guard cannot catch, show our Chinese message too, and
adds the security headers (``dashboard/security.py``) to every response, the
login, logout and password routes, and the redirect of every page to the login
page while there is no session (``dashboard/routes.py``), the public report page under ``/report``
(``dashboard/report_routes.py``) and the Open311 API under ``/open311/v2/`` (``dashboard/open311.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.errors import show_script_error  # noqa: E402
from dashboard.open311 import ROUTES as OPEN311_ROUTES  # noqa: E402
from dashboard.report_routes import REPORT_ROUTES  # noqa: E402
from dashboard.routes import ROUTES, LoginRequired  # noqa: E402
from dashboard.security import SecurityHeaders  # noqa: E402

app = st.App("streamlit_app.py", on_script_error=show_script_error,
             routes=[*ROUTES, *REPORT_ROUTES, *OPEN311_ROUTES],
             middleware=[Middleware(SecurityHeaders), Middleware(LoginRequired)])
