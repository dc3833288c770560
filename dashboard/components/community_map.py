"""The folium map: buildings or grids coloured by a chosen measure, outlines, names, facilities, heat.

Colours come from fixed bins (:class:`Measure`), so a colour means the same
thing in every build, month and filter, and the legend is drawn from the same
bins.  Two levels: building detail, or grids coloured by the measure per 100
households (meeting mode, the hotspot view, and a district too large to draw
every building).
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template
from shapely.ops import polylabel

from dashboard.assets import STATIC_URL

__all__ = ["COLOUR_MODES", "GRID_ONLY_MODES", "FACILITY_STYLE", "Measure", "build_map", "grid_label_points",
           "legend_items", "measure_for"]

# facility kind → (colour, radius in px); partner units and organisations share one muted colour
FACILITY_STYLE: dict[str, tuple[str, int]] = {
    "应急服务站": ("#d7191c", 9), "医养驿站": ("#1a9641", 9), "托管班": ("#fdae61", 8), "老年大学": ("#7b3294", 8),
    "监控点": ("#2b83ba", 4), "消防设施": ("#e66101", 4), "双报到单位": ("#555555", 6), "社会组织": ("#555555", 6),
    "其他": ("#999999", 5),
}

_GREYS = "#e8e8e8"
NO_COLOUR = "#f4f4f4"  # a grid too small to colour on the projector (a rate of a few households gives them away)
_REDS = [_GREYS, "#fcae91", "#fb6a4a", "#b2182b"]
_PURPLES = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#54278f"]
_ORANGES = [_GREYS, "#fdd49e", "#fc8d59", "#b30000"]
_HOT = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]


@dataclass(frozen=True)
class Measure:
    """What colours the map: a property, fixed bin edges, colours, how to print an edge, and its level."""

    prop: str
    edges: tuple[float, ...]
    colours: tuple[str, ...]
    fmt: str = "{:.0f}"
    level: str = "building"  # "building" or "grid"
    labels: tuple[str, ...] = ()  # legend texts for categorical measures
    unit: str = ""  # i18n key of the unit shown after the legend title
    counts: bool = False  # whole numbers: bins read 0 / 1 / 2 / ≥3, not "< 1 / 1 – <2"


# colour mode → building-level measure (the user's choice) and its grid-level twin (per 100 households)
COLOUR_MODES: dict[str, tuple[Measure, Measure]] = {
    "by_red": (Measure("red", (1, 2, 3), tuple(_REDS), counts=True),
               Measure("red_per_100", (2, 5, 10), tuple(_REDS), level="grid", unit="per_100")),
    "by_worst": (Measure("worst", (1, 2, 3), ("#d9d9d9", "#2c7fb8", "#fdd835", "#d7301f"),
                         labels=("no_households", "blue", "yellow", "red")),
                 Measure("red_per_100", (2, 5, 10), tuple(_REDS), level="grid", unit="per_100")),
    "by_old": (Measure("share_60_plus", (0.2, 0.35, 0.5), tuple(_PURPLES), "{:.0%}"),
               Measure("share_60_plus", (0.2, 0.35, 0.5), tuple(_PURPLES), "{:.0%}", level="grid")),
    "by_reports": (Measure("reports_open", (1, 3, 6), tuple(_ORANGES), counts=True),
                   Measure("reports_open_per_100", (1, 2, 4), tuple(_ORANGES), "{:g}", level="grid", unit="per_100")),
    "by_hazards": (Measure("open_hazards", (1, 2, 3), tuple(_ORANGES), counts=True),
                   Measure("hazards_open_per_100", (0.5, 1, 2), tuple(_ORANGES), "{:g}", level="grid",
                           unit="per_100")),
    # hotspots: reports and hazards per 100 households per 30 days, grid level only (fixed scale)
    "hotspot": (Measure("hotspot_rate", (3, 5, 8, 12), tuple(_HOT), level="grid", unit="per_100_month"),
                Measure("hotspot_rate", (3, 5, 8, 12), tuple(_HOT), level="grid", unit="per_100_month")),
}

# modes drawn at grid level even where buildings are drawn (their outlines on top)
GRID_ONLY_MODES = frozenset({"hotspot"})


def measure_for(mode: str, *, grid_level: bool) -> Measure:
    """The measure drawn for ``mode``: the grid twin when the map is drawn at grid level."""
    building, grid = COLOUR_MODES[mode]
    return grid if grid_level else building


def legend_items(measure: Measure, label: object = None) -> list[tuple[str, str]]:
    """(colour, range text) pairs for the legend; always the bins drawn.

    Counts read as whole numbers (0 / 1 / 2 / ≥3, or 0 / 1–2 / 3–5 / ≥6);
    rates and shares as plain ranges (<2 / 2–5 / 5–10 / ≥10, a value on an
    edge counting in the upper bin).  ``label`` translates the texts of a
    categorical measure (an i18n function).
    """
    if measure.labels:
        return [(c, label(k) if callable(label) else k) for c, k in zip(measure.colours, measure.labels, strict=True)]
    edges = measure.edges
    if measure.counts:
        lows = [0, *(int(e) for e in edges[:-1])]
        texts = [str(lo) if lo == int(hi) - 1 else f"{lo}–{int(hi) - 1}" for lo, hi in zip(lows, edges, strict=True)]
    else:
        fmt = measure.fmt
        texts = [f"<{fmt.format(edges[0])}"]
        texts += [f"{fmt.format(a)}–{fmt.format(b)}" for a, b in zip(edges, edges[1:], strict=False)]
    texts.append(f"≥{int(edges[-1])}" if measure.counts else f"≥{measure.fmt.format(edges[-1])}")
    return list(zip(measure.colours, texts, strict=True))


def grid_label_points(grids: gpd.GeoDataFrame, avoid: gpd.GeoSeries, *, metres_per_px: float = 1.5,
                      clearance_m: float = 25.0) -> gpd.GeoSeries:
    """A point inside each grid where its name's label box sits clear of ``avoid`` (the facility dots).

    Candidates are the pole of inaccessibility (polylabel), a representative
    point and a lattice over the grid; the box (its size from the name's
    length, ``metres_per_px`` at the usual zoom) must lie inside the grid,
    then the candidate farthest from any dot (up to ``clearance_m``) wins,
    ties going to the one nearest the grid's middle.
    """
    crs = grids.estimate_utm_crs()
    shapes = grids.geometry.to_crs(crs)
    obstacles = avoid.to_crs(crs).values if len(avoid) else None
    tree = shapely.STRtree(obstacles) if obstacles is not None else None
    chosen = []
    for name, shape in zip(grids["name"], shapes, strict=True):
        if shape is None or shape.is_empty:
            chosen.append(shape)
            continue
        part = max(getattr(shape, "geoms", [shape]), key=lambda g: g.area)
        middle = polylabel(part, tolerance=1.0)
        candidates = _candidates(part, middle)
        half_w, half_h = (len(str(name)) * 15 + 16) * metres_per_px / 2, 26 * metres_per_px / 2
        x, y = shapely.get_x(candidates), shapely.get_y(candidates)
        boxes = shapely.box(x - half_w, y - half_h, x + half_w, y + half_h)
        clear = np.full(len(candidates), clearance_m)
        if tree is not None:
            (hit, _), dist = tree.query_nearest(boxes, max_distance=clearance_m, return_distance=True)
            clear[hit] = np.minimum(clear[hit], dist)
        score = shapely.contains(part, boxes) * 1e6 + clear * 1e3 - shapely.distance(candidates, middle)
        chosen.append(candidates[int(np.argmax(score))])
    return gpd.GeoSeries(chosen, index=grids.index, crs=crs).to_crs(grids.crs)


def _candidates(part: shapely.Polygon, middle: shapely.Point, steps: int = 14) -> np.ndarray:
    """Points to try for a label: the polygon's middle, a representative point and a lattice inside it."""
    x0, y0, x1, y1 = part.bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, steps + 2)[1:-1], np.linspace(y0, y1, steps + 2)[1:-1])
    lattice = shapely.points(xs.ravel(), ys.ravel())
    lattice = lattice[shapely.contains(part, lattice)]
    return np.concatenate([[middle, part.representative_point()], lattice])


OVERDUE_RING = "#c2185b"  # magenta: apart from the red of red households and the heat colours
_HEAT_CSS = "<style>.leaflet-heatmap-layer{pointer-events:none}</style>"  # the heat canvas must not eat clicks
# a grid's name on a light box: readable on the darkest fill and on a basemap
# (sized to the map's frame: larger on a big screen; vh inside the map's frame is the frame's height)
_LABEL_CSS = ("<style>.grid-label div{display:inline-block;font-size:clamp(14px,2.6vh,44px);font-weight:700;"
              "color:#1f3b73;"
              "white-space:nowrap;background:rgba(255,255,255,0.88);border:1px solid #1f3b73;border-radius:3px;"
              "padding:0 5px;line-height:1.35;transform:translate(-50%,-50%)}</style>")


class _MapSetup(MacroElement):
    """Leaflet's own controls, offline and plain, and a map that fills whatever frame it is given.

    A metric-only scale bar; the attribution prefix as the plain word
    "Leaflet" (1.9's prefix carries a flag icon); the default marker icons'
    folder, which Leaflet otherwise guesses wrong from the CSS URL (two 404s
    per map).  The map fills its frame's height (the page sizes the frame to
    the screen, ``viewport.fill_viewport``); when the frame changes size the
    map redraws and, until someone has moved it, fits the community again.
    """

    _template = Template("""{% macro header(this, kwargs) %}
        <style>#map_div, #map_div2 {height: 100vh !important;} html, body {margin: 0; overflow: hidden;}
        .leaflet-container {font-size: clamp(12px, 1.7vh, 28px);}
        .leaflet-control-zoom a {width: 1.9em !important; height: 1.9em !important; line-height: 1.9em !important;
          font-size: 1.3em !important;}
        .leaflet-control-scale-line, .leaflet-control-attribution, .leaflet-tooltip {font-size: 1em !important;}
        </style>
    {% endmacro %}
    {% macro script(this, kwargs) %}
        L.Icon.Default.imagePath = {{ this.images|tojson }};
        {{ this._parent.get_name() }}.attributionControl.setPrefix("Leaflet");
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        (function (map, bounds) {
            var moved = false;
            ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (name) {
                map.getContainer().addEventListener(name, function () { moved = true; }, {passive: true});
            });
            window.addEventListener("resize", function () {
                map.invalidateSize();
                if (!moved) map.fitBounds(bounds);
            });
        })({{ this._parent.get_name() }}, {{ this.bounds|tojson }});
    {% endmacro %}""")

    def __init__(self, bounds: object) -> None:
        super().__init__()
        self._name = "MapSetup"
        self.images = f"{STATIC_URL}/leaflet/images/"
        self.bounds = bounds


def build_map(layers: dict[str, object], *, tooltip_labels: tuple[str, str, str],
              tiles: dict[str, str] | None = None) -> folium.Map:
    """A Leaflet map with no basemap tiles unless ``tiles`` is configured (works offline).

    ``layers`` comes from ``dashboard.data.map_layers``: every feature already
    carries its display text (``value``) and colour (``fill``), computed on the
    server from fixed bins; grids carry them when the map is drawn at grid level.
    """
    # keyboard=False: a focusable map container makes the browser scroll it into view on the
    # first mousedown, so the click lands ~20 px away from where the user pressed
    # zoom_snap 0.25: the community fills the frame instead of jumping to the next whole zoom level
    fmap = folium.Map(tiles=None, zoom_control=True, control_scale=False, prefer_canvas=False, keyboard=False,
                      zoom_snap=0.25)
    _MapSetup(layers["bounds"]).add_to(fmap)  # before any marker: it sets where the marker icons are
    if tiles:
        folium.TileLayer(tiles=tiles["url"], attr=tiles.get("attribution", ""), name="basemap",
                         subdomains=tiles.get("subdomains", "abc"), max_zoom=19).add_to(fmap)
    fmap.fit_bounds(layers["bounds"])
    grid_level = bool(layers["grid_level"])
    folium.GeoJson(
        layers["grids"], name="grids",
        style_function=(lambda f: {"color": "#1f3b73", "weight": 3, "dashArray": "6 4", "fill": True,
                                   "fillOpacity": 0.8, "fillColor": f["properties"]["fill"]})
        if grid_level else (lambda f: {"color": "#1f3b73", "weight": 3, "fill": False, "dashArray": "6 4"}),
        tooltip=folium.GeoJsonTooltip(fields=["name", "value"], aliases=[tooltip_labels[0], tooltip_labels[2]])
        if grid_level else None,
        interactive=grid_level,
    ).add_to(fmap)
    if layers.get("compounds") and not grid_level:
        folium.GeoJson(
            layers["compounds"], name="compounds",
            style_function=lambda f: {"color": "#6b6b6b", "weight": 1.5, "fill": True, "fillColor": "#ffffff",
                                      "fillOpacity": 0.55},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(fmap)
    buildings = layers.get("buildings")
    if buildings and buildings["features"]:
        if grid_level:  # outlines only: the colour is the grid's
            folium.GeoJson(buildings, name="buildings",
                           style_function=lambda f: {"color": "#333", "weight": 1, "fill": True,
                                                     "fillColor": "#ffffff", "fillOpacity": 0.5,
                                                     "className": "building"},
                           tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False)).add_to(fmap)
        else:
            folium.GeoJson(
                buildings, name="buildings",
                style_function=lambda f: {"color": "#444", "weight": 1, "fillOpacity": 0.9, "className": "building",
                                          "fillColor": f["properties"]["fill"]},
                highlight_function=lambda f: {"weight": 3, "color": "#000"},
                tooltip=folium.GeoJsonTooltip(fields=["label", "households", "value"], aliases=list(tooltip_labels),
                                              sticky=True),
            ).add_to(fmap)
    facilities = layers.get("facilities")
    if facilities and facilities["features"]:  # one layer, not a marker each: a third of the payload
        folium.GeoJson(
            facilities, name="facilities", marker=folium.CircleMarker(radius=6, weight=1.5, fill=True),
            style_function=lambda f: {"color": "#ffffff", "weight": 1.5, "fillOpacity": 1.0,
                                      "fillColor": f["properties"]["fill"], "radius": f["properties"]["r"]},
            tooltip=folium.GeoJsonTooltip(fields=["kind_label", "name"], labels=False),
        ).add_to(fmap)
    overdue = layers.get("overdue")
    if overdue:  # reports past their time limit: a red ring on the building, the count in the tooltip
        folium.GeoJson(
            overdue, name="overdue", marker=folium.CircleMarker(radius=11, weight=4, fill=False),
            style_function=lambda f: {"color": OVERDUE_RING, "weight": 4, "fill": False, "radius": 11},
            tooltip=folium.GeoJsonTooltip(fields=["label", "text"], labels=False),
        ).add_to(fmap)
    heat = layers.get("heat")
    if heat:
        fmap.get_root().header.add_child(Element(_HEAT_CSS))
        folium.plugins.HeatMap(heat, name="heat", radius=18, blur=14, min_opacity=0.35).add_to(fmap)
    if layers["grid_labels"]:
        fmap.get_root().header.add_child(Element(_LABEL_CSS))
    for name, lat, lon in layers["grid_labels"]:
        folium.Marker([lat, lon], icon=folium.DivIcon(html=f"<div>{name}</div>", icon_size=(0, 0),
                                                      class_name="grid-label"),
                      interactive=False, keyboard=False).add_to(fmap)
    return fmap
