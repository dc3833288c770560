"""情况表 Tables: the nine tables, filtered like the map, searchable, rows coloured by flag, Excel export."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard import auth, data
from dashboard.i18n import TABLES_EN, t
from dashboard.readable import matches
from dashboard.state import current_lang, current_selection
from operations.access import Viewer
from pipelines.schema import REPORTS, TABLES

# table key → artifact layer (表9 becomes the facilities layer)
_LAYERS = {"resources": "facilities"}
_FLAG_ROW = {3: "background-color:#fbd5cf", 2: "background-color:#fff3b0", 1: "background-color:#d6e9f5"}
STYLE_LIMIT = 20_000  # rows coloured one by one up to this many; beyond, the colour column alone
SHOW_LIMIT = 10_000  # rows sent to the browser; search or filter to see others
EXPORT_LIMIT = 200_000  # rows in one Excel export (an xlsx of more takes minutes and opens slowly)


# a grid worker calls and visits their households: names and phones in full (ID numbers stay masked)
GRID_WORKER_SEES = frozenset({"name", "phone", "mobile"})


def _unmask(viewer: Viewer, path: str, version: float, lang: str) -> None:
    """A leader or administrator shows one household in full: a reason first, written to the audit log."""
    with st.expander(t("unmask_title", lang)):
        with st.form("unmask"):
            household = st.text_input(t("household", lang), key="unmask_household").strip()
            reason = st.text_input(t("unmask_reason", lang), help=t("unmask_help", lang), key="unmask_reason").strip()
            asked = st.form_submit_button(t("unmask_button", lang), key="unmask_submit")
        if not asked:
            return
        if not household or len(reason) < 4:
            st.warning(t("unmask_need_reason", lang))
            return
        auth.record_unmask(viewer, household, reason)
        rows = data.household_in_full(path, version, household, lang)
        if not rows:
            st.warning(t("unmask_none", lang))
        for key, frame in rows.items():
            st.caption(TABLES[key].name_zh if lang == "zh" else TABLES_EN.get(key, TABLES[key].name_en))
            st.dataframe(frame, hide_index=True, width="stretch")


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    viewer = auth.current_viewer()
    if viewer is None:
        return
    path = data.artifact_path()
    version = data.artifact_version(path)
    st.title(t("page_tables", lang))
    st.caption(t("grid_worker_note" if viewer.sees_names else "masked_note", lang))
    if viewer.may_unmask:
        _unmask(viewer, str(path), version, lang)
    keys = [*TABLES, REPORTS.key]  # the nine, and the resident reports (imported and live together)
    names = {k: (TABLES[k].name_zh if lang == "zh" else TABLES_EN.get(k, TABLES[k].name_en)) for k in TABLES}
    names[REPORTS.key] = REPORTS.name_zh if lang == "zh" else REPORTS.name_en
    key = st.radio(t("table", lang), keys, format_func=lambda k: names[k], horizontal=True, key="table_choice")
    reveal = GRID_WORKER_SEES if viewer.sees_names else frozenset()
    shown, flags = data.table_view(str(path), version, current_selection(), key, _LAYERS.get(key, key), lang,
                                   reveal)
    if shown is None:
        st.warning(t("table_missing", lang))
        return
    query = st.text_input(t("search", lang), key="table_search", help=t("search_help", lang)).strip()
    total = data.table_size(str(path), version, _LAYERS.get(key, key)) \
        if not viewer.scoped and key != REPORTS.key else len(shown)
    if query:  # what the viewer sees: the colour as shown, names not codes, masked values
        hit = matches(shown, query)
        shown, flags = shown[hit].reset_index(drop=True), flags[hit.to_numpy()]
    st.caption(t("rows_shown", lang).format(n=len(shown), total=total))
    page = shown.head(SHOW_LIMIT)  # a district's 820 k residents must not all travel to the browser
    if len(shown) > SHOW_LIMIT:
        st.info(t("rows_limited", lang).format(limit=SHOW_LIMIT, n=len(shown)))
    if 0 < len(page) <= STYLE_LIMIT and flags.any():
        styles = [_FLAG_ROW.get(int(f), "") for f in flags[:SHOW_LIMIT]]
        st.dataframe(page.style.apply(lambda row: [styles[row.name]] * len(row), axis=1),
                     hide_index=True, width="stretch", height=560)
    else:
        st.dataframe(page, hide_index=True, width="stretch", height=560)
    too_many = len(shown) > EXPORT_LIMIT
    export = partial(auth.audited_export, viewer, auth.address(), names[key], shown, title=names[key],
                     yes_no=(t("yes", lang), t("no", lang)))
    st.download_button(t("export_names" if viewer.sees_names else "export", lang), data=export,
                       file_name=f"{names[key]}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       disabled=shown.empty or too_many,
                       help=t("export_too_many", lang).format(limit=EXPORT_LIMIT) if too_many else None)


render()
