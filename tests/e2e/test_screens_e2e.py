"""Fits the screens it is used on: projectors at 1024×768 and 1280×720, 1920×1080, and a 4K leadership screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.build import run_build
from tests.community import OPTIONAL, REQUIRED, community_frames, write_community
from tests.e2e.conftest import SCREENSHOTS, _serve, map_frame, session_cookie, wait_for_app

SIZES = [(1024, 768), (1280, 720), (1920, 1080), (3840, 2160)]
VIEWS = {"map": "", "meeting": "?mode=meeting", "screen": "?mode=screen"}

MEASURE = """() => {
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]').getBoundingClientRect();
  const rows = document.querySelectorAll('[data-testid="grid-table"] tr');
  const last = rows.length ? rows[rows.length - 1].getBoundingClientRect() : null;
  const table = document.querySelector('[data-testid="grid-table"]');
  const cut = [...document.querySelectorAll(
      '[data-testid="stMetricValue"], [data-testid="stMetricLabel"], #kpi-tiles .kpi-value, #kpi-tiles .kpi-label')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText);
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const h1 = document.querySelector('h1').getBoundingClientRect();
  const hit = document.elementFromPoint(h1.left + Math.min(h1.width / 2, 120), h1.top + h1.height / 2);
  return {map: [frame.left, frame.top, frame.right, frame.bottom], last: last && [last.right, last.bottom],
          tableRight: table && table.getBoundingClientRect().right, cut: cut,
          sidebarOpen: !!sidebar && sidebar.getAttribute("aria-expanded") === "true"
                       && sidebar.getBoundingClientRect().right > 0,
          // the title is in view, and nothing drawn over it (the top bar may lie over it only if transparent)
          titleVisible: h1.top >= 0 && !!hit && (!!hit.closest('h1') || (!!hit.closest('[data-testid="stHeader"]')
            && getComputedStyle(hit.closest('[data-testid="stHeader"]')).backgroundColor === "rgba(0, 0, 0, 0)")),
          width: window.innerWidth, height: window.innerHeight};
}"""


def _open(browser, url: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    context.add_cookies([session_cookie("leader")])
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined")
    return context, page


def _settled(page) -> dict:  # type: ignore[no-untyped-def]
    """The layout once the map's frame has been fitted to the window (the fit runs after Streamlit draws)."""
    page.wait_for_function("""() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
        const h = getComputedStyle(document.documentElement).getPropertyValue('--qx-map-h');
        return f && h && Math.abs(f.getBoundingClientRect().height - parseFloat(h)) < 2; }""", timeout=30_000)
    wait_for_app(page)
    return page.evaluate(MEASURE)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("view", list(VIEWS))
def test_views_fit_the_screen(server: str, browser, view: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    context, page = _open(browser, server + VIEWS[view], size)
    try:
        box = _settled(page)
        page.screenshot(path=str(SCREENSHOTS / f"{view}_{size[0]}x{size[1]}.png"))
    finally:
        context.close()
    width, height = size
    assert box["cut"] == [], f"KPI text cut at {size}: {box['cut']}"
    assert box["titleVisible"], "the title is hidden (under the top bar or scrolled away)"
    left, top, right, bottom = box["map"]
    map_height = bottom - top
    if view in ("meeting", "screen"):
        assert not box["sidebarOpen"], "the sidebar starts collapsed on a projector or a screen"
        assert 0 <= top and bottom <= height and right <= width, f"map {box['map']} outside {size}"
        assert box["last"] is not None and box["last"][1] <= height and box["tableRight"] <= width + 1, \
            f"grid table's last row {box['last']} outside {size}"
    assert map_height >= 300
    if size == (3840, 2160):
        assert map_height >= 0.6 * height, f"the map is {map_height:.0f} px of {height}"


@pytest.fixture
def live_build(tmp_path: Path, chromium_path: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A server that checks for a new build every 2 seconds, on its own small community."""
    source = write_community(tmp_path / "in", (*REQUIRED, *OPTIONAL))
    out = tmp_path / "community.gpkg"
    run_build(source, out, progress=False)
    monkeypatch.setenv("SCREEN_REFRESH_SECONDS", "2")
    for url in _serve(out):
        yield url, source


def test_screen_mode_shows_a_new_build_without_a_reload(live_build: tuple[str, Path], browser) -> None:  # type: ignore[no-untyped-def]
    url, source = live_build
    context, page = _open(browser, url + "?mode=screen", (1920, 1080))
    try:
        tiles = page.locator('[data-testid="kpi-tiles"]')
        assert tiles.locator(".kpi-value").first.inner_text() == "20"
        page.evaluate("() => { window.__sameDocument = true; }")
        households = community_frames()["households"]
        extra = households.copy()
        extra["household_id"] = "N" + extra["household_id"]
        write_community(source, (*REQUIRED, *OPTIONAL), frames={"households": _concat(households, extra)})
        run_build(source, source.parent / "community.gpkg", progress=False)
        page.wait_for_function("""() => document.querySelector('[data-testid="kpi-tiles"] .kpi-value')
            .innerText === "40" """, timeout=60_000)
        assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
        page.screenshot(path=str(SCREENSHOTS / "screen_new_build.png"))
    finally:
        context.close()


def _concat(*frames):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.concat(frames, ignore_index=True)

