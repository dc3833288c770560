"""Every page and mode with a community's own data: any subset of the tables, and what goes wrong.

Generated communities (tests/community.py), not the demo; AppTest, no browser.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.build import run_build
from pipelines.schema import TABLES
from tests.community import OPTIONAL, REQUIRED, write_community
from tests.dashboard.conftest import kpis, login_as

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "streamlit_app.py")
SUBSETS = {"required": REQUIRED, **{key: (*REQUIRED, key) for key in OPTIONAL}, "all": (*REQUIRED, *OPTIONAL)}
COLOUR_MODES = ("by_red", "by_worst", "by_old", "by_reports", "by_hazards", "hotspot")


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("own")
    built = {}
    for name, tables in SUBSETS.items():
        out = root / f"{name}.gpkg"
        run_build(write_community(root / name, tables), out, progress=False)
        built[name] = out
    return built


@pytest.fixture(autouse=True)
def _leader(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    login_as(monkeypatch, store, "leader")


def _app(path: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("COMMUNITY_GPKG", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def _no_error(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"
    assert not [e for e in at.error], f"{where}: {[e.value for e in at.error]}"


@pytest.mark.parametrize("subset", list(SUBSETS))
def test_every_page_and_mode_works_with_any_subset(subset: str, artifacts: dict[str, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = artifacts[subset]
    for params in ({}, {"mode": "meeting"}, {"lang": "en"}):
        at = _app(path, monkeypatch, **params)
        at.run()
        _no_error(at, f"map {params}")
        metrics = kpis(at)
        assert metrics.get("户数", metrics.get("Households")) == "20"
        if not params:
            for mode in COLOUR_MODES:
                at.main.radio[0].set_value(mode).run()
                _no_error(at, f"colour mode {mode}")
    at = _app(path, monkeypatch)
    at.switch_page("app_pages/tables.py")
    at.run()
    _no_error(at, "tables")
    for key in (*TABLES, "reports"):
        at.main.radio(key="table_choice").set_value(key).run()
        _no_error(at, f"table {key}")
    for page, params in (("quality", {}), ("queue", {}), ("visits", {}), ("competition", {}),
                         ("competition", {"lang": "en"}), ("competition", {"mode": "meeting"})):
        at = _app(path, monkeypatch, **params)
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        _no_error(at, f"{page} {params}")


def test_required_tables_only_shows_zero_reports_and_the_community_name(artifacts: dict[str, Path],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(artifacts["required"], monkeypatch)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["未办结诉求"] == "0" and metrics["未整改隐患"] == "0" and metrics["居民"] == "39"
    assert at.title[0].value.startswith("测试社区")
    at.main.checkbox(key="heat_layer").check().run()  # a heat layer with nothing to show is not an error
    _no_error(at, "heat layer without reports")


def test_an_unexpected_error_shows_a_chinese_message_not_streamlits_box(artifacts: dict[str, Path],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import data

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail 13800001111")

    monkeypatch.setattr(data, "map_layers", broken)
    at = _app(artifacts["all"], monkeypatch)
    at.run()
    assert not at.exception
    message = at.error[0].value
    assert "页面出错了" in message and "刷新" in message and "13800001111" not in message
    assert "Streamlit Cloud" not in message


def test_a_damaged_artifact_names_the_file_and_the_rebuild(artifacts: dict[str, Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "damaged.gpkg"
    shutil.copy(artifacts["all"], damaged)
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 3])
    at = _app(damaged, monkeypatch)
    at.run()
    assert not at.exception
    message = at.error[0].value
    assert str(damaged) in message and "python -m pipelines build" in message


def test_community_gpkg_pointing_nowhere_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(tmp_path / "nowhere.gpkg", monkeypatch)
    at.run()
    assert not at.exception
    message = at.error[0].value
    assert "COMMUNITY_GPKG" in message and str(tmp_path / "nowhere.gpkg") in message


def test_quality_page_pages_through_a_huge_bad_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    from dashboard.data import QUALITY_PAGE
    from tests.community import community_frames

    residents = community_frames()["residents"]
    bad = pd.concat([residents] * 40, ignore_index=True)
    bad["person_id"] = [f"X{i:05d}" for i in range(len(bad))]
    bad["sex"] = "未知"  # a required value outside its list: every row rejected and reported
    out = tmp_path / "c.gpkg"
    run_build(write_community(tmp_path / "in", REQUIRED, frames={"residents": pd.concat([residents, bad])}), out,
              progress=False)
    at = _app(out, monkeypatch)
    at.switch_page("app_pages/quality.py")
    at.run()
    _no_error(at, "quality")
    assert {m.label: m.value for m in at.metric}["被拒绝的问题"] == f"{len(bad):,}"
    rows = at.dataframe[-1].value
    assert len(rows) == QUALITY_PAGE  # one page reaches the browser, not all of them
    pages = -(-len(bad) // QUALITY_PAGE)
    at.number_input[0].set_value(pages).run()
    last = at.dataframe[-1].value
    assert len(last) == len(bad) - (pages - 1) * QUALITY_PAGE
    assert set(last["问题"]) == {"值不在允许范围，已拒绝"}


def test_the_map_says_when_the_last_rebuild_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.build import BuildError

    folder = write_community(tmp_path / "in", REQUIRED)
    out = tmp_path / "c.gpkg"
    run_build(folder, out, progress=False)
    (folder / "居民信息表.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(BuildError):
        run_build(folder, out, progress=False)
    at = _app(out, monkeypatch)
    at.run()
    assert not at.exception
    warning = at.warning[0].value.replace("\\", "")  # Markdown-escaped on the page
    assert "最近一次重建" in warning and "居民信息表.xlsx" in warning
    assert kpis(at)["户数"] == "20"  # the last good build is still shown


def test_live_reports_with_hostile_text_in_a_community_that_is_not_the_demo(
        artifacts: dict[str, Path], monkeypatch: pytest.MonkeyPatch, store: str, tmp_path: Path) -> None:
    """Only the required tables; a report whose text is a formula, a link and control characters; a grid
    worker of G1 and a leader: no error, the text shown as text, nothing of G2 sent to G1's worker."""
    from operations import reports
    from operations.meeting_pack import pack_bytes
    from operations.places import load_places
    from operations.reports import Actor
    from operations.store import db
    from tests.store import store_with_users

    path = artifacts["required"]
    live = store_with_users(tmp_path / "store")
    places = load_places(path)
    by_grid = {}
    for _, _, items in places.compounds():
        for building, _ in items:
            by_grid.setdefault(places.building(building).grid_id, building)  # type: ignore[union-attr]
    hostile = '=HYPERLINK("http://evil.example","点我")[点我](http://evil.example)<script>x</script>\u202e\x07'
    with db(live) as session:
        mine, _ = reports.submit(session, category="其他", description=hostile, actor=Actor("居民", "resident"),
                                 place=places.building(by_grid["G1"]))  # type: ignore[arg-type]
        theirs, _ = reports.submit(session, category="其他", description="第二网格的事情", place=places.building(
            by_grid["G2"]), actor=Actor("居民", "resident"))  # type: ignore[arg-type]
        assert "\u202e" not in mine.description and "\x07" not in mine.description
        number, other = mine.number, theirs.number
    for user in ("leader", "small1"):
        login_as(monkeypatch, live, user)
        at = _app(path, monkeypatch)
        at.switch_page("app_pages/queue.py")
        at.run()
        _no_error(at, f"queue as {user}")
        sent = " ".join(str(e.proto) for e in at.main)
        assert number in sent
        assert "](http://evil.example)" not in " ".join(m.value for m in at.markdown)  # escaped, never a link
        assert (other in sent) == (user == "leader")  # G1's worker is sent nothing of G2
        at.switch_page("app_pages/competition.py")
        at.run()
        _no_error(at, f"competition as {user}")
    with db(live) as session:
        assert pack_bytes(path, "G1", None, session).startswith(b"%PDF")  # no grid work, no export: still a pack
