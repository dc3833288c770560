"""地图 Map: the KPI strip and the community map."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from dashboard import data
from dashboard.components.building_panel import building_panel
from dashboard.components.community_map import COLOUR_MODES, FACILITY_STYLE, build_map, legend_items
from dashboard.components.kpi import kpi_strip
from dashboard.i18n import t
from dashboard.state import COLOUR_MODE, current_lang


def _legend(mode: str, lang: str) -> None:
    swatches = "".join(
        f'<span style="display:inline-block;margin-right:18px;font-size:1.05rem">'
        f'<span style="display:inline-block;width:22px;height:16px;background:{c};border:1px solid #444;'
        f'vertical-align:middle;margin-right:6px"></span>{text}</span>'
        for c, text in legend_items(mode))
    dots = "".join(
        f'<span style="display:inline-block;margin-right:14px;font-size:0.95rem">'
        f'<span style="display:inline-block;width:12px;height:12px;border-radius:6px;background:{c};'
        f'vertical-align:middle;margin-right:4px"></span>{kind}</span>'
        for kind, (c, _) in FACILITY_STYLE.items() if kind != "其他")
    st.markdown(f'<div data-testid="map-legend"><b>{t("legend", lang)} · {t(mode, lang)}：</b>{swatches}'
                f'<br><b>{t("facilities", lang)}：</b>{dots}</div>', unsafe_allow_html=True)


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    path = data.artifact_path()
    if not path.exists():
        st.error(t("no_artifact", lang))
        return
    version = data.artifact_version(path)
    figures = data.load_figures(str(path), version)
    st.title(t("app_title", lang))
    st.caption(f"{t('reference_date', lang)}：{figures['reference_date']}")
    kpi_strip(figures, lang)
    mode = st.sidebar.radio(t("colour_by", lang), list(COLOUR_MODES), format_func=lambda m: t(m, lang),
                            key=COLOUR_MODE)
    _legend(mode, lang)
    _map_and_panel(str(path), version, mode, lang)


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
