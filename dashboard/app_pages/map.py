"""地图 Map: the KPI strip and the community map; in meeting mode the projector view."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from dashboard import data
from dashboard.components.building_panel import building_panel
from dashboard.components.community_map import COLOUR_MODES, FACILITY_STYLE, build_map, legend_items
from dashboard.components.grid_table import grid_table
from dashboard.components.kpi import kpi_strip
from dashboard.i18n import facility_kind, t
from dashboard.state import COLOUR_MODE, current_lang, meeting_mode

# projector: large type, high contrast (looks only: what is private is never sent at all)
_MEETING_CSS = """<style>
[data-testid="stMetricValue"] {font-size: 3.2rem !important; font-weight: 700; color: #000;}
[data-testid="stMetricLabel"] p {font-size: 1.5rem !important; color: #000;}
h1 {font-size: 3rem !important;}
[data-testid="map-legend"] {font-size: 1.4rem !important;}
[data-testid="stTable"] th, [data-testid="stTable"] td {font-size: 1.35rem !important; color: #000;}
</style>"""


def _legend(mode: str, lang: str, meeting: bool) -> None:
    swatches = "".join(
        f'<span style="display:inline-block;margin-right:18px;font-size:1.05rem">'
        f'<span style="display:inline-block;width:22px;height:16px;background:{c};border:1px solid #444;'
        f'vertical-align:middle;margin-right:6px"></span>{text}</span>'
        for c, text in legend_items(mode, meeting=meeting))
    dots = "".join(
        f'<span style="display:inline-block;margin-right:14px;font-size:0.95rem">'
        f'<span style="display:inline-block;width:12px;height:12px;border-radius:6px;background:{c};'
        f'vertical-align:middle;margin-right:4px"></span>{facility_kind(kind, lang)}</span>'
        for kind, (c, _) in FACILITY_STYLE.items() if kind != "其他")
    st.markdown(f'<div data-testid="map-legend"><b>{t("legend", lang)} · {t(mode, lang)}：</b>{swatches}'
                f'<br><b>{t("facilities", lang)}：</b>{dots}</div>', unsafe_allow_html=True)


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    meeting = meeting_mode()
    path = data.artifact_path()
    if not path.exists():
        st.error(t("no_artifact", lang))
        return
    version = data.artifact_version(path)
    figures = data.load_figures(str(path), version)
    if meeting:
        st.markdown(_MEETING_CSS, unsafe_allow_html=True)
    st.title(t("app_title", lang) + (f" · {t('meeting', lang)}" if meeting else ""))
    st.caption(f"{t('reference_date', lang)}：{figures['reference_date']}")
    kpi_strip(figures, lang)
    mode = st.sidebar.radio(t("colour_by", lang), list(COLOUR_MODES), format_func=lambda m: t(m, lang),
                            key=COLOUR_MODE)
    _legend(mode, lang, meeting)
    if meeting:
        _meeting_map(str(path), version, mode, lang)
    else:
        _map_and_panel(str(path), version, mode, lang)


def _meeting_map(path: str, version: float, mode: str, lang: str) -> None:
    """The map and the per-grid table; no click panel, small counts suppressed."""
    layers = data.load_map_layers(path, version, meeting=True)
    fmap = build_map(layers, mode, meeting=True,
                     tooltip_labels=(t("building", lang), t("households", lang), t(mode, lang)))
    map_col, table_col = st.columns([3, 2])
    with map_col:
        st_folium(fmap, returned_objects=[], height=560, use_container_width=True, key=f"meeting-map-{mode}")
    with table_col:
        grid_table(data.load_grid_figures(path, version), lang)


@st.fragment
def _map_and_panel(path: str, version: float, mode: str, lang: str) -> None:
    """Map and building panel; a click reruns only this fragment, not the whole page."""
    layers = data.load_map_layers(path, version)
    prop = COLOUR_MODES[mode][0]
    fmap = build_map(layers, mode, tooltip_labels=(t("building", lang), t("households", lang), t(mode, lang)))
    map_col, panel_col = st.columns([3, 2])
    with map_col:
        # the click point, not the clicked layer: it works for SVG and canvas alike, and the
        # building is looked up on the server
        clicked = st_folium(fmap, returned_objects=["last_clicked"], height=560, use_container_width=True,
                            key=f"map-{prop}")
    with panel_col:
        point = (clicked or {}).get("last_clicked") or {}
        properties = data.building_at(path, version, point["lat"], point["lng"]) if point else None
        if properties:
            building_panel(properties, data.load_households(path, version), lang)
        else:
            st.info(t("click_hint", lang))


render()
