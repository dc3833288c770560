"""Who sees what, checked in what the server sends (AppTest): anonymous, grid worker, meeting, leader, admin."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from operations import audit
from operations.store import db
from tests.dashboard.conftest import APP, kpis, login_as


def _layer(path: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=name, columns=columns, read_geometry=False)


def _everything_sent(at: AppTest) -> str:
    parts = [el.proto.json_args for el in at.main if el.proto.__class__.__name__ == "ComponentInstance"]
    parts += [" ".join(df.value.astype(str).to_numpy().ravel()) for df in at.dataframe]
    parts += [m.value for m in at.markdown] + [str(m.value) for m in at.metric] + [c.value for c in at.caption]
    parts += [json.dumps(list(getattr(w, "options", []) or []), ensure_ascii=False) for w in at.sidebar]
    return " ".join(parts)


def test_anonymous_visitor_gets_the_login_prompt_and_no_data(demo_artifact: Path, monkeypatch: pytest.MonkeyPatch,
                                                             store: str) -> None:
    monkeypatch.setenv("COMMUNITY_GPKG", str(demo_artifact))
    monkeypatch.setenv("DATABASE_URL", store)
    monkeypatch.setattr("dashboard.auth.token_from_browser", lambda: "not-a-session")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert "请先登录" in at.info[0].value and not at.metric and not at.dataframe
    assert len(at.sidebar) == 0 and "3,937" not in _everything_sent(at)


def test_grid_worker_is_sent_only_their_grid(app: AppTest, demo_artifact: Path, monkeypatch: pytest.MonkeyPatch,
                                             store: str) -> None:
    login_as(monkeypatch, store, "grid01")  # 网格员 of WG01
    app.run()
    assert not app.exception and app.title[0].value == "我的工单"  # a grid worker starts at their queue
    app.switch_page("app_pages/map.py")
    app.run()
    households = _layer(demo_artifact, "households", ["household_id", "grid_id", "building_id"])
    mine = households[households["grid_id"] == "WG01"]
    assert kpis(app)["户数"] == f"{len(mine):,}"
    assert app.sidebar.multiselect(key="f_grids").options == ["第一网格"]
    script = next(el.proto.json_args for el in app.main if el.proto.__class__.__name__ == "ComponentInstance")
    buildings = _layer(demo_artifact, "buildings", ["building_id", "grid_id"])
    drawn = set(re.findall(r'\\"building_id\\": ?\\"([^"\\]+)', script)) | set(
        re.findall(r'"building_id": ?"([^"]+)"', script))
    assert drawn and drawn <= set(buildings.loc[buildings["grid_id"] == "WG01", "building_id"])
    # the Tables page: their residents with names in full, nobody else's
    app.switch_page("app_pages/tables.py")
    app.run()
    residents = _layer(demo_artifact, "residents", ["name", "household_id"])
    shown = app.dataframe[-1].value
    theirs = residents[residents["household_id"].isin(mine["household_id"])]
    assert len(shown) == len(theirs)
    assert set(shown["姓名"]) == set(theirs["name"])  # in full: they call and visit them
    others = set(residents.loc[~residents["household_id"].isin(mine["household_id"]), "name"])
    cells = {str(v) for df in app.dataframe for v in df.value.to_numpy().ravel()}
    assert not (others - set(theirs["name"])) & cells  # no other grid's resident in any cell
    sent = _everything_sent(app)
    longer = [n for n in others if len(n) >= 3 and not any(n in mine_name for mine_name in theirs["name"])]
    assert longer and not [n for n in longer if n in sent]


def test_grid_worker_quality_page_lists_their_grid_only(app: AppTest, demo_artifact: Path,
                                                        monkeypatch: pytest.MonkeyPatch, store: str) -> None:
    login_as(monkeypatch, store, "grid01")
    app.switch_page("app_pages/quality.py")
    app.run()
    quality = _layer(demo_artifact, "quality")
    rows = app.dataframe[-1].value
    assert len(rows) == int((quality["grid_id"] == "WG01").sum())
    assert {m.label: m.value for m in app.metric}["被拒绝的问题"] == str(
        int(((quality["grid_id"] == "WG01") & (quality["severity"] == "error")).sum()))


def test_meeting_account_sees_the_meeting_view_only(app: AppTest, monkeypatch: pytest.MonkeyPatch,
                                                    store: str) -> None:
    login_as(monkeypatch, store, "meeting")
    app.run()
    assert not app.exception
    assert "大屏" in app.title[0].value  # the always-on screen by default
    assert not [w for w in app.sidebar.toggle if w.key == "meeting_mode"]  # no way out of the meeting view
    assert kpis(app)["户数"] == "3,935"  # rounded: meeting rules
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in this account's pages
        app.switch_page("app_pages/tables.py")


def test_leader_unmasks_one_household_with_a_reason_and_it_is_logged(app: AppTest, demo_artifact: Path,
                                                                     store: str) -> None:
    residents = _layer(demo_artifact, "residents", ["name", "household_id", "id_number"])
    household = residents["household_id"].iloc[0]
    members = residents[residents["household_id"] == household]
    app.switch_page("app_pages/tables.py")
    app.run()
    sent = _everything_sent(app)
    assert not [n for n in members["name"] if len(n) > 2 and n in sent]  # masked until asked
    app.text_input(key="unmask_household").set_value(household)
    app.text_input(key="unmask_reason").set_value("电话回访核实")
    app.button(key="unmask_submit").click().run()
    assert not app.exception
    shown = " ".join(" ".join(df.value.astype(str).to_numpy().ravel()) for df in app.dataframe)
    assert all(name in shown for name in members["name"])
    with db(store) as session:
        entry = audit.entries(session, actor="leader", action="unmask").iloc[0]
    assert household in entry["target"] and entry["detail"] == "电话回访核实"


def test_leader_cannot_unmask_without_a_reason(app: AppTest, demo_artifact: Path, store: str) -> None:
    household = _layer(demo_artifact, "households", ["household_id"])["household_id"].iloc[0]
    app.switch_page("app_pages/tables.py")
    app.run()
    app.text_input(key="unmask_household").set_value(household)
    app.button(key="unmask_submit").click().run()
    assert "理由" in app.warning[0].value


def test_admin_pages_and_user_changes_are_logged(app: AppTest, monkeypatch: pytest.MonkeyPatch, store: str) -> None:
    login_as(monkeypatch, store, "admin")
    app.switch_page("app_pages/users.py")
    app.run()
    assert not app.exception
    table = app.dataframe[0].value
    assert {"admin", "leader", "grid01", "meeting"} <= set(table["用户名"])
    app.text_input(key="new_username").set_value("wangwu")
    app.text_input(key="new_display").set_value("王五")
    app.text_input(key="new_password").set_value("a-long-password-1")
    app.text_input(key="new_password_again").set_value("a-long-password-1")
    app.button(key="add_user_submit").click().run()
    assert "已添加用户 wangwu" in app.success[0].value
    with db(store) as session:
        added = audit.entries(session, action="user_added", actor="admin")
    assert "wangwu" in set(added["target"])
    app.switch_page("app_pages/audit.py")
    app.run()
    assert not app.exception and len(app.dataframe[0].value) > 0


def test_only_admins_get_the_admin_pages(app: AppTest) -> None:
    app.run()
    for page in ("app_pages/users.py", "app_pages/audit.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in a leader's pages
            app.switch_page(page)
