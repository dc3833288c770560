"""审计日志 Audit log (administrators only): who did what, when, to what, from where; filtered and exported."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from dashboard import auth
from dashboard.i18n import t
from dashboard.state import current_lang
from operations import audit
from operations.store import db

LOCAL = "Asia/Shanghai"  # shown in China Standard Time; stored in UTC


def _shown(entries: pd.DataFrame, lang: str) -> pd.DataFrame:
    when = pd.to_datetime(entries["at"]).dt.tz_localize("UTC").dt.tz_convert(LOCAL).dt.strftime("%Y-%m-%d %H:%M:%S")
    label = {k: v[1 if lang == "en" else 0] for k, v in audit.ACTIONS.items()}
    return pd.DataFrame({t("when_local", lang): when, t("who", lang): entries["actor"],
                         t("role", lang): entries["role"], t("what", lang): entries["action"].map(label),
                         t("target", lang): entries["target"], t("detail", lang): entries["detail"],
                         t("from_address", lang): entries["address"]})


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    viewer = auth.administrator(lang)
    if viewer is None:
        return
    st.title(t("page_audit", lang))
    with db() as session:
        everyone = audit.entries(session, limit=100_000)
    cols = st.columns([2, 2, 3])
    actor = cols[0].selectbox(t("who", lang), sorted(everyone["actor"].unique()), index=None,
                              placeholder=t("all", lang))
    action = cols[1].selectbox(t("what", lang), list(audit.ACTIONS), index=None, placeholder=t("all", lang),
                               format_func=lambda a: audit.ACTIONS[a][1 if lang == "en" else 0])
    days = cols[2].date_input(t("dates", lang), value=())
    since = until = None
    if isinstance(days, tuple | list) and len(days) == 2:  # local days → UTC bounds
        since = (pd.Timestamp(datetime.combine(days[0], time()), tz=LOCAL).tz_convert("UTC")).tz_localize(None)
        until = (pd.Timestamp(datetime.combine(days[1] + timedelta(days=1), time()), tz=LOCAL)
                 .tz_convert("UTC")).tz_localize(None)
    with db() as session:
        entries = audit.entries(session, actor=actor, action=action, since=since, until=until)
    shown = _shown(entries, lang)
    st.caption(t("audit_count", lang).format(n=len(shown)))
    st.dataframe(shown, hide_index=True, width="stretch", height=520)
    st.download_button(t("export", lang), data=partial(auth.audited_export, viewer, auth.address(), "audit log",
                                                       shown, title=t("page_audit", lang)),
                       file_name=f"{t('page_audit', lang)}.xlsx", disabled=shown.empty,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


render()
