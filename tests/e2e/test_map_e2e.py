"""The map in a real headless Chromium: buildings drawn, offline, screenshots saved."""

from __future__ import annotations

import re

from tests.e2e.conftest import SCREENSHOTS, map_frame, wait_for_app, wait_for_text


def wait_for_buildings(page, condition: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the (possibly remounted) map iframe draws a number ``n`` of buildings meeting ``condition``."""
    page.wait_for_function(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
        if (!f || !f.contentWindow.map) return false; let n = 0;
        f.contentWindow.map.eachLayer(l => { if (l.feature && l.feature.properties.building_id) n++; });
        return """ + condition + "; }", timeout=30_000)


_CJK = re.compile(r"[\u4e00-\u9fff]")
COUNT_BUILDINGS = """() => { let n = 0; window.map.eachLayer(l => {
  if (l.feature && l.feature.properties && l.feature.properties.building_id !== undefined) n++; }); return n; }"""


def test_map_draws_all_demo_buildings_offline(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    frame = map_frame(page)
    wait_for_text(page, "3,937", "8,202", "34.9%")
    assert frame.evaluate(COUNT_BUILDINGS) == 175
    # the title is not hidden under Streamlit's top bar, and the map starts in the upper half of the screen
    title_top, header_bottom, map_top = page.evaluate("""() => [
        document.querySelector('h1').getBoundingClientRect().top,
        document.querySelector('[data-testid="stHeader"]').getBoundingClientRect().bottom,
        document.querySelector('iframe[title="streamlit_folium.st_folium"]').getBoundingClientRect().top]""")
    assert title_top >= header_bottom - 1 and map_top < 540
    # Leaflet's own controls: a metric scale only, and a plain attribution (1.9's prefix has a flag icon)
    scale = frame.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scale) == 1 and scale[0].split()[-1] in ("m", "km")
    attribution = frame.locator(".leaflet-control-attribution")
    assert attribution.inner_text().strip() == "Leaflet" and attribution.locator("svg, img").count() == 0
    labels = frame.evaluate(LABELS_AND_DOTS)
    assert len(labels["labels"]) == 10
    for label in labels["labels"]:  # a light box under each grid name, clear of every facility dot
        assert label["background"] not in ("rgba(0, 0, 0, 0)", "transparent"), label
        assert not [dot for dot in labels["dots"] if _overlap(label, dot)], label["text"]
    assert page.foreign_requests == [] and page.failed_responses == []
    page.screenshot(path=str(SCREENSHOTS / "map.png"))


LABELS_AND_DOTS = """() => {
  const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const labels = [...document.querySelectorAll('.grid-label div')].map(d => ({
    ...box(d.getBoundingClientRect()), text: d.innerText, background: getComputedStyle(d).backgroundColor}));
  const dots = []; window.map.eachLayer(l => {
    if (l.feature && l.feature.properties && l.feature.properties.kind_label !== undefined && l._path)
      dots.push(box(l._path.getBoundingClientRect())); });
  return {labels, dots}; }"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_english_page(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/?lang=en")
    map_frame(page)
    wait_for_text(page, "Households", "Residents", "Emergency station", "Colour buildings by")
    assert not _CJK.search(page.inner_text('[data-testid="stMain"]').replace("广生泉社区", ""))
    page.screenshot(path=str(SCREENSHOTS / "map_en.png"))


def test_quality_page_in_browser(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/quality")
    wait_for_text(page, "数据质量", "被拒绝的问题", "导出问题清单")
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "quality.png"))


CENTRE_OF_A_BUILDING = """() => { let found = null; window.map.eachLayer(l => {
  if (!found && l.feature && l.feature.properties && l.feature.properties.building_id !== undefined
      && parseFloat(l.feature.properties.value) > 0) found = l; });
  const p = window.map.latLngToContainerPoint(found.getBounds().getCenter());
  return {x: p.x, y: p.y, id: found.feature.properties.building_id, label: found.feature.properties.label}; }"""


def test_click_on_building_opens_its_panel(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    frame = map_frame(page)
    wait_for_text(page, "点击地图上的楼栋")
    target = frame.evaluate(CENTRE_OF_A_BUILDING)
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    wait_for_text(page, f"楼栋：{target['label']}", "红色户")
    page.wait_for_selector('[data-testid="stDataFrame"] [role="columnheader"]', state="attached", timeout=30_000)
    # all six columns in view at 1920 px: none cut off at the right edge, no sideways scrolling
    panel = page.evaluate("""() => { const d = document.querySelector('[data-testid="stDataFrame"]');
      const s = d.querySelector('.dvn-scroller');
      return {right: d.getBoundingClientRect().right, scroll: s.scrollWidth, client: s.clientWidth,
              headers: [...d.querySelectorAll('[role="columnheader"]')].map(h => h.textContent)}; }""")
    assert panel["headers"] == ["颜色", "单元", "人数", "最近走访", "逾期", "原因"]
    assert panel["scroll"] <= panel["client"] and panel["right"] <= 1920
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "building_panel.png"))


def test_meeting_mode_sends_no_personal_data(server: str, page, demo_artifact) -> None:  # type: ignore[no-untyped-def]
    import pyogrio

    page.goto(f"{server}/?mode=meeting")
    frame = map_frame(page)
    wait_for_text(page, "第一网格", selector='[data-testid="grid-table"]')
    assert frame.evaluate(COUNT_BUILDINGS) == 175
    # the whole map on a 1920×1080 projector: its bottom edge is on the screen
    assert page.evaluate("""() => document.querySelector('iframe[title="streamlit_folium.st_folium"]')
        .getBoundingClientRect().bottom""") <= 1080
    sent = page.content() + "".join(f.content() for f in page.frames)
    people = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name", "phone", "id_number"],
                                    read_geometry=False)
    for value in [v for v in [*people["name"], *people["phone"].dropna(), *people["id_number"].dropna()] if v]:
        assert value not in sent, "personal data reached the meeting screen"
    assert "数据质量" not in page.inner_text('[data-testid="stSidebar"]')
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "meeting.png"))
    # the sidebar starts collapsed on a projector, one click away; its toggle switches the meeting off
    opener = '[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button'
    page.locator(opener).first.click()
    page.locator('[data-testid="stSidebar"]').get_by_text("会议模式", exact=True).click()
    wait_for_text(page, "数据质量", selector='[data-testid="stSidebar"]')
    assert "会议模式" not in page.inner_text("h1") and "mode=meeting" not in page.url


def test_grid_filter_redraws_the_map(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    frame = map_frame(page)
    wait_for_text(page, "3,937")
    assert frame.evaluate(COUNT_BUILDINGS) == 175
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("combobox", name="网格").click()
    page.get_by_role("option", name="第三网格").click()
    page.keyboard.press("Escape")
    wait_for_text(page, "已筛选")
    # the map remounts with the grid's buildings only
    wait_for_buildings(page, "n > 0 && n < 175")
    frame = map_frame(page)
    drawn = frame.evaluate(COUNT_BUILDINGS)
    assert 0 < drawn < 175
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "map_filtered.png"))


def test_hotspot_view_with_heat_layer(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    map_frame(page)
    wait_for_text(page, "诉求隐患热点（按网格）")
    page.get_by_text("诉求隐患热点（按网格）").click()
    wait_for_text(page, "每百户每月", selector='[data-testid="map-legend"]')
    page.get_by_text("显示热力图").click()
    page.wait_for_function(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
        return f && f.contentDocument && f.contentDocument.querySelector('.leaflet-heatmap-layer') !== null; }""",
        timeout=30_000)
    wait_for_app(page)
    assert "网格着色" in page.inner_text('[data-testid="stMain"]')
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "hotspots.png"))


def test_tables_page_in_browser(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/tables")
    # the download button is drawn last: wait for it (and the rest) before reading the page
    wait_for_text(page, "情况表", "8,202", "导出 Excel")
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    page.wait_for_selector('[data-testid="stDownloadButton"]', timeout=30_000)
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
    frame = map_frame(page)
    wait_for_text(page, "1,750")  # the hint says how many buildings are behind the grids
    assert frame.evaluate(COUNT_BUILDINGS) == 0 and frame.evaluate(COUNT_GRIDS) == 100
    assert "网格着色" in page.inner_text('[data-testid="stMain"]')
    page.screenshot(path=str(SCREENSHOTS / "district.png"))
    target = frame.evaluate(GRID_CENTRE)
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    wait_for_buildings(page, "n > 0")
    wait_for_text(page, target["name"], selector='[data-testid="stSidebar"]')  # the grid is now the filter
    wait_for_text(page, "已筛选")
    assert page.foreign_requests == []
    page.screenshot(path=str(SCREENSHOTS / "district_drilled.png"))
