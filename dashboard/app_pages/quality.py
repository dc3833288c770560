"""数据质量 Data quality: every rejected or doubtful row, so the office can fix its Excel files."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard import data
from dashboard.i18n import t, table_name
from dashboard.readable import readable_quality
from dashboard.state import current_lang
from pipelines.office_files import export_xlsx


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    path = data.artifact_path()
    if not path.exists():
        st.error(t("no_artifact", lang))
        return
    quality = data.load_quality(str(path), data.artifact_version(path))
    st.title(t("page_quality", lang))
    st.caption(t("quality_help", lang))
    cols = st.columns(3)
    cols[0].metric(t("rows_rejected", lang), int((quality["severity"] == "error").sum()))
    cols[1].metric(t("rows_warned", lang), int((quality["severity"] == "warning").sum()))
    cols[2].metric(t("tables_affected", lang), int(quality["table"].nunique()))
    shown = readable_quality(quality, lang)
    severity, table = t("q_severity", lang), t("q_table", lang)
    summary = shown.groupby([table, severity]).size().unstack(fill_value=0)
    summary.columns.name = None
    st.dataframe(summary, width="stretch")
    tables = sorted(quality["table"].dropna().unique())
    chosen = st.selectbox(t("table", lang), tables, index=None, placeholder=t("all", lang),
                          format_func=lambda n: table_name(n, lang))
    if chosen is not None:
        shown = shown[shown[table] == table_name(chosen, lang)]
    st.dataframe(shown, width="stretch", hide_index=True)
    title = t("page_quality", lang) + (f"·{table_name(chosen, lang)}" if chosen else "")
    st.download_button(t("quality_export", lang), data=partial(export_xlsx, shown, title=title),
                       file_name=f"{title}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       disabled=shown.empty)


render()
