"""数据质量 Data quality: every rejected or doubtful row, so the office can fix its Excel files.

A huge bad table can give millions of problem rows: the page shows the counts
per table and per problem (counted in the artifact, not loaded), and pages
through the rows, :data:`~dashboard.data.QUALITY_PAGE` at a time.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.i18n import one_language, t, table_name
from dashboard.readable import readable_quality
from dashboard.state import current_lang
from operations.access import Viewer


def _export(viewer: Viewer, where: str, path: str, version: float, table: str | None, problem: str | None,
            title: str, lang: str) -> bytes:
    grids = viewer.grids if viewer.scoped else None
    rows = data.quality_rows(path, version, table, problem, 0, data.QUALITY_EXPORT_LIMIT, grids)
    return auth.audited_export(viewer, where, title, readable_quality(rows, lang), title=title)


def _summaries(summary: pd.DataFrame, lang: str) -> None:
    severity = summary["severity"].map(lambda s: t(f"sev_{s}", lang) if s in ("error", "warning") else s)
    by_table = summary.assign(severity=severity, table=summary["table"].map(lambda n: table_name(n, lang)))
    pivot = by_table.pivot_table(index="table", columns="severity", values="rows", aggfunc="sum", fill_value=0)
    pivot.index.name = t("table", lang)
    pivot.columns.name = None
    problems = by_table.assign(problem=summary["problem"].map(lambda p: one_language(p, lang)))
    problems = problems.groupby(["table", "severity", "problem"], as_index=False)["rows"].sum()
    problems = problems.sort_values("rows", ascending=False).head(50)
    left, right = st.columns([2, 5])
    left.dataframe(pivot, width="stretch")
    right.dataframe(problems.rename(columns={"table": t("q_table", lang), "severity": t("q_severity", lang),
                                             "problem": t("q_problem", lang), "rows": t("rows_count", lang)}),
                    width="stretch", hide_index=True, height=240)


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    viewer = auth.current_viewer()
    if viewer is None:
        return
    grids = viewer.grids if viewer.scoped else None  # a grid worker sees their grids' problems only
    path = data.artifact_path()
    version = data.artifact_version(path)
    summary = data.quality_summary(str(path), version, grids)
    st.title(t("page_quality", lang))
    st.caption(t("quality_help", lang))
    cols = st.columns(3)
    cols[0].metric(t("rows_rejected", lang), f"{int(summary.loc[summary['severity'] == 'error', 'rows'].sum()):,}")
    cols[1].metric(t("rows_warned", lang), f"{int(summary.loc[summary['severity'] == 'warning', 'rows'].sum()):,}")
    cols[2].metric(t("tables_affected", lang), int(summary["table"].nunique()))
    _summaries(summary, lang)
    pick = st.columns([2, 5, 1])
    table = pick[0].selectbox(t("table", lang), sorted(summary["table"].unique()), index=None,
                              placeholder=t("all", lang), format_func=lambda n: table_name(n, lang))
    in_table = summary if table is None else summary[summary["table"] == table]
    problem = pick[1].selectbox(t("q_problem", lang), list(in_table["problem"].unique()), index=None,
                                placeholder=t("all", lang), format_func=lambda p: one_language(p, lang))
    if problem is not None:
        in_table = in_table[in_table["problem"] == problem]
    total = int(in_table["rows"].sum())
    pages = max(1, -(-total // data.QUALITY_PAGE))
    page = int(pick[2].number_input(t("page", lang), min_value=1, max_value=pages, value=1, step=1))
    first = (page - 1) * data.QUALITY_PAGE
    rows = data.quality_rows(str(path), version, table, problem, first, data.QUALITY_PAGE, grids)
    st.caption(t("quality_rows_shown", lang).format(first=first + 1 if total else 0, last=first + len(rows),
                                                    total=total, pages=pages))
    st.dataframe(readable_quality(rows, lang), width="stretch", hide_index=True)
    title = t("page_quality", lang) + (f"·{table_name(table, lang)}" if table else "")
    st.download_button(t("quality_export", lang),
                       data=partial(_export, viewer, auth.address(), str(path), version, table, problem, title, lang),
                       file_name=f"{title}.xlsx", disabled=total == 0,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       help=t("quality_export_limit", lang).format(limit=data.QUALITY_EXPORT_LIMIT)
                       if total > data.QUALITY_EXPORT_LIMIT else None)


render()
