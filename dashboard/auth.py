"""The viewer of this browser session, from the HttpOnly cookie the login route set (see ``routes.py``).

Checked against the store on every run of the script: a logout in another
tab, a password change or an expired session takes effect at the next click.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from dashboard.routes import COOKIE
from operations import access, audit
from operations.access import Viewer
from operations.store import db
from pipelines.office_files import export_xlsx

__all__ = ["address", "administrator", "audited_export", "current_viewer",
           "login_prompt", "record_unmask", "token_from_browser"]


def token_from_browser() -> str | None:
    """The session token the browser sent (never readable by scripts in the page: HttpOnly)."""
    return st.context.cookies.get(COOKIE)


def address() -> str:
    """The viewer's network address, for the audit log ("" where the server does not know it)."""
    value = st.context.ip_address
    return value if isinstance(value, str) else ""


def current_viewer() -> Viewer | None:
    """Who is looking, or None when nobody is logged in (or the session ended)."""
    with db() as session:
        return access.viewer_for(session, token_from_browser())


def administrator(lang: str) -> Viewer | None:
    """The viewer if an administrator, else None with a message (the router shows admin pages to them only)."""
    viewer = current_viewer()
    if viewer is None or not viewer.is_admin:
        st.error(t("admins_only", lang))
        return None
    return viewer


def login_prompt(lang: str) -> None:
    """What a browser without a session sees: a link to the login page, and nothing else."""
    st.title(t("app_title", lang))
    st.info(t("login_needed", lang))
    st.link_button(t("login", lang), f"/login?lang={lang}" if lang == "en" else "/login")


def audited_export(viewer: Viewer, where: str, what: str, frame: pd.DataFrame, *, title: str,
                   yes_no: tuple[str, str] = ("是", "否")) -> bytes:
    """An Excel export of ``frame`` (already masked for ``viewer``), written to the audit log when it is made.

    Passed to ``st.download_button`` as a callable: it runs when the viewer clicks.
    """
    data = export_xlsx(frame, title=title, yes_no=yes_no)
    with db() as session:
        audit.record(session, "export", actor=viewer.username, role=viewer.role.value, target=what,
                     detail=f"{len(frame)} 行 / rows", address=where)
    return data


def record_unmask(viewer: Viewer, household_id: str, reason: str) -> None:
    """Write one household's unmasking, with its reason, to the audit log (before anything is shown)."""
    with db() as session:
        audit.record(session, "unmask", actor=viewer.username, role=viewer.role.value,
                     target=f"household {household_id}", detail=reason, address=address())
