"""AppTest (no browser): the map page's figures and the map script sent to the browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.privacy import meeting_count
from tests.dashboard.conftest import APP, kpis, login_as


def _map_args(at: AppTest) -> dict:
    components = [el for el in at.main if el.proto.__class__.__name__ == "ComponentInstance"]
    assert components, "no map component on the page"
    return json.loads(components[0].proto.json_args)


def _map_script(at: AppTest) -> str:
    return _map_args(at)["script"]


def test_kpis_show_demo_figures(app: AppTest) -> None:
    app.run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["户数"] == "3,937" and metrics["居民"] == "8,202" and metrics["60岁以上"] == "34.9%"
    assert app.title[0].value.startswith("广生泉社区") and "2026-11-28" in app.caption[0].value.replace("\\", "")
    assert int(metrics["红色户"].replace(",", "")) + int(metrics["黄色户"].replace(",", "")) + int(
        metrics["蓝色户"].replace(",", "")) == 3937


def test_map_script_has_every_building_no_cdn_no_personal_data(app: AppTest, demo_artifact: Path) -> None:
    app.run()
    script = _map_script(app)
    assert len(re.findall(r'"building_id":', script)) == 175
    assert not re.search(r"https?://(?!127\.0\.0\.1)", script.replace("http://www.w3.org", ""))
    names = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name", "phone"], read_geometry=False)
    sample = names.sample(300, random_state=1)
    for value in [v for v in [*sample["name"], *sample["phone"].dropna()] if v]:
        assert value not in script
    args = json.dumps(_map_args(app), ensure_ascii=False)
    assert "/app/static/leaflet/leaflet.js" in args
    assert not re.search(r"https?://(?!127\.0\.0\.1)", args.replace("http://www.w3.org", ""))


def test_english_labels(app: AppTest) -> None:
    app.query_params["lang"] = "en"
    app.run()
    labels = [m.label for m in app.metric]
    assert "Households" in labels and "Residents" in labels


def test_colour_mode_changes_legend(app: AppTest) -> None:
    app.run()
    app.main.radio[0].set_value("by_old").run()
    legend = " ".join(md.value for md in app.markdown)
    assert "60岁以上占比" in legend and "50%" in legend


def test_missing_artifact_gives_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store: str) -> None:
    login_as(monkeypatch, store, "leader")
    monkeypatch.setenv("COMMUNITY_GPKG", str(tmp_path / "none.gpkg"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert "python -m pipelines build" in at.error[0].value


def test_quality_page_lists_problems_with_masked_personal_data(app: AppTest, demo_artifact: Path) -> None:
    app.switch_page("app_pages/quality.py")
    app.run()
    assert not app.exception
    quality = pyogrio.read_dataframe(demo_artifact, layer="quality", read_geometry=False)
    table = app.dataframe[-1].value  # the problem rows (after the two summaries)
    assert len(table) == len(quality)
    suggestions = " ".join(table["修改建议"].astype(str))
    assert "最接近的小区：广生泉小区" in suggestions and " / " not in suggestions and "closest" not in suggestions
    bad_id = quality.loc[quality["column"] == "身份证号", "value"].iloc[0]
    page_text = " ".join(str(v) for df in app.dataframe for v in df.value.astype(str).to_numpy().ravel())
    assert bad_id not in page_text and f"{bad_id[:2]}{'*' * 14}{bad_id[-2:]}" in page_text
    assert app.get("download_button")[0].proto.label.startswith("导出问题清单")


def test_meeting_mode_sends_no_personal_data_and_suppresses_small_counts(app: AppTest, demo_artifact: Path) -> None:
    app.query_params["mode"] = "meeting"
    app.run()
    assert not app.exception
    script = _map_script(app)
    assert len(re.findall(r'"building_id":', script)) == 175
    # buildings are outlines: no count of any kind per building reaches the projector
    assert not re.search(r'"(red|yellow|households|reports_open|value)": ?"?\d', script.split("geo_json")[0] + "".join(
        part for part in script.split("geo_json") if '"building_id"' in part))
    people = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name", "phone", "id_number"],
                                    read_geometry=False).sample(400, random_state=2)
    sent = script + " ".join(str(v) for df in app.dataframe for v in df.value.astype(str).to_numpy().ravel())
    sent += " ".join(m.value for m in app.markdown)
    for value in [v for v in [*people["name"], *people["phone"].dropna(), *people["id_number"].dropna()] if v]:
        assert value not in sent
    table_html = next(m.value for m in app.markdown if 'id="grid-table"' in m.value)
    rows = [re.findall(r"<t[dh]>(.*?)</t[dh]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table_html)]
    header, body = rows[0], rows[1:]
    assert len(body) == 10 and header[0] == "网格"
    counts = [cell for row in body for name, cell in zip(header, row, strict=True) if name not in ("网格", "60岁+")]
    # rounded to 5 (no exact figure to subtract), fewer than 5 as "<5"
    assert all(c in ("0", "&lt;5") or int(c.replace(",", "")) % 5 == 0 for c in counts)
    assert "&lt;5" in counts
    legend = " ".join(md.value for md in app.markdown)
    assert "图例 · 网格" in legend and "每百户" in legend


def _layer(path: Path, name: str, columns: list[str]) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=name, columns=columns, read_geometry=False)


def test_grid_filter_changes_kpis_and_map_together(app: AppTest, demo_artifact: Path) -> None:
    app.run()
    app.sidebar.multiselect(key="f_grids").set_value(["WG03"]).run()
    assert not app.exception
    households = _layer(demo_artifact, "households", ["household_id", "grid_id", "flag"])
    buildings = _layer(demo_artifact, "buildings", ["building_id", "grid_id"])
    mine = households[households["grid_id"] == "WG03"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["户数"] == f"{len(mine):,}"
    assert metrics["红色户"] == f"{(mine['flag'] == 'red').sum():,}"
    script = _map_script(app)
    drawn = set(re.findall(r'"building_id": ?"([^"]+)"', script))
    assert drawn == set(buildings.loc[buildings["grid_id"] == "WG03", "building_id"])
    assert set(re.findall(r'"grid_id": ?"([^"]+)"', script)) == {"WG03"}


def test_flag_and_group_filters_count_the_right_households(app: AppTest, demo_artifact: Path) -> None:
    app.run()
    app.session_state["f_flags"] = ["red", "yellow"]
    app.session_state["f_groups"] = ["aged_80_plus"]
    app.run()
    assert not app.exception
    households = _layer(demo_artifact, "households", ["household_id", "flag"])
    residents = _layer(demo_artifact, "residents", ["household_id", "age"])
    old = set(residents.loc[pd.to_numeric(residents["age"]) >= 80, "household_id"])
    expected = households[households["flag"].isin(["red", "yellow"]) & households["household_id"].isin(old)]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["户数"] == f"{len(expected):,}"
    assert metrics["蓝色户"] == "0"
    members = residents[residents["household_id"].isin(expected["household_id"])]
    assert metrics["居民"] == f"{len(members):,}"
    assert "已筛选" in app.caption[0].value
    app.sidebar.button[0].click().run()  # clear filters
    assert {m.label: m.value for m in app.metric}["户数"] == "3,937"


def test_report_filters_and_hotspot_view(app: AppTest, demo_artifact: Path) -> None:
    app.run()
    reports = _layer(demo_artifact, "reports", ["category", "status", "submitted_at"])
    open_noise = reports[(reports["category"] == "噪音扰民") & reports["status"].isin(["待受理", "已受理", "处理中"])]
    app.sidebar.multiselect(key="f_report_categories").set_value(["噪音扰民"]).run()
    assert {m.label: m.value for m in app.metric}["未办结诉求"] == f"{len(open_noise):,}"
    app.main.radio[0].set_value("hotspot").run()
    legend = " ".join(md.value for md in app.markdown)
    assert "每百户每月" in legend and "≥12" in legend
    script = _map_script(app)
    assert script.count('"grid_id"') >= 10 and "fillColor" in script
    app.main.checkbox(key="heat_layer").check().run()
    args = json.dumps(_map_args(app), ensure_ascii=False)
    assert "heatLayer" in args and "/app/static/leaflet_heat.min.js" in args
    assert not re.search(r"https?://(?!127\.0\.0\.1)", args.replace("http://www.w3.org", ""))


def test_tables_page_filters_masks_and_exports(app: AppTest, demo_artifact: Path) -> None:
    app.switch_page("app_pages/tables.py")
    app.run()
    assert not app.exception
    shown = app.dataframe[0].value
    residents = _layer(demo_artifact, "residents", ["name", "phone", "id_number"])
    assert len(shown) == len(residents)
    text = " ".join(shown.astype(str).to_numpy().ravel())
    sample = residents.sample(200, random_state=3)
    for value in [v for v in [*sample["name"], *sample["phone"].dropna(), *sample["id_number"].dropna()]
                  if v and len(v) > 2]:
        assert value not in text
    assert "*" in str(shown["姓名"].iloc[0])
    app.sidebar.multiselect(key="f_grids").set_value(["WG01"]).run()
    app.main.radio(key="table_choice").set_value("households").run()
    households = _layer(demo_artifact, "households", ["grid_id"])
    assert len(app.dataframe[0].value) == int((households["grid_id"] == "WG01").sum())
    assert "房号" not in app.dataframe[0].value.columns or app.dataframe[0].value["房号"].astype(str).str.contains(
        "隐藏").all()
    app.main.text_input(key="table_search").set_value("独居").run()
    found = app.dataframe[0].value
    assert 0 < len(found) < int((households["grid_id"] == "WG01").sum())
    assert "独居" in " ".join(found.astype(str).to_numpy().ravel())


def test_configured_gcj02_tiles_shift_the_shapes(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    app.run()
    plain = _map_script(app)
    monkeypatch.setenv("MAP_TILES", "http://tiles.intranet.local/{z}/{x}/{y}.png")
    monkeypatch.setenv("MAP_TILES_CRS", "gcj02")
    app.run()
    shifted = _map_script(app)
    assert "http://tiles.intranet.local/{z}/{x}/{y}.png" in shifted and "tiles.intranet.local" not in plain

    def first_corner(script: str) -> tuple[float, float]:
        lon, lat = re.search(r'"building_id": ?"XQ01-A1"', script) and re.findall(
            r'\[\[\[(\d+\.\d+), (\d+\.\d+)\]', script[script.index('"XQ01-A1"') - 400:])[0]
        return float(lon), float(lat)

    (lon0, lat0), (lon1, lat1) = first_corner(plain), first_corner(shifted)
    # the GCJ-02 offset near 36.2 N, 117.1 E is a few hundred metres: about +0.005 lon, -0.001..+0.002 lat
    assert 0.003 < lon1 - lon0 < 0.008 and abs(lat1 - lat0) < 0.003


def test_change_log_lists_households_since_the_previous_build(tmp_path: Path, sample_dir: Path, store: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    login_as(monkeypatch, store, "leader")
    import shutil

    from pipelines.build import run_build
    from pipelines.office_files import write_office_xlsx
    from pipelines.readers import read_table
    from pipelines.schema import TABLES

    folder = tmp_path / "input"
    shutil.copytree(sample_dir, folder)
    out = tmp_path / "community.gpkg"
    run_build(folder, out, progress=False)
    households = read_table(folder / "房屋住户表.xlsx", TABLES["households"]).frame
    headers = {c.key: c.header for c in TABLES["households"].columns}
    kept = households.drop(columns="_row").iloc[5:]  # five households moved away
    write_office_xlsx(folder / "房屋住户表.xlsx", kept.rename(columns=headers))
    run_build(folder, out, progress=False)
    monkeypatch.setenv("COMMUNITY_GPKG", str(out))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["减少户"] == "5"
    assert any("上次更新以来的变化" in e.label and "→" in e.label for e in at.main.expander)


def test_meeting_mode_filters_by_place_only(app: AppTest, demo_artifact: Path) -> None:
    """A group filter of a handful of households: on the projector it filters nothing (a tracker otherwise)."""
    from pipelines import selection as sel

    facts = sel.load_facts(demo_artifact)
    few = next(choice for choice in (sel.Selection(grids=(g,), groups=(k,)) for g in facts.grid_ids
                                     for k in sel.GROUPS)
               if 0 < sel.selection_figures(facts, sel.select(facts, choice))["households"] < 10)
    place = sel.selection_figures(facts, sel.select(facts, sel.Selection(grids=few.grids)))
    app.query_params["mode"] = "meeting"
    app.session_state["f_grids"] = list(few.grids)
    app.session_state["f_groups"] = list(few.groups)
    app.run()
    metrics = kpis(app)
    assert metrics["户数"] == meeting_count(place["households"]) and metrics["户数"] not in ("—", "<5")
    assert any("只按网格和小区筛选" in c.value for c in app.sidebar.caption)
    app.query_params.pop("mode")
    app.session_state["meeting_mode"] = False
    app.session_state["f_groups"] = list(few.groups)
    app.run()
    assert {m.label: m.value for m in app.metric}["户数"] == str(
        sel.selection_figures(facts, sel.select(facts, few))["households"])  # at the desk the group filters
