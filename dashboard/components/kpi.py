"""The KPI strip: ten figures in two rows, large enough for a projector."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from dashboard.safe_text import html_text
from pipelines.privacy import MIN_GROUP, meeting_count

__all__ = ["kpi_strip", "kpi_texts", "kpi_tiles"]

_ROWS = (("households", "residents", "share_60_plus", "overdue_visits", "open_reports"),
         ("red", "yellow", "blue", "open_needs", "open_hazards"))
# figures counted by place (and their own filters), not by the household filters (colour, group, age band)
_BY_PLACE = frozenset({"open_reports", "open_hazards"})


def kpi_texts(figures: dict[str, object], *, meeting: bool) -> dict[str, str]:
    """What each tile shows.

    In meeting mode counts are rounded to 5 and a view of fewer than :data:`MIN_GROUP` households
    shows no figures, so no household can be singled out by subtracting figures on one screen or
    between two filter states.
    """
    few = meeting and int(figures["households"]) < MIN_GROUP  # type: ignore[call-overload]
    texts = {}
    for key in (*(k for row in _ROWS for k in row), "overdue_reports"):
        value = figures.get(key, 0)
        if few:
            texts[key] = "—"
        elif key == "share_60_plus":
            texts[key] = f"{float(value):.0%}" if meeting else f"{float(value):.1%}"  # type: ignore[arg-type]
        elif meeting:
            texts[key] = meeting_count(int(value))  # type: ignore[call-overload]
        else:
            texts[key] = f"{int(value):,}"  # type: ignore[call-overload]
    return texts


def kpi_strip(figures: dict[str, object], lang: str, *, meeting: bool = False,
              households_filtered: bool = False) -> None:
    """Draw the figures as ``st.metric`` tiles (see :func:`kpi_texts` for meeting mode).

    Reports and hazards belong to places, not households: their tiles say so
    (``help``), and when a household filter is on a caption under the strip
    says which figures it narrows.
    """
    texts = kpi_texts(figures, meeting=meeting)
    for row in _ROWS:
        for col, key in zip(st.columns(len(row)), row, strict=True):
            late = key == "open_reports" and int(figures.get("overdue_reports", 0)) > 0  # type: ignore[call-overload]
            col.metric(t(key, lang), texts[key], help=t("place_only_help", lang) if key in _BY_PLACE else None,
                       delta=t("overdue_n", lang).format(n=texts["overdue_reports"]) if late else None,
                       delta_color="inverse", delta_arrow="off")
    if households_filtered:
        st.caption(t("place_only_note", lang))
    if meeting and int(figures["households"]) < MIN_GROUP:  # type: ignore[call-overload]
        st.info(t("meeting_too_few", lang).format(n=MIN_GROUP))
    elif meeting:
        st.caption(t("meeting_rounded", lang))


# projector tiles: ten in a row where the screen is wide, five otherwise; a value never wraps or is cut,
# a label wraps instead; sizes follow the window (vh on a short projector, vw on a narrow one)
_TILES_CSS = """<style>
#kpi-tiles {display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 0.35rem 1rem; color: #000;}
@media (min-width: 1500px) {#kpi-tiles {grid-template-columns: repeat(10, minmax(0, 1fr));}}
#kpi-tiles .kpi-value {font-size: clamp(1.35rem, min(4.2vh, 2.7vw), 5.5rem); font-weight: 700; line-height: 1.1;
  white-space: nowrap;}
#kpi-tiles .kpi-label {font-size: clamp(0.8rem, min(2vh, 1.25vw), 2.4rem); line-height: 1.2;}
#kpi-tiles.screen .kpi-value {font-size: clamp(1.6rem, min(5.4vh, 2.9vw), 8rem);}
#kpi-tiles.screen .kpi-label {font-size: clamp(0.9rem, min(2.4vh, 1.5vw), 3rem);}
</style>"""


def kpi_tiles(figures: dict[str, object], lang: str, *, screen: bool = False) -> None:
    """The KPI strip for a projector or an always-on screen: large tiles, meeting rules (:func:`kpi_texts`).

    Our own HTML rather than ``st.metric``: tiles go five or ten to a row as the screen allows, and no
    value or label is ever cut (``data-testid="kpi-tiles"``).
    """
    texts = kpi_texts(figures, meeting=True)
    def label(key: str) -> str:
        if key == "open_reports" and int(figures.get("overdue_reports", 0)) > 0:  # type: ignore[call-overload]
            return f'{t(key, lang)}（{t("overdue_n", lang).format(n=texts["overdue_reports"])}）'
        return t(key, lang)

    tiles = "".join(f'<div class="kpi"><div class="kpi-value">{html_text(texts[key])}</div>'
                    f'<div class="kpi-label">{html_text(label(key))}</div></div>'
                    for row in _ROWS for key in row)
    st.markdown(f'{_TILES_CSS}<div id="kpi-tiles" data-testid="kpi-tiles" class="{"screen" if screen else ""}">'
                f"{tiles}</div>", unsafe_allow_html=True)
    if int(figures["households"]) < MIN_GROUP:  # type: ignore[call-overload]
        st.info(t("meeting_too_few", lang).format(n=MIN_GROUP))
