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
from dashboard.state import FILTER_EMPTY, FILTER_KEYS, SELECTION
from pipelines.selection import AGE_BANDS, GROUPS, CommunityFacts, Selection

__all__ = ["sidebar_filters"]


def _reset() -> None:
    """Button callback: put every filter widget back to "nothing chosen".

    Setting the widget's own value (not deleting its key) is what makes the
    sidebar show it cleared; a deleted key leaves the old choice on screen, and
    the browser sends it back with the next click.
    """
    for key, empty in FILTER_EMPTY.items():
        st.session_state[key] = list(empty) if isinstance(empty, list) else empty


def _choose(where: object, label: str, options: list[str], key: str, lang: str, **kwargs: object) -> list[str]:
    """A multiselect where nothing chosen means all (so no English "Select all" entry of Streamlit's own)."""
    return where.multiselect(label, options, key=key, placeholder=t("all", lang),  # type: ignore[attr-defined]
                             select_all=False, **kwargs)


def _household_filters(side: object, lang: str, meeting: bool) -> tuple[list[str], list[str], list[str]]:
    """Colour, group and age band (pills: every choice visible and one click away); none in meeting mode."""
    if meeting:
        side.caption(t("meeting_place_only", lang))  # type: ignore[attr-defined]
        return [], [], []
    flags = side.pills(t("colour", lang), ["red", "yellow", "blue"],  # type: ignore[attr-defined]
                       format_func=lambda f: t(f, lang), key=FILTER_KEYS["flags"], selection_mode="multi") or []
    groups = side.pills(t("group", lang), list(GROUPS), format_func=lambda g: group_label(g, lang),  # type: ignore
                        key=FILTER_KEYS["groups"], selection_mode="multi", help=t("group_help", lang)) or []
    ages = side.pills(t("age_band", lang), list(AGE_BANDS), key=FILTER_KEYS["age_bands"],  # type: ignore
                      selection_mode="multi") or []
    return list(flags), list(groups), list(ages)


def sidebar_filters(facts: CommunityFacts, lang: str, *, grids: tuple[str, ...] | None = None,
                    meeting: bool = False) -> Selection:
    """Draw the filters in the sidebar and return (and store) the selection they make.

    ``grids`` are the only grids the viewer may see (a grid worker's): the grid
    filter offers those alone, and the selection never reaches beyond them, so
    every figure, map, table and export built from it stays inside the scope.
    In ``meeting`` mode only places filter: comparing a colour, group or age filter
    with the same place unfiltered would tell a single household apart (one 80+
    household, and whether it is red), however the figures are rounded.
    """
    side = st.sidebar
    side.markdown(f"**{t('filters', lang)}**")
    grid_names = dict(zip(facts.grid_ids, facts.grid_names, strict=True))
    allowed = [g for g in facts.grid_ids if grids is None or g in grids]
    chosen_grids = [g for g in st.session_state.get(FILTER_KEYS["grids"], []) if g in allowed]
    st.session_state[FILTER_KEYS["grids"]] = chosen_grids
    picked_grids = _choose(side, t("grid", lang), allowed, FILTER_KEYS["grids"], lang,
                           format_func=lambda g: grid_names.get(g, g))
    grids = tuple(picked_grids) or (tuple(allowed) if grids is not None else ())
    in_grids = facts.building_compound[np.isin(facts.building_grid, pd.Categorical(
        list(grids), categories=facts.grid_ids).codes)] if grids else np.arange(len(facts.compound_ids))
    compound_names = dict(zip(facts.compound_ids, facts.compound_names, strict=True))
    compound_options = [facts.compound_ids[i] for i in sorted(set(in_grids.tolist())) if i >= 0]
    chosen = [c for c in st.session_state.get(FILTER_KEYS["compounds"], []) if c in compound_options]
    st.session_state[FILTER_KEYS["compounds"]] = chosen  # a compound outside the chosen grids drops out
    compounds = _choose(side, t("compound", lang), compound_options, FILTER_KEYS["compounds"], lang,
                        format_func=lambda c: compound_names.get(c, c))
    flags, groups, ages = _household_filters(side, lang, meeting)
    with side.expander(t("reports_and_hazards", lang)):
        report_categories = _choose(st, t("report_category", lang), facts.options["report_categories"],
                                    FILTER_KEYS["report_categories"], lang)
        report_statuses = _choose(st, t("report_status", lang), facts.options["report_statuses"],
                                  FILTER_KEYS["report_statuses"], lang)
        hazard_types = _choose(st, t("hazard_type", lang), facts.options["hazard_types"],
                               FILTER_KEYS["hazard_types"], lang)
        hazard_statuses = _choose(st, t("hazard_status", lang), facts.options["hazard_statuses"],
                                  FILTER_KEYS["hazard_statuses"], lang)
        first, last = facts.days or (date.today(), date.today())
        # no range chosen at first, set through the key (the clear button sets the same key)
        st.session_state.setdefault(FILTER_KEYS["dates"], FILTER_EMPTY[FILTER_KEYS["dates"]])
        dates = st.date_input(t("dates", lang), min_value=first, max_value=last,
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
