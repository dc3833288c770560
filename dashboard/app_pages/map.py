"""地图 Map: the KPI strip, the community map and what changed; in meeting mode the projector view."""

from __future__ import annotations

from functools import partial

import streamlit as st
from streamlit_folium import st_folium

from dashboard import data
from dashboard.components.building_panel import building_panel
from dashboard.components.changes import changes_summary
from dashboard.components.community_map import (
    COLOUR_MODES,
    GRID_ONLY_MODES,
    build_map,
)
from dashboard.components.grid_table import grid_table
from dashboard.components.kpi import kpi_strip, kpi_tiles
from dashboard.components.legend import legend_html
from dashboard.components.screen import keep_current, screen_colour_mode
from dashboard.components.viewport import fill_viewport
from dashboard.i18n import t
from dashboard.safe_text import md
from dashboard.state import (
    COLOUR_MODE,
    DRILLED,
    FILTER_KEYS,
    HEAT,
    current_lang,
    current_selection,
    meeting_mode,
    screen_mode,
)
from pipelines.selection import Selection

# the map's first height, before the browser fits it to the screen (viewport.fill_viewport)
MEETING_MAP_HEIGHT = 520
# projector: less room above the title, a smaller title, high contrast (looks only: what is private is never
# sent at all)
_MEETING_CSS = """<style>
[data-testid="stHeader"] {background: transparent !important; pointer-events: none;}
[data-testid="stHeader"] button, [data-testid="stHeader"] a {pointer-events: auto;}
[data-testid="stMainBlockContainer"] {padding-top: 1.1rem !important;}
h1 {font-size: clamp(1.4rem, min(3.4vh, 2.2vw), 3.6rem) !important;}
[data-testid="stCaptionContainer"] {color: #333 !important;}
</style>"""


def _colour_mode(meeting: bool, buildings_in_view: int, lang: str, *, compact: bool = False) -> str:
    """The colour-mode choice, labelled by what carries the colour (grids or buildings).

    In meeting mode grids carry every colour, so "worst flag" would draw the
    same map as "red households" (both red per 100 households): not offered there.
    """
    modes = [m for m in COLOUR_MODES if not (meeting and m == "by_worst")]
    if st.session_state.get(COLOUR_MODE) not in modes:
        st.session_state[COLOUR_MODE] = modes[0]
    grid_level = meeting or buildings_in_view > data.DETAIL_LIMIT or st.session_state[COLOUR_MODE] in GRID_ONLY_MODES
    return st.radio(t("colour_grids_by" if grid_level else "colour_by", lang), modes, key=COLOUR_MODE,
                    format_func=lambda m: t(m, lang), horizontal=True,
                    label_visibility="collapsed" if compact else "visible")


def render() -> None:
    """Draw the page: the desk view, the projector (meeting mode) or the always-on screen."""
    lang = current_lang()
    meeting, screen = meeting_mode(), screen_mode()
    path = data.artifact_path()
    version = data.artifact_version(path)
    selection = current_selection()
    current = data.view(str(path), version, selection)
    meta = data.load_meta(str(path), version)
    if meeting:
        st.html(_MEETING_CSS)
    suffix = f" · {t('screen', lang)}" if screen else f" · {t('meeting', lang)}" if meeting else ""
    st.title(md(data.app_title(lang)) + suffix)  # the community's name is data: never markup
    note = f"{t('reference_date', lang)}：{md(meta.get('reference_date', ''))}"
    if meeting:
        note += f" · {t('screen_rounded' if screen else 'meeting_rounded', lang)}"
    if not selection.is_empty():
        note += f" · **{t('filtered', lang)}**"
    st.caption(note)
    if meeting:
        kpi_tiles(current["figures"], lang, screen=screen)  # type: ignore[arg-type]
    else:
        kpi_strip(current["figures"], lang,  # type: ignore[arg-type]
                  households_filtered=selection.filters_households())
    if screen:
        _screen(str(path), version, selection, current, lang)
        return
    controls = st.columns([3, 1])  # the heat switch keeps its whole label on a 1024-px screen
    with controls[0]:
        mode = _colour_mode(meeting, len(current["buildings"]), lang, compact=meeting)  # type: ignore[arg-type]
    heat = controls[1].checkbox(t("heat", lang), key=HEAT, help=t("heat_help", lang))
    layers = data.map_layers(str(path), version, selection, mode, meeting, heat, lang, data.tiles_gcj02())
    legend = legend_html(layers["measure"], mode, layers["facility_kinds"], lang,  # type: ignore[arg-type]
                         projector=meeting, uncoloured=bool(layers.get("uncoloured")),
                         overdue=bool(layers.get("overdue")))
    if not meeting:
        st.markdown(legend, unsafe_allow_html=True)
    if heat and not layers["heat_available"]:
        st.warning(t("heat_too_many", lang))
    if meeting:
        _meeting_map(layers, current, mode, legend, lang)
        fill_viewport(reserve_px=12, min_px=300)
    else:
        _map_and_panel(layers, str(path), version, selection, mode, lang)
        fill_viewport(reserve_px=16, min_px=420)
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


def _meeting_map(layers: dict[str, object], current: dict[str, object], mode: str, legend: str, lang: str) -> None:
    """The map coloured by grid beside the per-grid table and the legend; no click panel."""
    fmap = build_map(layers, tooltip_labels=(t("grid", lang), "", t(mode, lang)), tiles=data.tile_config())
    map_col, table_col = st.columns([6, 5])  # ten grids and seven columns fit beside the map at 1024 px
    with map_col:
        st_folium(fmap, returned_objects=[], height=MEETING_MAP_HEIGHT, use_container_width=True,
                  key=f"meeting-map-{mode}")
    with table_col:
        grid_table(current["grids"], lang)  # type: ignore[arg-type]
        st.markdown(legend, unsafe_allow_html=True)


def _screen(path: str, version: float, selection: Selection, current: dict[str, object], lang: str) -> None:
    """The always-on screen: the map fills what is left of the screen, legend inside, and keeps itself current."""
    mode = screen_colour_mode()
    layers = data.map_layers(path, version, selection, mode, True, False, lang, data.tiles_gcj02())
    legend = legend_html(layers["measure"], mode, layers["facility_kinds"],  # type: ignore[arg-type]
                         lang, projector=True, uncoloured=bool(layers.get("uncoloured")))
    fmap = build_map(layers, tooltip_labels=(t("grid", lang), "", t(mode, lang)), tiles=data.tile_config())
    map_col, table_col = st.columns([13, 7])
    with map_col:
        st_folium(fmap, returned_objects=[], height=MEETING_MAP_HEIGHT, use_container_width=True,
                  key=f"screen-map-{mode}")
    with table_col:
        grid_table(current["grids"], lang, narrow=True)  # type: ignore[arg-type]
        st.markdown(legend, unsafe_allow_html=True)
    fill_viewport(reserve_px=8, min_px=300)
    keep_current(path, version)


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
