"""The 网格擂台比武 page: every month of the demo shown and exported, the breakdown of a score, meeting mode."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import login_as

PAGE = "app_pages/competition.py"


def _ranking_rows(at: AppTest) -> list[str]:
    block = next(m.value for m in at.markdown if 'id="ranking"' in m.value)
    return re.findall(r'<tr class="[^"]*" data-grid="([^"]+)">', block)


def test_every_month_is_ranked_and_exported(app: AppTest) -> None:
    app.switch_page(PAGE)
    app.run()
    assert not app.exception and app.title[0].value == "网格擂台比武"
    months = app.selectbox(key="competition_month").options
    assert len(months) >= 12
    for month in months[-13:]:
        app.selectbox(key="competition_month").set_value(month).run()
        assert not app.exception, month
        assert len(_ranking_rows(app)) == 10, month
    breakdown = app.dataframe[0].value
    assert list(breakdown["评分项"]) == ["办结率", "按时办结率", "满意度", "评价率", "工作量（每百户）"]
    aspects = app.dataframe[1].value
    assert len(aspects) == 10 and "入户走访" in aspects.columns
    labels = [b.proto.label for b in app.get("download_button")]
    assert any("导出" in label for label in labels)  # the Excel export


def test_the_export_holds_every_grid_with_its_parts(app: AppTest) -> None:
    from dashboard import data
    from dashboard.app_pages.competition import _export  # the frame the button writes
    from pipelines.office_files import export_xlsx

    app.switch_page(PAGE)
    app.run()
    month = app.selectbox(key="competition_month").value
    frame, _ = data.competition(str(data.artifact_path()), data.artifact_version(data.artifact_path()), month)
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx(_export(frame, "zh"), title="t")))
    sheet = book.active
    header = [c.value for c in sheet[2]]
    assert "得分" in header and "办结率" in header and "入户走访（每百户）" in header
    assert sheet.max_row == 2 + 10


def test_meeting_mode_shows_the_ranking_and_no_person(app: AppTest, demo_artifact: Path,
                                                     monkeypatch: pytest.MonkeyPatch, store: str) -> None:
    app.query_params["mode"] = "meeting"
    app.run()
    app.switch_page(PAGE)
    app.run()
    assert not app.exception and len(_ranking_rows(app)) == 10
    assert not app.get("download_button")  # the projector exports nothing
    residents = pyogrio.read_dataframe(demo_artifact, layer="residents", columns=["name"], read_geometry=False)
    sent = " ".join(str(e.proto) for e in app.main)
    assert not [n for n in residents["name"] if len(n) >= 3 and n in sent]


def test_the_meeting_pack_buttons_follow_the_role(app: AppTest, monkeypatch: pytest.MonkeyPatch, store: str) -> None:
    app.switch_page(PAGE)
    app.run()
    labels = [b.proto.label for b in app.get("download_button")]
    assert any("例会材料（PDF）" in label for label in labels) and "下载全部网格（ZIP）" in labels
    login_as(monkeypatch, store, "grid01")
    app.run()
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels.count("下载全部网格（ZIP）") == 0 and any("第一网格" in label for label in labels)  # their own grid


def test_the_pack_button_makes_a_pdf_and_logs_it(demo_artifact: Path, monkeypatch: pytest.MonkeyPatch,
                                                 store: str) -> None:
    from dashboard.app_pages.competition import _pack
    from operations import audit
    from operations.access import Role, Viewer
    from operations.store import db

    monkeypatch.setenv("COMMUNITY_GPKG", str(demo_artifact))
    monkeypatch.setenv("DATABASE_URL", store)
    made = _pack(Viewer(2, "leader", "leader", Role.LEADER, ()), "127.0.0.1", "WG02", "2026-11")
    assert made.startswith(b"%PDF")
    with db(store) as session:
        logged = audit.entries(session, action="export")
    assert "例会材料 WG02 2026-11" in set(logged["target"])
