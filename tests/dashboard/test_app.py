"""AppTest (no browser): the map page's figures and the map script sent to the browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "streamlit_app.py")


@pytest.fixture
def app(demo_artifact: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("COMMUNITY_GPKG", str(demo_artifact))
    return AppTest.from_file(APP, default_timeout=60)


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
    app.sidebar.radio[0].set_value("by_old").run()
    legend = " ".join(md.value for md in app.markdown)
    assert "60岁以上占比" in legend and "50%" in legend


def test_missing_artifact_gives_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMMUNITY_GPKG", str(tmp_path / "none.gpkg"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert "python -m pipelines build" in at.error[0].value


def test_quality_page_lists_problems_with_masked_personal_data(app: AppTest, demo_artifact: Path) -> None:
    app.switch_page("app_pages/quality.py")
    app.run()
    assert not app.exception
    quality = pyogrio.read_dataframe(demo_artifact, layer="quality", read_geometry=False)
    table = app.dataframe[1].value
    assert len(table) == len(quality)
    assert "最接近的小区 / closest: 广生泉小区" in " ".join(table["修改建议"].astype(str))
    bad_id = quality.loc[quality["column"] == "身份证号", "value"].iloc[0]
    page_text = " ".join(str(v) for df in app.dataframe for v in df.value.astype(str).to_numpy().ravel())
    assert bad_id not in page_text and bad_id[-4:] in page_text


def test_meeting_mode_sends_no_personal_data_and_suppresses_small_counts(app: AppTest, demo_artifact: Path) -> None:
    app.query_params["mode"] = "meeting"
    app.run()
    assert not app.exception
    script = _map_script(app)
    assert len(re.findall(r'"building_id":', script)) == 175
    assert not re.search(r'"(red|yellow|households|reports_open)": ?"?[12]"?[,}]', script)
    assert re.search(r'"(<|\\u003c)3"', script)
    people = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name", "phone", "id_number"],
                                    read_geometry=False).sample(400, random_state=2)
    sent = script + " ".join(str(v) for df in app.dataframe for v in df.value.astype(str).to_numpy().ravel())
    sent += " ".join(m.value for m in app.markdown)
    for value in [v for v in [*people["name"], *people["phone"].dropna(), *people["id_number"].dropna()] if v]:
        assert value not in sent
    grid_table = app.table[0].value
    assert len(grid_table) == 10
    counts = grid_table.drop(columns=["60岁以上", "满意度"])
    small = counts.map(lambda v: v in (1, 2, "1", "2")).to_numpy().any()
    assert not small
