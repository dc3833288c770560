"""数据质量 Data quality: every rejected or doubtful row, so the office can fix its Excel files."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard import data
from dashboard.i18n import t
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
    quality = quality.assign(severity=quality["severity"].map(lambda s: t(f"sev_{s}", lang)))
    summary = quality.groupby(["table", "severity"]).size().unstack(fill_value=0)
    summary.index.name = t("table", lang)
    summary.columns.name = None
    cols = st.columns(3)
    cols[0].metric(t("rows_rejected", lang), int((quality["severity"] == t("sev_error", lang)).sum()))
    cols[1].metric(t("rows_warned", lang), int((quality["severity"] == t("sev_warning", lang)).sum()))
    cols[2].metric(t("tables_affected", lang), int(quality["table"].nunique()))
    st.dataframe(summary, width="stretch")
    tables = sorted(quality["table"].unique())
    chosen = st.selectbox(t("table", lang), tables, index=None, placeholder=t("all", lang))
    shown = quality if chosen is None else quality[quality["table"] == chosen]
    shown = shown.sort_values(["table", "row"]).rename(columns={k: t(f"q_{k}", lang) for k in shown.columns})
    st.dataframe(shown, width="stretch", hide_index=True)
    title = t("page_quality", lang) + (f"·{chosen}" if chosen else "")
    st.download_button(t("quality_export", lang), data=partial(export_xlsx, shown, title=title),
                       file_name=f"{title}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       disabled=shown.empty)


render()
