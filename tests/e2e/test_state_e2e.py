"""Sidebar state in a real browser: clearing the filters and keeping the language across pages."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import SCREENSHOTS, map_frame, wait_for_text

CHOSEN_TAGS = '[data-testid="stSidebar"] [data-testid="stMultiSelectTagsContainer"] [data-tag]'


def _metric(page, label: str) -> str:  # type: ignore[no-untyped-def]
    tile = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)).first
    return tile.locator('[data-testid="stMetricValue"]').inner_text()


PRESSED = '[data-testid="stSidebar"] button[aria-pressed="true"]'


def _pressed(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The pills shown as chosen in the sidebar."""
    return page.locator(PRESSED).all_inner_texts()


def test_clear_filters_clears_the_sidebar_and_the_next_click_is_alone(  # type: ignore[no-untyped-def]
        server: str, page, demo_artifact: Path) -> None:
    from pipelines import selection as sel

    facts = sel.load_facts(demo_artifact)
    only_80 = sel.selection_figures(facts, sel.select(facts, sel.Selection(groups=("aged_80_plus",))))
    page.goto(server)
    map_frame(page)
    wait_for_text(page, "3,937")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("combobox", name="网格").click()
    page.get_by_role("option", name="第三网格").click()
    page.keyboard.press("Escape")
    wait_for_text(page, "已筛选")
    sidebar.get_by_role("button", name="红色户").click()
    page.wait_for_selector(PRESSED, timeout=30_000)
    wait_for_text(page, "已筛选")
    assert page.locator(CHOSEN_TAGS).all_inner_texts() == ["第三网格"] and _pressed(page) == ["红色户"]

    sidebar.get_by_role("button", name="清除筛选").click()
    page.wait_for_function(f"() => document.querySelectorAll('{CHOSEN_TAGS}').length === 0")
    wait_for_text(page, "3,937")
    caption = page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    assert _pressed(page) == [] and "已筛选" not in caption

    sidebar.get_by_role("button", name="80岁以上").click()  # the next filter comes alone
    wait_for_text(page, "已筛选")
    page.wait_for_function("(n) => document.body.innerText.includes(n)", arg=f"{only_80['households']:,}")
    assert _metric(page, "户数") == f"{only_80['households']:,}"
    assert _metric(page, "红色户") == f"{only_80['red']:,}" and _metric(page, "蓝色户") == f"{only_80['blue']:,}"
    assert page.locator(CHOSEN_TAGS).count() == 0 and _pressed(page) == ["80岁以上"]


def test_english_stays_on_every_page_and_the_switch_changes_it(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/?lang=en")
    map_frame(page)
    wait_for_text(page, "Households")
    page.get_by_role("link", name="Tables").click()
    wait_for_text(page, "Tables", "Export to Excel")
    page.wait_for_function("() => location.search.includes('lang=en')")
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "tables_en.png"))
    page.get_by_role("link", name="Data quality").click()
    wait_for_text(page, "Rejecting problems", "Export the problem list")
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    assert "lang=en" in page.url
    page.screenshot(path=str(SCREENSHOTS / "quality_en.png"))
    page.locator('[data-testid="stSidebar"]').get_by_text("中文").click()
    wait_for_text(page, "数据质量", "被拒绝的问题")
    page.wait_for_function("() => !location.search.includes('lang=')")
    page.get_by_role("link", name="地图").click()
    map_frame(page)
    wait_for_text(page, "户数", "楼栋着色")
