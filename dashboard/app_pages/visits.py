"""走访 Visits: the households a grid worker should visit (overdue first), and the form to log a visit.

A logged visit moves the household's last visit and overdue mark at once on the map, the KPIs and the
tables (no rebuild); needs found on the visit become open needs of the household.  Thin: the rules and
the writing are in ``operations.visits``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.i18n import flag_label, one_language, t
from dashboard.state import current_lang
from operations import visits
from operations.access import Viewer
from operations.reports import Actor, ReportError
from operations.settings import local_now
from operations.store import db

FLASH = "visits_flash"
_FLAGS = {3: "red", 2: "yellow", 1: "blue", 0: ""}


def _today() -> date:
    """Today in China (the server may keep UTC)."""
    return local_now().date()


def _households(viewer: Viewer, lang: str) -> pd.DataFrame:
    """The viewer's households (a grid worker's grids; everyone's for a leader): overdue and red first."""
    path = data.artifact_path()
    version = data.artifact_version(path)
    facts = data.load_facts(str(path), version)
    names = data.place_names(str(path), version)
    hh = facts.households
    grid = np.where(hh["grid"].to_numpy() >= 0, facts.grid_ids[np.maximum(hh["grid"].to_numpy(), 0)], "")
    building = np.where(hh["building"].to_numpy() >= 0,
                        facts.building_ids[np.maximum(hh["building"].to_numpy(), 0)], "")
    frame = pd.DataFrame({"household_id": hh["household_id"], "grid_id": grid, "building_id": building,
                          "flag": hh["flag"].to_numpy(), "overdue": hh["overdue"].to_numpy(),
                          "last_visit": pd.to_datetime(hh["last_visit"]), "interval": hh["interval"]})
    if viewer.scoped:
        frame = frame[frame["grid_id"].isin(viewer.grids)]
    frame = frame.sort_values(["overdue", "flag", "last_visit"], ascending=[False, False, True], na_position="first")
    frame["place"] = frame["building_id"].map(names.buildings).fillna("")
    frame["grid_name"] = frame["grid_id"].map(names.grids).fillna(frame["grid_id"])
    frame["colour"] = frame["flag"].map(lambda f: flag_label(_FLAGS.get(int(f), ""), lang) if f else "")
    return frame.reset_index(drop=True)


def _log(viewer: Viewer, households: pd.DataFrame, lang: str) -> None:
    ids = households["household_id"].tolist()
    described = {r.household_id: f"{r.household_id} · {r.place} · {r.colour} · "
                                 f"{t('last_visit', lang)} {r.last_visit:%Y-%m-%d}" if pd.notna(r.last_visit) else
                 f"{r.household_id} · {r.place} · {r.colour} · {t('never_visited', lang)}"
                 for r in households.itertuples()}
    with st.form("log_visit", clear_on_submit=True):
        st.markdown(f"**{t('log_visit', lang)}**")
        household = st.selectbox(t("household", lang), ids, format_func=lambda h: described.get(h, h),
                                 index=None, placeholder=t("choose_household", lang), key="visit_household")
        when = st.date_input(t("visit_date", lang), value=_today(), max_value=_today(), key="visit_date")
        way = st.radio(t("visit_way", lang), list(visits.WAYS), horizontal=True, key="visit_way")
        note = st.text_area(t("note", lang), key="visit_note", height=80)
        needs = st.multiselect(t("needs_found", lang), list(visits.NEED_CATEGORIES), key="visit_needs",
                               placeholder=t("none", lang), select_all=False)
        need_text = st.text_input(t("needs_detail", lang), key="visit_need_text")
        if not st.form_submit_button(t("log_visit", lang), type="primary", width="stretch", key="visit_submit"):
            return
    if household is None:
        st.session_state[FLASH] = ("error", t("choose_household", lang))
        st.rerun()
    grid = str(households.loc[households["household_id"] == household, "grid_id"].iloc[0])
    try:
        with db() as session:
            visits.log_visit(session, Actor(viewer.username, viewer.role.value, viewer.grids),
                             household_id=household, grid_id=grid, visited_on=when, way=way, note=note,
                             needs=[(n, need_text) for n in needs])
        st.session_state[FLASH] = ("success", t("visit_logged", lang).format(household=household, n=len(needs)))
    except ReportError as exc:
        st.session_state[FLASH] = ("error", one_language(str(exc), lang))
    st.rerun()


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    viewer = auth.current_viewer()
    if viewer is None or viewer.meeting_only:
        return
    st.title(t("page_visits", lang))
    flash = st.session_state.pop(FLASH, None)
    if flash:
        getattr(st, flash[0])(flash[1])
    households = _households(viewer, lang)
    due = households[households["overdue"]]
    st.caption(t("visits_summary", lang).format(n=len(households), due=len(due)))
    _log(viewer, households, lang)
    st.subheader(t("visit_list", lang))
    shown = due.head(300)[["household_id", "place", "grid_name", "colour", "last_visit", "interval"]].rename(
        columns={"household_id": t("household", lang), "place": t("building", lang), "grid_name": t("grid", lang),
                 "colour": t("colour", lang), "last_visit": t("last_visit", lang),
                 "interval": t("visit_interval", lang)})
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={t("last_visit", lang): st.column_config.DateColumn(format="YYYY-MM-DD")})
    with db() as session:
        month = _today().strftime("%Y-%m")
        done = visits.visits_per_grid(session, month)
    if viewer.scoped:
        done = done[done["grid_id"].isin(viewer.grids)]
    st.caption(t("visits_this_month", lang).format(n=int(done["visits"].sum()) if len(done) else 0))


render()
