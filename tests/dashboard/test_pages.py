"""AppTest: switches, search, names, clean cells and one language per mode on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.schema import all_tables

TABLES = ("residents", "households", "elderly", "special_groups", "needs", "party_volunteers", "hazards",
          "grid_work", "resources")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KEYS = {c.key for t in all_tables().values() for c in t.columns} | {
    "flag", "flag_reasons", "age", "visit_interval_days", "visit_overdue", "last_visit", "placed_by", "grid_id",
    "compound_id", "building_id", "household_id", "row_kind", "severity", "problem", "suggestion"}


def _layer(path: Path, name: str, columns: list[str]) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=name, columns=columns, read_geometry=False)


def _tables_page(app: AppTest, table: str = "residents", *, lang: str = "zh") -> AppTest:
    if lang == "en":
        app.query_params["lang"] = "en"
    app.switch_page("app_pages/tables.py")
    app.run()
    app.main.radio(key="table_choice").set_value(table).run()
    assert not app.exception
    return app


def _title(app: AppTest) -> str:
    return app.title[0].value


def test_meeting_mode_opened_by_link_can_be_switched_off(app: AppTest) -> None:
    app.query_params["mode"] = "meeting"
    app.run()
    assert "会议模式" in _title(app) and app.sidebar.toggle(key="meeting_mode").value is True
    app.sidebar.toggle(key="meeting_mode").set_value(False).run()
    assert "会议模式" not in _title(app)
    assert "mode" not in app.query_params  # a copied URL opens the same (normal) view
    app.sidebar.toggle(key="meeting_mode").set_value(True).run()
    assert "会议模式" in _title(app) and app.query_params["mode"] == "meeting"


def test_language_stays_when_a_page_link_drops_the_query(app: AppTest) -> None:
    app.query_params["lang"] = "en"
    app.run()
    assert _title(app) == "广生泉社区 · Community map"
    app.query_params.pop("lang")  # what st.navigation's page links do
    app.switch_page("app_pages/tables.py")
    app.run()
    assert _title(app) == "Tables" and app.query_params["lang"] == "en"
    app.sidebar.radio(key="ui_lang").set_value("zh").run()
    assert _title(app) == "情况表" and "lang" not in app.query_params


def test_search_finds_the_colour_as_shown_and_addresses_whatever_their_spacing(app: AppTest,
                                                                               demo_artifact: Path) -> None:
    _tables_page(app)
    residents = _layer(demo_artifact, "residents", ["household_id", "phone"])
    households = _layer(demo_artifact, "households", ["household_id", "flag"])
    red = residents["household_id"].isin(households.loc[households["flag"] == "red", "household_id"])
    app.main.text_input(key="table_search").set_value("红色户").run()
    assert len(app.dataframe[0].value) == int(red.sum()) > 0
    app.main.text_input(key="table_search").set_value("red").run()
    assert len(app.dataframe[0].value) == 0  # the Chinese page shows 红色户, not the stored key
    phone = residents["phone"].dropna().loc[lambda s: s.str.len() == 11].iloc[0]
    app.main.text_input(key="table_search").set_value(phone).run()
    assert len(app.dataframe[0].value) == 0  # never searched unmasked
    app.main.radio(key="table_choice").set_value("households").run()
    app.main.text_input(key="table_search").set_value("广生泉小区A1号楼1单元").run()
    tight = len(app.dataframe[0].value)
    app.main.text_input(key="table_search").set_value("广生泉小区  A1号楼 1 单元").run()
    assert tight > 0 and len(app.dataframe[0].value) == tight


def test_place_figures_say_they_ignore_household_filters(app: AppTest) -> None:
    app.run()
    helps = {m.label: m.help for m in app.metric}
    assert "不随颜色" in helps["未办结诉求"] and "不随颜色" in helps["未整改隐患"] and not helps["红色户"]
    assert not any("按地点统计" in c.value for c in app.caption)
    app.session_state["f_flags"] = ["red"]
    app.run()
    assert any("未办结诉求和未整改隐患按地点统计" in c.value for c in app.caption)


def test_tables_show_names_not_codes(app: AppTest, demo_artifact: Path) -> None:
    app.session_state["f_grids"] = ["WG01"]
    _tables_page(app, "households")
    shown = app.dataframe[0].value
    assert set(shown["所属网格"]) == {"第一网格"}
    assert shown["所在楼栋"].str.fullmatch(r".+ \S+号楼").all()
    assert "广生泉小区" in set(shown["所属小区"])
    app.session_state["f_grids"] = []
    app.main.radio(key="table_choice").set_value("hazards").run()
    hazards = app.dataframe[0].value
    stored = _layer(demo_artifact, "hazards", ["location"])
    assert stored["location"].str.fullmatch(r"XQ\d+-\w+").any()  # the demo writes some locations as codes
    for column in ("位置", "所在楼栋", "所属网格"):
        assert not hazards[column].astype(str).str.contains(r"^(?:XQ|WG)\d", regex=True).any(), column


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_has_clean_cells_and_titles_in_one_language(app: AppTest, lang: str) -> None:
    _tables_page(app, lang=lang)
    for table in TABLES:
        app.main.radio(key="table_choice").set_value(table).run()
        assert not app.exception
        shown = app.dataframe[0].value
        cells = set(shown.astype(str).to_numpy().ravel())
        assert not cells & {"None", "nan", "NaT", "<NA>", "True", "False"}, table
        for title in shown.columns:
            assert title not in _KEYS and title not in {k.replace("_", " ") for k in _KEYS}, (table, title)
            assert bool(_CJK.search(title)) == (lang == "zh"), (table, title)
            assert lang == "zh" or title[0].isupper(), (table, title)  # "Last visit", never "last visit"


def test_quality_page_shows_one_language_and_what_each_row_is(app: AppTest) -> None:
    app.query_params["lang"] = "en"
    app.switch_page("app_pages/quality.py")
    app.run()
    table = app.dataframe[-1].value  # the problem rows (after the two summaries)
    assert list(table.columns) == ["Severity", "Table", "File", "Where", "Column", "Value", "Problem", "Suggestion"]
    assert set(table["Severity"]) == {"Rejected", "Warning"}
    assert table["Where"].str.fullmatch(r"Excel row \d+").all()
    assert not table["Problem"].str.contains(" / ").any() and table["Problem"].str.contains("[a-z]").all()
    assert not _CJK.search(" ".join(app.dataframe[0].value.index))  # table names in English


def test_no_english_select_all_in_the_filters(app: AppTest) -> None:
    app.run()
    assert all(m.proto.select_all == 0 for m in app.sidebar.multiselect)
