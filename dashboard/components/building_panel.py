"""The side panel of a clicked building: its figures and its households (no names, no rooms)."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from dashboard.safe_text import md

__all__ = ["building_panel"]

# cell colours for the colour column (emoji would need a font an intranet PC may lack)
_FLAG_CELL = {"red": "background-color:#d7301f;color:#fff", "yellow": "background-color:#fdd835;color:#000",
              "blue": "background-color:#2c7fb8;color:#fff"}
_FLAG_ORDER = {"red": 0, "yellow": 1, "blue": 2}


def building_panel(properties: dict[str, object], households: pd.DataFrame, lang: str) -> None:
    """Draw the panel of a clicked building: its counts (``properties``) and its selected ``households``."""
    label = html.unescape(str(properties.get("label", properties["building_id"])))
    st.subheader(f"{t('building', lang)}：{md(label)}")  # a compound name is data: never Markdown
    cols = st.columns(3)
    cols[0].metric(t("households", lang), int(properties.get("households") or 0))
    cols[1].metric(t("residents", lang), int(properties.get("residents") or 0))
    cols[2].metric(t("open_reports", lang), int(properties.get("reports_open") or 0))
    cols = st.columns(3)
    for col, key in zip(cols, ("red", "yellow", "blue"), strict=True):
        col.metric(t(key, lang), int(properties.get(key) or 0))
    mine = households.copy()
    mine["order"] = mine["flag"].map(_FLAG_ORDER)
    mine = mine.sort_values(["order", "unit"], kind="stable")
    view = pd.DataFrame({
        t("colour", lang): mine["flag"].map(lambda f: t(f, lang)),
        t("unit", lang): mine["unit"].fillna("").map(lambda u: f"{u}单元" if u and lang == "zh" else u),
        t("members", lang): mine["members"],
        t("last_visit", lang): pd.to_datetime(mine["last_visit"], errors="coerce").dt.strftime("%Y-%m-%d")
        .fillna("—"),
        t("overdue_short", lang): mine["visit_overdue"].fillna(0).astype(int).map(
            lambda v: t("yes", lang) if v else ""),
        t("reasons", lang): mine["flag_reasons"].fillna(""),
    })
    styles = mine["flag"].map(_FLAG_CELL).fillna("").tolist()
    styled = view.style.apply(lambda column: styles, subset=[t("colour", lang)])
    # fixed widths for the short columns and the reasons last: every column in view at 1920 px
    widths = {"colour": 68, "unit": 56, "members": 48, "last_visit": 92, "overdue_short": 48, "reasons": 300}
    config = {t(key, lang): st.column_config.Column(width=px) for key, px in widths.items()}
    # as tall as its rows (no empty rows under a building of three households), at most 420 px
    st.dataframe(styled, hide_index=True, width="stretch", height=min(420, 35 * (len(view) + 1) + 3),
                 column_config=config)
