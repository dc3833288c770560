"""What changed since the last update: households added, removed and changed colour (from the change log)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from dashboard.safe_text import md

__all__ = ["changes_summary"]


def changes_summary(changes: pd.DataFrame, meta: dict[str, str], lang: str) -> None:
    """An expander with the counts per kind of change, colour moves (红→黄 …) and the households."""
    counts = changes["change"].value_counts()
    title = t("changes", lang)
    if meta.get("previous_built_at"):
        before, after = meta["previous_built_at"], meta.get("built_at", "")
        title += f"（{md(before.replace('T', ' '))} → {md(after.replace('T', ' '))}）"
    with st.expander(title, expanded=bool(len(changes))):
        if changes.empty:
            st.write(t("changes_none", lang))
            return
        cols = st.columns(3)
        cols[0].metric(t("change_added", lang), int(counts.get("added", 0)))
        cols[1].metric(t("change_removed", lang), int(counts.get("removed", 0)))
        cols[2].metric(t("change_colour", lang), int(counts.get("flag_changed", 0)))
        moved = changes[changes["change"] == "flag_changed"]
        if len(moved):
            pairs = (moved["old_flag"].map(lambda f: t(f, lang)) + " → " + moved["new_flag"].map(lambda f: t(f, lang)))
            st.write("；".join(f"{k}：{v}" for k, v in pairs.value_counts().items()))
        labels = {"added": t("change_added", lang), "removed": t("change_removed", lang),
                  "flag_changed": t("change_colour", lang)}
        shown = pd.DataFrame({
            t("household", lang): changes["household_id"],
            t("change_kind", lang): changes["change"].map(labels),
            t("old_flag", lang): changes["old_flag"].map(lambda f: t(f, lang) if isinstance(f, str) else ""),
            t("new_flag", lang): changes["new_flag"].map(lambda f: t(f, lang) if isinstance(f, str) else ""),
        })
        st.dataframe(shown, hide_index=True, width="stretch", height=240)
