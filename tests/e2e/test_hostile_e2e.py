"""Hostile text in a community's own files: shown as text, never run, never fetched."""

from __future__ import annotations

import json
from collections.abc import Iterator

import geopandas as gpd
import pytest

from pipelines.build import run_build
from tests.community import OPTIONAL, REQUIRED, community_frames, write_community
from tests.e2e.conftest import SCREENSHOTS, _serve, map_frame, wait_for_app

EVIL = "http://evil.example"
IMAGE = f"![t]({EVIL}/x.png)"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hostile")
    frames = community_frames()
    frames["resources"].loc[0, "name"] = f'=HYPERLINK("{EVIL}","点我")'
    frames["residents"].loc[0, "name"] = f'<img src="{EVIL}/n.png">'
    frames["special_groups"].loc[0, "support"] = f"{IMAGE} 联系13900002222"
    source = write_community(folder / "in", (*REQUIRED, *OPTIONAL), frames=frames)
    (source / "community.json").write_text(json.dumps({"reference_date": "2026-11-28", "community": IMAGE},
                                                      ensure_ascii=False), encoding="utf-8")
    compounds = gpd.read_file(source / "compounds.geojson")
    compounds.loc[0, "小区名称"] = f"{IMAGE}花园"
    compounds.to_file(source / "compounds.geojson", driver="GeoJSON")
    buildings = gpd.read_file(source / "buildings.geojson")
    buildings.loc[0, "楼号"] = f"[b]({EVIL})"
    buildings.to_file(source / "buildings.geojson", driver="GeoJSON")
    run_build(source, folder / "community.gpkg", progress=False)
    yield from _serve(folder / "community.gpkg")


def _no_evil(page) -> None:  # type: ignore[no-untyped-def]
    assert page.foreign_requests == []
    for frame in page.frames:
        found = frame.locator(f'img[src^="{EVIL}"], a[href^="{EVIL}"]')
        assert found.count() == 0, [found.nth(i).evaluate("e => e.parentElement.outerHTML.slice(0, 300)")
                                    for i in range(found.count())]


CENTRE_OF_C1_1 = """() => { let found = null; window.map.eachLayer(l => {
  if (!found && l.feature && l.feature.properties && l.feature.properties.building_id === "C1-1") found = l; });
  const p = window.map.latLngToContainerPoint(found.getBounds().getCenter()); return {x: p.x, y: p.y}; }"""


def test_hostile_names_are_shown_as_text_everywhere(hostile: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(hostile)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    assert IMAGE in page.inner_text("h1").replace("\u2060", "")  # the community's name, as written
    target = frame.evaluate(CENTRE_OF_C1_1)
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.wait_for_function("() => document.body.innerText.includes('花园 [b]')", timeout=30_000)
    _no_evil(page)
    page.screenshot(path=str(SCREENSHOTS / "hostile_panel.png"))
    for name in ("情况表", "数据质量"):
        page.get_by_role("link", name=name).click()
        wait_for_app(page)
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
        _no_evil(page)
    assert "13900002222" not in page.content()

