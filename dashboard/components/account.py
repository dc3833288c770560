"""Who is logged in, in the sidebar, with the way to change the password and to log out."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from dashboard.safe_text import md
from operations.access import ROLE_LABELS, Viewer

__all__ = ["account_box"]


def account_box(viewer: Viewer, lang: str, grid_names: dict[str, str] | None = None) -> None:
    """The viewer's name, role and grids (by name); links to /account/password and /auth/logout (HTTP routes)."""
    side = st.sidebar
    role = ROLE_LABELS[viewer.role][1 if lang == "en" else 0]
    side.caption(t("signed_in_as", lang).format(name=md(viewer.display_name), role=role))
    if viewer.scoped:
        names = grid_names or {}
        side.caption(t("grids_of", lang).format(grids=md("、".join(names.get(g, g) for g in viewer.grids))))
    suffix = "?lang=en" if lang == "en" else ""
    left, right = side.columns(2)
    left.link_button(t("change_password", lang), f"/account/password{suffix}", width="stretch")
    right.link_button(t("logout", lang), f"/auth/logout{suffix}", width="stretch")
