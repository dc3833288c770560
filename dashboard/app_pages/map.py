"""地图 Map: the KPI strip, the community map and what changed; in meeting mode the projector view."""

from __future__ import annotations

import html
from functools import partial

import streamlit as st
from streamlit_folium import st_folium

from dashboard import data
from dashboard.components.building_panel import building_panel
from dashboard.components.changes import changes_summary
from dashboard.components.community_map import (
    COLOUR_MODES,
    FACILITY_STYLE,
    GRID_ONLY_MODES,
    Measure,
    build_map,
    legend_items,
)
from dashboard.components.grid_table import grid_table
from dashboard.components.kpi import kpi_strip
from dashboard.i18n import facility_kind, t
from dashboard.safe_text import md
from dashboard.state import COLOUR_MODE, DRILLED, FILTER_KEYS, HEAT, current_lang, current_selection, meeting_mode
from pipelines.selection import Selection

# the meeting map's bottom stays on a 1920×1080 screen below the title, KPIs and legend (e2e checks it)
MEETING_MAP_HEIGHT = 520
# projector: large type, high contrast (looks only: what is private is never sent at all)
_MEETING_CSS = """<style>
[data-testid="stMetricValue"] {font-size: 2.4rem !important; font-weight: 700; color: #000;}
[data-testid="stMetricLabel"] p {font-size: 1.25rem !important; color: #000;}
[data-testid="map-legend"] {font-size: 1.3rem !important;}
</style>"""


def _legend(measure: Measure, mode: str, facility_kinds: list[str], lang: str) -> None:
    """The colour bins drawn and the kinds of facility on the map (only those in view)."""
    swatches = "".join(
        f'<span style="display:inline-block;margin-right:18px;font-size:1.05rem">'
        f'<span style="display:inline-block;width:22px;height:16px;background:{c};border:1px solid #444;'
        f'vertical-align:middle;margin-right:6px"></span>{html.escape(text)}</span>'
        for c, text in legend_items(measure, lambda k: t(k, lang)))
    dots = "".join(
        f'<span style="display:inline-block;margin-right:14px;font-size:0.95rem">'
        f'<span style="display:inline-block;width:12px;height:12px;border-radius:6px;background:{c};'
        f'vertical-align:middle;margin-right:4px"></span>{facility_kind(kind, lang)}</span>'
        for kind, (c, _) in FACILITY_STYLE.items() if kind in facility_kinds)
    level = t("grid", lang) if measure.level == "grid" else t("building", lang)
    unit = f"（{t(measure.unit, lang)}）" if measure.unit else ""
    facilities = f'<br><b>{t("facilities", lang)}：</b>{dots}' if dots else ""
    st.markdown(f'<div data-testid="map-legend"><b>{t("legend", lang)} · {level} · {t(mode, lang)}{unit}：</b>'
                f'{swatches}{facilities}</div>', unsafe_allow_html=True)


def _colour_mode(meeting: bool, buildings_in_view: int, lang: str) -> str:
    """The colour-mode choice, labelled by what carries the colour (grids or buildings).

    In meeting mode grids carry every colour, so "worst flag" would draw the
    same map as "red households" (both red per 100 households): not offered there.
    """
    modes = [m for m in COLOUR_MODES if not (meeting and m == "by_worst")]
    if st.session_state.get(COLOUR_MODE) not in modes:
        st.session_state[COLOUR_MODE] = modes[0]
    grid_level = meeting or buildings_in_view > data.DETAIL_LIMIT or st.session_state[COLOUR_MODE] in GRID_ONLY_MODES
    return st.radio(t("colour_grids_by" if grid_level else "colour_by", lang), modes, key=COLOUR_MODE,
                    format_func=lambda m: t(m, lang), horizontal=True)


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    meeting = meeting_mode()
    path = data.artifact_path()
    if not path.exists():
        st.error(t("no_artifact", lang))
        return
    version = data.artifact_version(path)
    selection = current_selection()
    current = data.view(str(path), version, selection)
    meta = data.load_meta(str(path), version)
    if meeting:
        st.markdown(_MEETING_CSS, unsafe_allow_html=True)
    st.title(md(data.app_title(lang)) + (f" · {t('meeting', lang)}" if meeting else ""))  # data: never markup
    note = f"{t('reference_date', lang)}：{md(meta.get('reference_date', ''))}"
    if not selection.is_empty():
        note += f" · **{t('filtered', lang)}**"
    st.caption(note)
    kpi_strip(current["figures"], lang, meeting=meeting,  # type: ignore[arg-type]
              households_filtered=selection.filters_households())
    controls = st.columns([5, 1])
    with controls[0]:
        mode = _colour_mode(meeting, len(current["buildings"]), lang)  # type: ignore[arg-type]
    heat = controls[1].checkbox(t("heat", lang), key=HEAT, help=t("heat_help", lang))
    layers = data.map_layers(str(path), version, selection, mode, meeting, heat, lang, data.tiles_gcj02())
    _legend(layers["measure"], mode, layers["facility_kinds"], lang)  # type: ignore[arg-type]
    if heat and not layers["heat_available"]:
        st.warning(t("heat_too_many", lang))
    if meeting:
        _meeting_map(layers, current, mode, lang)
    else:
        _map_and_panel(layers, str(path), version, selection, mode, lang)
        changes_summary(data.load_changes(str(path), version), meta, lang)


def _drill_down(key: str, path: str, version: float) -> None:
    """Map callback in the district view: a click on a grid selects it in the sidebar filter."""
    point = (st.session_state.get(key) or {}).get("last_clicked") or {}
    grid = data.grid_at(path, version, point["lat"], point["lng"]) if point else None
    if grid:
        st.session_state[FILTER_KEYS["grids"]] = [grid]
        st.session_state[DRILLED] = True


def _tooltip_labels(mode: str, lang: str) -> tuple[str, str, str]:
    return t("building", lang), t("households", lang), t(mode, lang)


def _meeting_map(layers: dict[str, object], current: dict[str, object], mode: str, lang: str) -> None:
    """The map coloured by grid and the per-grid table; no click panel, small counts suppressed."""
    fmap = build_map(layers, tooltip_labels=(t("grid", lang), "", t(mode, lang)), tiles=data.tile_config())
    map_col, table_col = st.columns([3, 2])
    with map_col:
        st_folium(fmap, returned_objects=[], height=MEETING_MAP_HEIGHT, use_container_width=True,
                  key=f"meeting-map-{mode}")
    with table_col:
        grid_table(current["grids"], lang)  # type: ignore[arg-type]


@st.fragment
def _map_and_panel(layers: dict[str, object], path: str, version: float, selection: Selection, mode: str,
                   lang: str) -> None:
    """Map and building panel; a click reruns only this fragment, not the whole page."""
    fmap = build_map(layers, tooltip_labels=_tooltip_labels(mode, lang), tiles=data.tile_config())
    map_col, panel_col = st.columns([5, 4])  # the panel shows its six columns at 1920 px
    key = f"map-{mode}"
    district = not layers["detail"]
    with map_col:
        # the click point, not the clicked layer: it works for SVG and canvas alike, and the
        # building (or, in a district, the grid) is looked up on the server
        clicked = st_folium(fmap, returned_objects=["last_clicked"], height=560, use_container_width=True,
                            key=key, on_change=partial(_drill_down, key, path, version) if district else None)
    if st.session_state.pop(DRILLED, False):  # a grid was chosen on the map: filters, KPIs and map follow
        st.rerun(scope="app")
    with panel_col:
        point = (clicked or {}).get("last_clicked") or {}
        properties = data.building_at(path, version, selection, point["lat"], point["lng"]) \
            if point and not district else None
        if district:
            st.info(t("district_hint", lang).format(n=layers["buildings_in_view"]))
        elif properties:
            building_panel(properties, data.households_of(path, version, selection, str(properties["building_id"])),
                           lang)
        else:
            st.info(t("click_hint", lang))


render()
