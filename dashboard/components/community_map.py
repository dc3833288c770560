"""The folium map: buildings coloured by a chosen measure, grid outlines and names."""

from __future__ import annotations

import folium

__all__ = ["COLOUR_MODES", "FACILITY_STYLE", "build_map", "legend_items"]

# facility kind → (colour, radius in px); partner units and organisations share one muted colour
FACILITY_STYLE: dict[str, tuple[str, int]] = {
    "应急服务站": ("#d7191c", 9), "医养驿站": ("#1a9641", 9), "托管班": ("#fdae61", 8), "老年大学": ("#7b3294", 8),
    "监控点": ("#2b83ba", 4), "消防设施": ("#e66101", 4), "双报到单位": ("#555555", 6), "社会组织": ("#555555", 6),
    "其他": ("#999999", 5),
}

# measure → (property, bin edges, colours, label format); fixed bins so colours compare between builds
COLOUR_MODES: dict[str, tuple[str, list[float], list[str], str]] = {
    "by_red": ("red", [1, 2, 3], ["#e8e8e8", "#fcae91", "#fb6a4a", "#b2182b"], "{:.0f}"),
    "by_old": ("share_60_plus", [0.2, 0.35, 0.5], ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#54278f"], "{:.0%}"),
    "by_reports": ("reports_open", [1, 3, 6], ["#e8e8e8", "#fdd49e", "#fc8d59", "#b30000"], "{:.0f}"),
}


# meeting mode: the first bin is "fewer than 3", so a colour never tells 1 from 2 households
MEETING_COLOUR_MODES: dict[str, tuple[str, list[float], list[str], str]] = {
    "by_red": ("red", [3, 6, 10], ["#e8e8e8", "#fcae91", "#fb6a4a", "#b2182b"], "{:.0f}"),
    "by_old": COLOUR_MODES["by_old"],
    "by_reports": ("reports_open", [3, 6, 10], ["#e8e8e8", "#fdd49e", "#fc8d59", "#b30000"], "{:.0f}"),
}


def _number(value: object) -> float:
    """Numeric value of a property; suppressed ("<3") and missing values count as 0."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _colour(value: float, edges: list[float], colours: list[str]) -> str:
    for edge, colour in zip(edges, colours, strict=False):
        if value < edge:
            return colour
    return colours[-1]


def legend_items(mode: str, *, meeting: bool = False) -> list[tuple[str, str]]:
    """(colour, range text) pairs for the legend of ``mode``; always the bins drawn."""
    _, edges, colours, fmt = (MEETING_COLOUR_MODES if meeting else COLOUR_MODES)[mode]
    texts = [f"< {fmt.format(edges[0])}"]
    texts += [f"{fmt.format(a)} – <{fmt.format(b)}" for a, b in zip(edges, edges[1:], strict=False)]
    texts.append(f"≥ {fmt.format(edges[-1])}")
    return list(zip(colours, texts, strict=True))


def build_map(layers: dict[str, object], mode: str, *, tooltip_labels: tuple[str, str, str],
              meeting: bool = False) -> folium.Map:
    """A Leaflet map with no basemap tiles (works offline): grids, then buildings on top."""
    prop, edges, colours, _ = (MEETING_COLOUR_MODES if meeting else COLOUR_MODES)[mode]
    # keyboard=False: a focusable map container makes the browser scroll it into view on the
    # first mousedown, so the click lands ~20 px away from where the user pressed
    fmap = folium.Map(tiles=None, zoom_control=True, control_scale=True, prefer_canvas=False, keyboard=False)
    fmap.fit_bounds(layers["bounds"])
    folium.GeoJson(
        layers["grids"], name="grids",
        style_function=lambda f: {"color": "#1f3b73", "weight": 3, "fill": False, "dashArray": "6 4"},
        interactive=False,
    ).add_to(fmap)
    folium.GeoJson(
        layers["compounds"], name="compounds",
        style_function=lambda f: {"color": "#6b6b6b", "weight": 1.5, "fill": True, "fillColor": "#ffffff",
                                  "fillOpacity": 0.55},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(fmap)
    folium.GeoJson(
        layers["buildings"], name="buildings",
        style_function=lambda f: {"color": "#444", "weight": 1, "fillOpacity": 0.9, "className": "building",
                                  "fillColor": _colour(_number(f["properties"][prop]), edges, colours)},
        highlight_function=lambda f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["label", "households", prop], aliases=list(tooltip_labels),
                                      sticky=True),
    ).add_to(fmap)
    for kind, name, lat, lon in layers["facilities"]:
        colour, radius = FACILITY_STYLE.get(kind, FACILITY_STYLE["其他"])
        folium.CircleMarker([lat, lon], radius=radius, color="#ffffff", weight=1.5, fill=True, fill_color=colour,
                            fill_opacity=1.0, tooltip=f"{kind}：{name}").add_to(fmap)
    for name, lat, lon in layers["grid_labels"]:
        folium.Marker([lat, lon], icon=folium.DivIcon(
            html=f'<div style="font-size:15px;font-weight:700;color:#1f3b73;white-space:nowrap;'
                 f'text-shadow:0 0 3px #fff,0 0 3px #fff">{name}</div>', icon_size=(80, 20), icon_anchor=(40, 10)),
            interactive=False, keyboard=False,
        ).add_to(fmap)
    return fmap
