"""The map in a real headless Chromium: buildings drawn, offline, screenshots saved."""

from __future__ import annotations

from tests.e2e.conftest import SCREENSHOTS, map_frame, wait_for_app


def wait_for_buildings(page, condition: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the (possibly remounted) map iframe draws a number ``n`` of buildings meeting ``condition``."""
    page.wait_for_function(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
        if (!f || !f.contentWindow.map) return false; let n = 0;
        f.contentWindow.map.eachLayer(l => { if (l.feature && l.feature.properties.building_id) n++; });
        return """ + condition + "; }", timeout=30_000)


COUNT_BUILDINGS = """() => { let n = 0; window.map.eachLayer(l => {
  if (l.feature && l.feature.properties && l.feature.properties.building_id !== undefined) n++; }); return n; }"""


def test_map_draws_all_demo_buildings_offline(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    assert frame.evaluate(COUNT_BUILDINGS) == 175
    body = page.inner_text("body")
    assert "3,937" in body and "8,202" in body and "34.9%" in body
    # the title is not hidden under Streamlit's top bar, and the map starts in the upper half of the screen
    title_top, header_bottom, map_top = page.evaluate("""() => [
        document.querySelector('h1').getBoundingClientRect().top,
        document.querySelector('[data-testid="stHeader"]').getBoundingClientRect().bottom,
        document.querySelector('iframe[title="streamlit_folium.st_folium"]').getBoundingClientRect().top]""")
    assert title_top >= header_bottom - 1 and map_top < 540
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "map.png"))


def test_english_page(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/?lang=en")
    wait_for_app(page)
    map_frame(page)
    body = page.inner_text("body")
    assert "Households" in body and "Residents" in body and "Emergency station" in body
    page.screenshot(path=str(SCREENSHOTS / "map_en.png"))


def test_quality_page_in_browser(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/quality")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    body = page.inner_text("body")
    assert "数据质量" in body and "被拒绝的问题" in body
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "quality.png"))


CENTRE_OF_A_BUILDING = """() => { let found = null; window.map.eachLayer(l => {
  if (!found && l.feature && l.feature.properties && l.feature.properties.building_id !== undefined
      && parseFloat(l.feature.properties.value) > 0) found = l; });
  const p = window.map.latLngToContainerPoint(found.getBounds().getCenter());
  return {x: p.x, y: p.y, id: found.feature.properties.building_id, label: found.feature.properties.label}; }"""


def test_click_on_building_opens_its_panel(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    target = frame.evaluate(CENTRE_OF_A_BUILDING)
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    assert "点击地图上的楼栋" in page.inner_text("body")
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.wait_for_function("(label) => document.body.innerText.includes(label)", arg=target["label"],
                           timeout=30_000)
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    body = page.inner_text("body")
    assert f"楼栋：{target['label']}" in body and "红色户" in body
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "building_panel.png"))


def test_meeting_mode_sends_no_personal_data(server: str, page, demo_artifact) -> None:  # type: ignore[no-untyped-def]
    import pyogrio

    page.goto(f"{server}/?mode=meeting")
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    page.wait_for_selector('[data-testid="grid-table"]', timeout=30_000)
    assert frame.evaluate(COUNT_BUILDINGS) == 175
    assert "第一网格" in page.inner_text('[data-testid="grid-table"]')
    sent = page.content() + "".join(f.content() for f in page.frames)
    people = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name", "phone", "id_number"],
                                    read_geometry=False)
    for value in [v for v in [*people["name"], *people["phone"].dropna(), *people["id_number"].dropna()] if v]:
        assert value not in sent, "personal data reached the meeting screen"
    assert "数据质量" not in page.inner_text('[data-testid="stSidebar"]')
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "meeting.png"))


def test_grid_filter_redraws_the_map(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    assert frame.evaluate(COUNT_BUILDINGS) == 175
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("combobox", name="网格").click()
    page.get_by_role("option", name="第三网格").click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    # the map remounts with the grid's buildings only
    wait_for_buildings(page, "n > 0 && n < 175")
    frame = map_frame(page)
    drawn = frame.evaluate(COUNT_BUILDINGS)
    assert 0 < drawn < 175
    assert "已筛选" in page.inner_text("body")
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "map_filtered.png"))


def test_hotspot_view_with_heat_layer(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    wait_for_app(page)
    map_frame(page)
    page.get_by_text("诉求隐患热点（按网格）").click()
    wait_for_app(page)
    page.get_by_text("显示热力图").click()
    wait_for_app(page)
    page.wait_for_function(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
        return f && f.contentDocument && f.contentDocument.querySelector('.leaflet-heatmap-layer') !== null; }""",
        timeout=30_000)
    assert "每百户每月" in page.inner_text('[data-testid="map-legend"]')
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "hotspots.png"))


def test_tables_page_in_browser(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/tables")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    body = page.inner_text("body")
    assert "情况表" in body and "8,202" in body and "导出 Excel" in body
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "tables.png"))


COUNT_GRIDS = """() => { let n = 0; window.map.eachLayer(l => {
  if (l.feature && l.feature.properties && l.feature.properties.grid_id !== undefined) n++; }); return n; }"""
GRID_CENTRE = """() => { let found = null; window.map.eachLayer(l => {
  if (!found && l.feature && l.feature.properties && l.feature.properties.grid_id !== undefined) found = l; });
  const p = window.map.latLngToContainerPoint(found.getBounds().getCenter());
  return {x: p.x, y: p.y, name: found.feature.properties.name}; }"""


def test_district_drawn_as_grids_and_a_click_drills_into_one(  # type: ignore[no-untyped-def]
        district_server: str, page) -> None:
    page.goto(district_server)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    assert frame.evaluate(COUNT_BUILDINGS) == 0 and frame.evaluate(COUNT_GRIDS) == 100
    assert "1,750" in page.inner_text("body")  # the hint says how many buildings are behind the grids
    page.screenshot(path=str(SCREENSHOTS / "district.png"))
    target = frame.evaluate(GRID_CENTRE)
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    wait_for_buildings(page, "n > 0")
    wait_for_app(page)
    assert target["name"] in page.inner_text('[data-testid="stSidebar"]')  # the grid is now the filter
    assert "已筛选" in page.inner_text("body")
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "district_drilled.png"))
