"""用户 Users (administrators only): who may log in, with which role and grids; add, reset, disable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.i18n import one_language, t
from dashboard.state import current_lang
from operations import access
from operations.access import ROLE_LABELS, AccessError, Role, Viewer
from operations.store import db


def _table(lang: str) -> None:
    with db() as session:
        users = access.list_users(session)
    rows = pd.DataFrame([{t("username", lang): u.username, t("display_name", lang): u.display_name,
                          t("role", lang): ROLE_LABELS[Role(u.role)][1 if lang == "en" else 0],
                          t("grid", lang): u.grids.replace(",", "、"),
                          t("state", lang): t("disabled" if u.disabled else "active", lang),
                          t("password_changed", lang): u.password_changed_at.strftime("%Y-%m-%d")} for u in users])
    st.dataframe(rows, hide_index=True, width="stretch")


def _add(viewer: Viewer, lang: str) -> None:
    path = data.artifact_path()
    facts = data.load_facts(str(path), data.artifact_version(path))
    names = dict(zip(facts.grid_ids, facts.grid_names, strict=True))
    with st.form("add_user", clear_on_submit=True):
        st.markdown(f"**{t('add_user', lang)}**")
        left, right = st.columns(2)
        username = left.text_input(t("username", lang), key="new_username").strip()
        display = right.text_input(t("display_name", lang), key="new_display").strip()
        role = left.selectbox(t("role", lang), list(Role), format_func=lambda r: ROLE_LABELS[r][1 if lang == "en"
                                                                                                  else 0])
        grids = right.multiselect(t("grid", lang), list(facts.grid_ids), format_func=lambda g: names.get(g, g),
                                  help=t("grids_help", lang), select_all=False, placeholder="")
        password = left.text_input(t("password", lang), type="password", key="new_password")
        again = right.text_input(t("password_again", lang), type="password", key="new_password_again")
        if not st.form_submit_button(t("add_user", lang), key="add_user_submit"):
            return
    if password != again:
        st.error(t("passwords_differ", lang))
        return
    try:
        with db() as session:
            access.create_user(session, username, password, role.value, grids=tuple(grids), display_name=display,
                               actor=viewer.username, address=auth.address())
    except AccessError as exc:
        st.error(one_language(str(exc), lang))
        return
    st.success(t("user_added", lang).format(name=username))


def _change(viewer: Viewer, lang: str) -> None:
    with db() as session:
        names = [u.username for u in access.list_users(session) if not u.disabled]
    with st.form("change_user", clear_on_submit=True):
        st.markdown(f"**{t('reset_or_disable', lang)}**")
        left, right = st.columns(2)
        username = left.selectbox(t("username", lang), names)
        password = right.text_input(t("new_password", lang), type="password", help=t("reset_help", lang))
        disable = left.checkbox(t("disable_user", lang))
        if not st.form_submit_button(t("apply", lang), key="change_user_submit") or not username:
            return
    try:
        with db() as session:
            if disable:
                access.disable_user(session, username, actor=viewer.username, address=auth.address())
            elif password:
                access.reset_password(session, username, password, actor=viewer.username, address=auth.address())
            else:
                st.warning(t("nothing_to_do", lang))
                return
    except AccessError as exc:
        st.error(one_language(str(exc), lang))
        return
    st.success(t("user_changed", lang).format(name=username))


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    viewer = auth.administrator(lang)
    if viewer is None:
        return
    st.title(t("page_users", lang))
    st.caption(t("users_help", lang))
    _add(viewer, lang)
    _change(viewer, lang)
    _table(lang)


render()
