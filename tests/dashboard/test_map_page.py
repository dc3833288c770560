"""AppTest: what the map page's legend, colour-mode choice and map script say (the projector view)."""

from __future__ import annotations

import html
import json
import re

from streamlit.testing.v1 import AppTest


def _legend(app: AppTest) -> str:
    return next(md.value for md in app.markdown if 'data-testid="map-legend"' in md.value)


def _swatches(app: AppTest) -> list[str]:
    """The legend's bin texts, in order."""
    colours = _legend(app).split("<br>")[0]
    return [html.unescape(text) for text in re.findall(r"</span>([^<]+)</span>", colours)]


def _map_script(app: AppTest) -> str:
    components = [el for el in app.main if el.proto.__class__.__name__ == "ComponentInstance"]
    return json.loads(components[0].proto.json_args)["script"]


def test_count_legends_use_whole_numbers_and_rates_plain_ranges(app: AppTest) -> None:
    app.run()
    assert _swatches(app) == ["0", "1", "2", "≥3"]
    app.main.radio(key="colour_mode").set_value("by_reports").run()
    assert _swatches(app) == ["0", "1–2", "3–5", "≥6"]
    app.main.radio(key="colour_mode").set_value("by_old").run()
    assert _swatches(app) == ["<20%", "20%–35%", "35%–50%", "≥50%"]
    app.main.radio(key="colour_mode").set_value("hotspot").run()
    assert _swatches(app) == ["<3", "3–5", "5–8", "8–12", "≥12"]


def test_colour_mode_label_says_what_carries_the_colour(app: AppTest) -> None:
    app.run()
    assert app.main.radio(key="colour_mode").label == "楼栋着色"
    app.main.radio(key="colour_mode").set_value("hotspot").run()
    assert app.main.radio(key="colour_mode").label == "网格着色"


def test_meeting_mode_offers_no_mode_that_draws_the_same_grid_map(app: AppTest) -> None:
    app.run()
    app.main.radio(key="colour_mode").set_value("by_worst").run()
    app.sidebar.toggle(key="meeting_mode").set_value(True).run()
    radio = app.main.radio(key="colour_mode")
    assert radio.label == "网格着色" and "by_worst" not in radio.options and radio.value == "by_red"
    assert not app.exception


def test_facility_legend_lists_only_the_kinds_in_view(app: AppTest) -> None:
    app.run()
    assert "应急服务站" in _legend(app) and "社会组织" in _legend(app)
    app.sidebar.multiselect(key="f_grids").set_value(["WG01"]).run()  # a grid with cameras, hydrants, partners
    legend = _legend(app)
    assert "监控点" in legend and "双报到单位" in legend
    assert not any(kind in legend for kind in ("应急服务站", "医养驿站", "托管班", "老年大学", "社会组织"))


def test_map_scale_is_metric_and_attribution_plain(app: AppTest) -> None:
    app.run()
    script = _map_script(app)
    assert "L.control.scale({imperial: false})" in script and "L.control.scale()" not in script
    assert 'attributionControl.setPrefix("Leaflet")' in script
    assert 'L.Icon.Default.imagePath = "/app/static/leaflet/images/"' in script
    assert "grid-label" in script  # names on a light box
