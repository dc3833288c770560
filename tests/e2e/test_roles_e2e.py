"""Roles in a real browser: what reaches each one (every frame and websocket message), login, logout."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyogrio
from sqlalchemy import select

from operations import audit
from operations.models import AuditEntry
from operations.store import db
from tests.e2e.conftest import SCREENSHOTS, e2e_store, map_frame, session_cookie, wait_for_app, wait_for_text
from tests.store import TEST_PASSWORD


def _context(browser, username: str | None, received: list[bytes]):  # type: ignore[no-untyped-def]
    """A 1920×1080 browser context logged in as ``username`` (or nobody) recording every websocket frame."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    if username:
        context.add_cookies([session_cookie(username)])
    page = context.new_page()

    def watch(ws) -> None:  # type: ignore[no-untyped-def]
        ws.on("framereceived", lambda payload: received.append(payload if isinstance(payload, bytes)
                                                               else payload.encode()))

    page.on("websocket", watch)
    return context, page


def _sent(page, received: list[bytes]) -> bytes:  # type: ignore[no-untyped-def]
    text = page.content() + "".join(f.content() for f in page.frames)
    return text.encode() + b"".join(received)


def test_grid_worker_receives_nothing_of_another_grid(server: str, browser, demo_artifact: Path) -> None:  # type: ignore[no-untyped-def]
    received: list[bytes] = []
    context, page = _context(browser, "grid01", received)
    try:
        page.goto(server)  # 我的工单 first, then the map
        wait_for_text(page, "我的工单")
        page.get_by_role("link", name="地图").click()
        map_frame(page)
        wait_for_app(page)
        page.get_by_role("link", name="情况表").click()
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
        wait_for_app(page)
        page.screenshot(path=str(SCREENSHOTS / "grid_worker_tables.png"))
        sent = _sent(page, received)
    finally:
        context.close()
    households = pyogrio.read_dataframe(demo_artifact, layer="households", columns=["household_id", "grid_id"],
                                        read_geometry=False)
    residents = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name", "household_id"],
                                       read_geometry=False)
    reports = pyogrio.read_dataframe(demo_artifact, layer="reports", columns=["report_id", "grid_id"],
                                     read_geometry=False)
    mine = set(households.loc[households["grid_id"] == "WG01", "household_id"])
    my_names = set(residents.loc[residents["household_id"].isin(mine), "name"])
    assert any(name.encode() in sent for name in my_names)  # their own residents, by name
    others = residents[~residents["household_id"].isin(mine)]
    distinct = [n for n in set(others["name"]) if len(n) >= 3 and not any(n in m for m in my_names)]
    assert distinct and not [n for n in distinct if n.encode() in sent]
    other_households = [h for h in households.loc[households["grid_id"] != "WG01", "household_id"]]
    assert not [h for h in other_households if re.search(rf"\b{h}\b".encode(), sent)]
    assert not [r for r in reports.loc[reports["grid_id"] != "WG01", "report_id"] if r.encode() in sent]


def test_meeting_account_sees_only_the_meeting_view(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    received: list[bytes] = []
    context, page = _context(browser, "meeting", received)
    try:
        page.goto(server)
        map_frame(page)
        page.wait_for_selector('[data-testid="kpi-tiles"]', timeout=30_000)
        wait_for_app(page)
        assert "大屏" in page.inner_text("h1")
        assert page.get_by_role("link", name="情况表").count() == 0
        page.goto(f"{server}/tables")  # a page this account does not have
        wait_for_app(page)
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
    finally:
        context.close()


def test_anonymous_visitor_gets_only_the_login_page(server: str, browser, demo_artifact: Path) -> None:  # type: ignore[no-untyped-def]
    received: list[bytes] = []
    context, page = _context(browser, None, received)
    try:
        for path in ("/", "/tables", "/quality", "/?mode=meeting"):
            page.goto(server + path)
            page.wait_for_url("**/login**")
            assert page.locator("#username").count() == 1
        sent = _sent(page, received)
        page.screenshot(path=str(SCREENSHOTS / "login.png"))
    finally:
        context.close()
    residents = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name"], read_geometry=False)
    assert not [n for n in residents["name"] if len(n) >= 3 and n.encode() in sent]
    assert b"3,937" not in sent and received == []  # no websocket: the app never started for them


def test_leader_unmask_shows_one_household_and_is_logged(server: str, page, demo_artifact: Path) -> None:  # type: ignore[no-untyped-def]
    residents = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name", "household_id"],
                                       read_geometry=False)
    household = residents["household_id"].iloc[10]
    names = list(residents.loc[residents["household_id"] == household, "name"])
    page.goto(f"{server}/tables")
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    wait_for_app(page)
    page.get_by_text("查看一户的完整信息").click()
    page.get_by_role("textbox", name="户编号").fill(household)
    page.get_by_role("textbox", name="理由").fill("紧急联系家属")
    page.get_by_role("button", name="显示完整信息").click()
    page.wait_for_function("(n) => document.body.innerText.includes(n) || document.querySelectorAll("
                           "'[data-testid=\"stDataFrame\"]').length > 1", arg=names[0], timeout=30_000)
    wait_for_app(page)
    with db(e2e_store()) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "unmask",
                                                         AuditEntry.target == f"household {household}")).first()
    assert entry is not None and entry.detail == "紧急联系家属" and entry.actor == "leader"
    page.screenshot(path=str(SCREENSHOTS / "unmask.png"))


def test_five_wrong_passwords_are_slowed_and_logged(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    try:
        took = []
        for _ in range(6):
            started = time.monotonic()
            answer = context.request.post(f"{server}/auth/login", form={"username": "slowtest", "password": "wrong"},
                                          headers={"Origin": server}, max_redirects=0)
            took.append(time.monotonic() - started)
            assert answer.status == 401 and "用户名或密码不对" in answer.text()
        assert max(took[:5]) < 4 and took[5] >= 5  # the sixth waited the slow-down (rules/access.toml: 5 s)
        unknown = context.request.post(f"{server}/auth/login", form={"username": "nobody-here", "password": "x"},
                                       headers={"Origin": server}, max_redirects=0)
        assert unknown.status == 401 and "用户名或密码不对" in unknown.text()  # the same answer: no hint
    finally:
        context.close()
    with db(e2e_store()) as session:
        failed = audit.entries(session, actor="slowtest", action="login_failed")
    assert len(failed) >= 6 and (failed["address"] == "127.0.0.1").all()


def test_after_logout_a_copied_cookie_no_longer_works(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    first = browser.new_context()
    second = browser.new_context()
    try:
        page = first.new_page()
        page.goto(f"{server}/login")
        page.fill("#username", "copytest")
        page.fill("#password", TEST_PASSWORD)
        page.click("button[type=submit]")
        wait_for_app(page)
        cookie = next(c for c in first.cookies() if c["name"] == "qx_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("() => document.cookie").find("qx_session") == -1  # no script can read it
        second.add_cookies([cookie])  # the cookie copied to another browser works …
        other = second.new_page()
        other.goto(server)
        wait_for_app(other)
        assert other.locator("h1").count() and "/login" not in other.url
        page.goto(f"{server}/auth/logout")  # … until its owner logs out
        page.wait_for_url("**/login**")
        other.goto(server)
        other.wait_for_url("**/login**")
    finally:
        first.close()
        second.close()
