"""The dashboard follows the live store with no rebuild: a report filed shows in the grid worker's queue, the
KPIs and the Tables page at the next run; an overdue one is counted and ringed; a visit logged on the visits
page moves the household out of 走访逾期 at once, and a need found on it counts as an open need."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from operations import reports
from operations.places import load_places
from operations.reports import Actor
from operations.store import db
from tests.dashboard.conftest import APP, kpis, login_as
from tests.store import store_with_users


@pytest.fixture
def live(demo_artifact: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A store of this test's own (its reports and visits must not change other tests' figures)."""
    monkeypatch.setenv("COMMUNITY_GPKG", str(demo_artifact))
    return store_with_users(tmp_path / "store")


def _run(monkeypatch: pytest.MonkeyPatch, store: str, username: str, page: str | None = None) -> AppTest:
    login_as(monkeypatch, store, username)
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def _file(store: str, demo_artifact: Path, *, grid: str = "WG01", hours_ago: float = 1) -> str:
    places = load_places(demo_artifact)
    building = next(bid for _, _, items in places.compounds() for bid, _ in items
                    if places.building(bid).grid_id == grid)  # type: ignore[union-attr]
    with db(store) as session:
        report, _ = reports.submit(session, category="安全隐患", description="电动车在楼道里充电",
                                   place=places.building(building), actor=Actor("居民", "resident"),  # type: ignore[arg-type]
                                   now=datetime.utcnow() - timedelta(hours=hours_ago))  # noqa: DTZ003
        return report.number


def test_a_live_report_reaches_the_queue_the_kpis_and_the_tables(live: str, demo_artifact: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    before = int(kpis(_run(monkeypatch, live, "leader"))["未办结诉求"].replace(",", ""))
    fresh = _file(live, demo_artifact, hours_ago=1)
    late = _file(live, demo_artifact, hours_ago=30)  # 安全隐患: 24 hours from dispatch
    elsewhere = _file(live, demo_artifact, grid="WG02")
    leader = _run(monkeypatch, live, "leader")
    assert int(kpis(leader)["未办结诉求"].replace(",", "")) == before + 3
    tile = next(m for m in leader.metric if m.label == "未办结诉求")
    assert "超时 1" in str(tile.proto.delta)  # the overdue one is counted

    worker = _run(monkeypatch, live, "grid01")  # starts at 我的工单
    text = " ".join(m.value for m in worker.markdown)
    assert fresh in text and late in text and elsewhere not in text
    assert text.index(late) < text.index(fresh)  # overdue first
    assert any("已超时" in m.value and late in m.value for m in worker.markdown)

    tables = _run(monkeypatch, live, "leader", "app_pages/tables.py")
    tables.radio(key="table_choice").set_value("reports").run()
    shown = tables.dataframe[0].value
    numbers = set(shown.iloc[:, 0].astype(str))
    assert {fresh, late, elsewhere} <= numbers
    assert len(shown) > 3  # the build's reports are there too


def test_the_worker_takes_a_report_and_a_colleague_is_told_who_took_it(live: str, demo_artifact: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    number = _file(live, demo_artifact)
    first = _run(monkeypatch, live, "grid01")
    second = _run(monkeypatch, live, "grid01")  # the same queue open in another tab, drawn before the take
    first.button(key=f"take-{number}").click().run()
    assert any("任务处理" in s.value for s in first.success)
    second.button(key=f"take-{number}").click().run()
    assert any("grid01" in w.value for w in second.warning)  # told who took it
    with db(live) as session:
        report = reports.by_number(session, number)
        assert report is not None and report.status == "in_progress"
        assert [e.action for e in reports.history(session, report)].count("take") == 1


def test_a_logged_visit_ends_the_overdue_mark_at_once(live: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = kpis(_run(monkeypatch, live, "grid01", "app_pages/map.py"))
    overdue_before = int(before["走访逾期"].replace(",", ""))
    needs_before = int(before["未办结需求"].replace(",", ""))
    page = _run(monkeypatch, live, "grid01", "app_pages/visits.py")
    household = page.selectbox(key="visit_household").options[0]  # overdue first
    page.selectbox(key="visit_household").set_value(household.split(" · ")[0])
    page.multiselect(key="visit_needs").set_value(["助餐"])
    page.text_area(key="visit_note").input("老人身体还好，需要送餐")
    page.button(key="visit_submit").click().run()
    assert any("已登记" in s.value for s in page.success), [e.value for e in page.error]
    after = kpis(_run(monkeypatch, live, "grid01", "app_pages/map.py"))
    assert int(after["走访逾期"].replace(",", "")) == overdue_before - 1
    assert int(after["未办结需求"].replace(",", "")) == needs_before + 1
