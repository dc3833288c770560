"""The whole report flow in a real browser: a resident files a report with a photo on the public page (on a
phone) → it is in the right grid worker's queue (on a phone) and on the map → the worker takes and resolves
it → a leader verifies it → the resident rates it with the receipt number → the history lists each step
with who and when, and the grid's score in the month's 网格擂台比武 has moved."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from operations.places import load_places
from tests.e2e.conftest import PHOTOS, SCREENSHOTS, session_cookie, wait_for_app, wait_for_text

PHONE = {"width": 390, "height": 844}


def _photo_with_gps(path: Path) -> None:
    """A JPEG carrying a camera make and a GPS position in its EXIF, as phones write them."""
    image = Image.new("RGB", (1200, 900), (180, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (36.0, 12.0, 1.5), 3: "E", 4: (117.0, 6.0, 59.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    path.write_bytes(buffer.getvalue())


def _open_reports(page) -> int:  # type: ignore[no-untyped-def]
    """The KPI strip's 未办结诉求 figure."""
    tile = page.locator('[data-testid="stMetric"]', has_text="未办结诉求").first
    return int(re.sub(r"\D", "", tile.locator('[data-testid="stMetricValue"]').inner_text()))


def _score(page, server: str, grid: str, month: str) -> float:  # type: ignore[no-untyped-def]
    """The grid's score on the 网格擂台比武 page for ``month``."""
    page.goto(f"{server}/competition")
    wait_for_text(page, "网格擂台比武", "得分构成")
    if page.locator(f'#ranking[data-month="{month}"]').count() == 0:
        page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name=month, exact=True).click()
    page.wait_for_selector(f'#ranking[data-month="{month}"]')
    wait_for_app(page)
    return float(page.locator(f'#ranking tr[data-grid="{grid}"] td.score').inner_text())


def _card(page, number: str):  # type: ignore[no-untyped-def]
    return page.locator(f".st-key-report-{number}")


def test_a_report_from_the_public_page_to_the_residents_rating(server: str, browser, demo_artifact: Path,
                                                              tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    places = load_places(demo_artifact)
    building = next(bid for _, _, items in places.compounds() for bid, _ in items
                    if places.building(bid).grid_id == "WG01")  # type: ignore[union-attr]
    photo = tmp_path / "photo.jpg"
    _photo_with_gps(photo)
    before_photos = set(Path(PHOTOS).iterdir())

    leader = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    leader.add_cookies([session_cookie("leader")])
    desk = leader.new_page()
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    score_before = _score(desk, server, "WG01", month)
    desk.goto(server)
    wait_for_text(desk, "未办结诉求")
    open_before = _open_reports(desk)

    resident = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    phone = resident.new_page()
    phone.goto(f"{server}/report")
    phone.select_option("#category", "物业维修")
    phone.fill("#description", "楼道灯坏了一个星期，晚上老人下楼看不见")
    phone.select_option("#building", building)
    phone.set_input_files("#photo", str(photo))
    phone.screenshot(path=str(SCREENSHOTS / "report_form_phone.png"), full_page=True)
    phone.click("button[type=submit]")
    phone.wait_for_selector("#receipt")
    receipt, number = phone.inner_text("#receipt"), phone.inner_text("#number")
    phone.screenshot(path=str(SCREENSHOTS / "report_receipt_phone.png"), full_page=True)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)

    stored = set(Path(PHOTOS).iterdir()) - before_photos  # kept re-encoded: no camera, no GPS
    assert len(stored) == 1
    with Image.open(next(iter(stored))) as kept:
        assert not kept.getexif() and max(kept.size) <= 1600

    worker = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    worker.add_cookies([session_cookie("grid01")])
    queue = worker.new_page()
    queue.goto(server)  # a grid worker starts at 我的工单
    wait_for_text(queue, "我的工单", number)
    assert "任务派遣" in _card(queue, number).inner_text()
    queue.wait_for_selector('[data-testid="stPageLink"]')  # drawn in full, not a placeholder
    queue.screenshot(path=str(SCREENSHOTS / "queue_phone.png"), full_page=True)
    width = queue.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1  # nothing wider than the phone: no sideways scrolling

    desk.reload()  # the leader's map counts it at the next run
    wait_for_text(desk, "未办结诉求")
    assert _open_reports(desk) == open_before + 1

    _card(queue, number).get_by_role("button", name="接单").click()
    wait_for_text(queue, f"工单 {number} 已更新为“任务处理”")
    card = _card(queue, number)
    card.get_by_role("textbox", name="说明").fill("已联系物业，今天下午换灯")
    card.get_by_role("button", name="处理反馈（已解决）").click()
    wait_for_text(queue, f"工单 {number} 已更新为“处理反馈”")

    desk.goto(f"{server}/queue")
    wait_for_text(desk, "诉求工单", number)
    _card(desk, number).get_by_role("button", name="核查结案").click()
    wait_for_text(desk, f"工单 {number} 已更新为“核查结案”")

    phone.goto(f"{server}/report/track")
    phone.fill("#receipt", receipt.lower().replace("-", ""))  # as a resident might type it
    phone.click("button[type=submit]")
    phone.wait_for_selector("#history")
    assert phone.inner_text("#state") == "核查结案"
    phone.check("input[name=rating][value='5']")
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_selector("#history")
    assert phone.inner_text("#state") == "综合评价"
    phone.screenshot(path=str(SCREENSHOTS / "report_track_phone.png"), full_page=True)
    rows = [r.split("\t") for r in phone.inner_text("#history").splitlines()[1:]]
    assert [(r[1], r[2]) for r in rows] == [("信息采集", "居民"), ("案卷建立", "系统"), ("任务派遣", "系统"),
                                           ("任务处理", "网格员"), ("处理反馈", "网格员"), ("核查结案", "社区领导"),
                                           ("综合评价", "居民")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r[0]) for r in rows)

    assert _score(desk, server, "WG01", month) > score_before  # solved and rated: the grid's score moves

    desk.goto(f"{server}/tables")  # the leader's Tables page lists it, rated, with the worker who took it
    wait_for_app(desk)
    desk.get_by_test_id("stMain").get_by_test_id("stRadio").get_by_text("诉求工单", exact=True).click()
    desk.get_by_role("textbox", name="搜索").fill(number)
    desk.get_by_role("textbox", name="搜索").press("Enter")
    wait_for_text(desk, "显示 1 /")  # the one report, found by its number
    for context in (leader, resident, worker):
        context.close()
