"""The shared sidebar filters: grid, compound, colour, group, age band, reports and hazards, dates.

Every page reads the resulting :class:`~pipelines.selection.Selection` from
``dashboard.state.current_selection``, so the map, the KPI strip and the
tables always show the same households.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.i18n import group_label, t
from dashboard.state import FILTER_KEYS, SELECTION
from pipelines.selection import AGE_BANDS, GROUPS, CommunityFacts, Selection

__all__ = ["sidebar_filters"]


def _reset() -> None:
    for key in FILTER_KEYS.values():
        st.session_state.pop(key, None)


def sidebar_filters(facts: CommunityFacts, lang: str) -> Selection:
    """Draw the filters in the sidebar and return (and store) the selection they make."""
    side = st.sidebar
    side.markdown(f"**{t('filters', lang)}**")
    grid_names = dict(zip(facts.grid_ids, facts.grid_names, strict=True))
    grids = side.multiselect(t("grid", lang), list(facts.grid_ids), format_func=lambda g: grid_names.get(g, g),
                             key=FILTER_KEYS["grids"], placeholder=t("all", lang))
    in_grids = facts.building_compound[np.isin(facts.building_grid, pd.Categorical(
        grids, categories=facts.grid_ids).codes)] if grids else np.arange(len(facts.compound_ids))
    compound_names = dict(zip(facts.compound_ids, facts.compound_names, strict=True))
    compound_options = [facts.compound_ids[i] for i in sorted(set(in_grids.tolist())) if i >= 0]
    chosen = [c for c in st.session_state.get(FILTER_KEYS["compounds"], []) if c in compound_options]
    st.session_state[FILTER_KEYS["compounds"]] = chosen  # a compound outside the chosen grids drops out
    compounds = side.multiselect(t("compound", lang), compound_options, key=FILTER_KEYS["compounds"],
                                 format_func=lambda c: compound_names.get(c, c), placeholder=t("all", lang))
    # pills: every choice visible and one click away (and lighter to draw than a drop-down)
    flags = side.pills(t("colour", lang), ["red", "yellow", "blue"], format_func=lambda f: t(f, lang),
                       key=FILTER_KEYS["flags"], selection_mode="multi") or []
    groups = side.pills(t("group", lang), list(GROUPS), format_func=lambda g: group_label(g, lang),
                        key=FILTER_KEYS["groups"], selection_mode="multi", help=t("group_help", lang)) or []
    ages = side.pills(t("age_band", lang), list(AGE_BANDS), key=FILTER_KEYS["age_bands"],
                      selection_mode="multi") or []
    with side.expander(t("reports_and_hazards", lang)):
        report_categories = st.multiselect(t("report_category", lang), facts.options["report_categories"],
                                           key=FILTER_KEYS["report_categories"], placeholder=t("all", lang))
        report_statuses = st.multiselect(t("report_status", lang), facts.options["report_statuses"],
                                         key=FILTER_KEYS["report_statuses"], placeholder=t("all", lang))
        hazard_types = st.multiselect(t("hazard_type", lang), facts.options["hazard_types"],
                                      key=FILTER_KEYS["hazard_types"], placeholder=t("all", lang))
        hazard_statuses = st.multiselect(t("hazard_status", lang), facts.options["hazard_statuses"],
                                         key=FILTER_KEYS["hazard_statuses"], placeholder=t("all", lang))
        first, last = facts.days or (date.today(), date.today())
        dates = st.date_input(t("dates", lang), value=(), min_value=first, max_value=last,
                              key=FILTER_KEYS["dates"], help=t("dates_help", lang))
    side.button(t("reset_filters", lang), on_click=_reset)
    picked = tuple(dates) if isinstance(dates, tuple | list) else (dates,)
    selection = Selection(
        grids=tuple(grids), compounds=tuple(compounds), flags=tuple(flags), groups=tuple(groups),
        age_bands=tuple(ages), report_categories=tuple(report_categories), report_statuses=tuple(report_statuses),
        hazard_types=tuple(hazard_types), hazard_statuses=tuple(hazard_statuses),
        start=picked[0] if len(picked) >= 1 else None, end=picked[1] if len(picked) == 2 else None,
    )
    st.session_state[SELECTION] = selection
    return selection
