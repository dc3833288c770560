"""The import page (administrators only): upload the export, import, see the counts and the problem rows.

Run on its own (the router shows it to administrators only: tests/dashboard/test_roles.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from operations import audit
from operations.store import db
from pipelines.schema import REPORTS
from tests.dashboard.conftest import login_as
from tests.store import store_with_users

PAGE = str(Path(__file__).resolve().parents[2] / "dashboard" / "app_pages" / "imports.py")


def _export_csv() -> bytes:
    """Three rows in the demo community, one without a number, one with a formula in 描述."""
    rows = [["GD1", "2026-11-20 09:00", "环境卫生", "楼下垃圾桶满了", "", "117.1135", "36.1925", "待受理", "", "", "",
             "小程序"],
            ["", "2026-11-20 10:00", "其他", "没有编号", "", "", "", "待受理", "", "", "", "小程序"],
            ["GD3", "2026-11-20 11:00", "其他", '=HYPERLINK("http://evil.example/","点击")', "", "", "", "已办结",
             "王五", "2026-11-21 09:00", "5", "电话"]]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([c.header for c in REPORTS.columns])
    writer.writerows(rows)
    return text.getvalue().encode("gb18030")


@pytest.fixture
def page(demo_artifact: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[AppTest, str]]:
    """The page on the demo artifact with a store of its own (the shared one stays free of imported reports)."""
    store = store_with_users(tmp_path / "store")
    monkeypatch.setenv("COMMUNITY_GPKG", str(demo_artifact))
    login_as(monkeypatch, store, "admin")
    yield AppTest.from_file(PAGE, default_timeout=120), store


def test_an_administrator_imports_an_upload_and_sees_counts_and_problems(page: tuple[AppTest, str]) -> None:
    at, store = page
    at.run()
    assert not at.exception and at.title[0].value == "导入诉求工单"
    at.button(key="import_submit").click().run()
    assert "请先选择导出文件" in at.warning[0].value
    at.file_uploader(key="import_file").upload("诉求工单导出.csv", _export_csv(), "text/csv")
    at.button(key="import_submit").click().run()
    assert not at.exception and not at.error
    shown = {m.label: m.value for m in at.metric}
    assert (shown["总行数"], shown["新增"], shown["未导入"]) == ("3", "2", "1")
    problems = at.dataframe[0].value
    assert {"工单编号", "描述", "经度"} <= set(problems["列"])
    assert not problems["值"].astype(str).str.contains("HYPERLINK").any()  # 描述 is withheld, as on Data quality
    with db(store) as session:
        logged = audit.entries(session, action="import", actor="admin")
    assert list(logged["target"]) == ["诉求工单导出.csv"]
    at.button(key="import_submit").click().run()  # again: nothing new
    shown = {m.label: m.value for m in at.metric}
    assert (shown["新增"], shown["未变"]) == ("0", "2")


def test_an_unreadable_upload_is_one_clear_message(page: tuple[AppTest, str]) -> None:
    at, _ = page
    at.run()
    at.file_uploader(key="import_file").upload("诉求工单.xlsx", b"<html>not a workbook</html>", "text/html")
    at.button(key="import_submit").click().run()
    assert not at.exception and "无法导入" in at.error[0].value and "诉求工单.xlsx" in at.error[0].value
    assert not at.metric


def test_only_administrators_may_import(page: tuple[AppTest, str], monkeypatch: pytest.MonkeyPatch) -> None:
    at, store = page
    login_as(monkeypatch, store, "leader")
    at.run()
    assert "只有管理员" in at.error[0].value and not at.file_uploader
