"""Importing the mini-program's export (诉求工单) into the live store: every row lands or is a problem row, a
second import changes nothing, a later export updates exactly what changed, encodings as the pipeline reads
them, hostile rows, live moves never overwritten by an older export, and the command line (real files, SQLite
and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from operations import reports
from operations.audit import entries
from operations.imports import ImportFileError, ImportResult, import_reports, problems_xlsx
from operations.models import Report, ReportEvent
from operations.places import Places, load_places
from operations.reports import Actor
from operations.store import db
from pipelines.office_files import write_csv
from pipelines.schema import REPORTS

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "geodata" / "sample" / f"{REPORTS.name_zh}.xlsx"  # what pipelines.demo writes
NOW = datetime(2026, 12, 1, 2, 0)
LATER = datetime(2026, 12, 2, 2, 0)
LEADER = Actor("李主任", "leader")
HEADERS = [c.header for c in REPORTS.columns]


@pytest.fixture(scope="module")
def places(demo_artifact: Path) -> Places:
    """The demo community's compounds, buildings and grids."""
    return load_places(demo_artifact)


@pytest.fixture(scope="module")
def export_rows() -> pd.DataFrame:
    """The demo export as text, read independently of the importer (header in row 1)."""
    return pd.read_excel(EXPORT, dtype=str, keep_default_na=False)


def _import(url: str, path: Path, places: Places, now: datetime = NOW) -> ImportResult:
    with db(url) as session:
        return import_reports(session, path, places, actor="admin", role="admin", now=now)


def _snapshot(url: str) -> tuple[dict[str, dict[str, object]], int, int | None]:
    """Every report (all columns), the number of history entries and the newest entry's id."""
    with db(url) as session:
        rows = {r.number: {c.key: getattr(r, c.key) for c in Report.__table__.columns}
                for r in session.scalars(select(Report))}
        count = session.scalar(select(func.count(ReportEvent.id))) or 0
        newest = session.scalar(select(func.max(ReportEvent.id)))
    return rows, count, newest


def _events(url: str, number: str) -> list[ReportEvent]:
    with db(url) as session:
        report = reports.by_number(session, number)
        assert report is not None
        return reports.history(session, report)


def _problem_at(result: ImportResult, row: int, column: str) -> pd.DataFrame:
    found = result.problems[(result.problems["row"] == row) & (result.problems["column"] == column)]
    assert len(found), f"no problem at row {row}, column {column}: {result.problems.to_string()}"
    return found


def test_every_row_of_the_demo_export_is_in_the_store_or_a_problem_row(database: str, places: Places,
                                                                       export_rows: pd.DataFrame) -> None:
    result = _import(database, EXPORT, places)
    assert result.rows == len(export_rows) == 2600
    assert result.added + result.rejected == result.rows and result.updated == result.unchanged == 0
    rejected_rows = set(result.problems.loc[result.problems["severity"] == "error", "row"])
    assert len(rejected_rows) == result.rejected
    stored, events, _ = _snapshot(database)
    assert len(stored) == result.added and events == result.added  # one history entry per new report
    in_file = dict(zip(export_rows["工单编号"], range(2, len(export_rows) + 2), strict=True))  # number → Excel row
    for number, row in in_file.items():
        assert (number in stored) != (row in rejected_rows)
    sample = stored[export_rows["工单编号"].iloc[0]]
    assert sample["source"] == "import" and sample["channel"] == export_rows["来源"].iloc[0]
    # China time in the export, UTC in the store; the time limit runs from submission
    submitted = pd.Timestamp(export_rows["提交时间"].iloc[0]).to_pydatetime()
    assert sample["submitted_at"] == submitted - pd.Timedelta(hours=8)
    hours = {"安全隐患": 24, "物业维修": 72, "环境卫生": 48}.get(str(sample["category"]))
    if hours:
        assert sample["due_at"] == sample["submitted_at"] + pd.Timedelta(hours=hours)
    statuses = {s for s in (r["status"] for r in stored.values())}
    assert statuses <= {"submitted", "accepted", "dispatched", "in_progress", "closed", "rated"}
    assert all(r["grid_id"] for r in stored.values())  # the demo's reports all lie in (or at the edge of) a grid
    with db(database) as session:
        logged = entries(session, action="import")
    assert len(logged) == 1 and logged["target"].iloc[0] == EXPORT.name
    assert json.loads(logged["detail"].iloc[0])["added"] == result.added


def test_importing_the_same_file_twice_changes_nothing(database: str, places: Places) -> None:
    first = _import(database, EXPORT, places)
    before = _snapshot(database)
    second = _import(database, EXPORT, places, now=LATER)
    assert (second.added, second.updated, second.kept) == (0, 0, 0)
    assert second.unchanged == first.added and second.rejected == first.rejected
    assert _snapshot(database) == before  # same rows, same updated_at and versions, no new history entry
    with db(database) as session:
        assert len(entries(session, action="import")) == 2  # each import is logged, even one that changed nothing


def _later_export(tmp_path: Path, export_rows: pd.DataFrame) -> tuple[Path, dict[str, str]]:
    """A copy of the demo export in which two statuses advanced and one 满意度 was added (and what changed)."""
    pick = {
        "advance_open": export_rows.index[export_rows["状态"] == "待受理"][0],
        "advance_work": export_rows.index[export_rows["状态"] == "处理中"][0],
        "rate": export_rows.index[(export_rows["状态"] == "已办结") & (export_rows["满意度"] == "")][0],
    }
    book = openpyxl.load_workbook(EXPORT)
    sheet = book.active
    assert sheet is not None
    col = {str(cell.value): cell.column for cell in sheet[1]}
    sheet.cell(int(pick["advance_open"]) + 2, col["状态"]).value = "处理中"
    sheet.cell(int(pick["advance_open"]) + 2, col["受理网格员"]).value = "张网格"
    sheet.cell(int(pick["advance_work"]) + 2, col["状态"]).value = "已办结"
    sheet.cell(int(pick["advance_work"]) + 2, col["办结时间"]).value = datetime(2026, 11, 30, 16, 30)
    sheet.cell(int(pick["rate"]) + 2, col["满意度"]).value = 4
    out = tmp_path / "诉求工单导出-1202.xlsx"
    book.save(out)
    return out, {key: str(export_rows.loc[index, "工单编号"]) for key, index in pick.items()}


def test_a_later_export_updates_exactly_the_reports_that_changed(database: str, places: Places, tmp_path: Path,
                                                                 export_rows: pd.DataFrame) -> None:
    _import(database, EXPORT, places)
    before, events_before, _ = _snapshot(database)
    later, changed = _later_export(tmp_path, export_rows)
    result = _import(database, later, places, now=LATER)
    assert (result.added, result.updated, result.kept) == (0, 3, 0)
    after, events_after, _ = _snapshot(database)
    assert events_after == events_before + 3
    moved = {n for n in after if after[n] != before[n]}
    assert moved == set(changed.values())
    assert after[changed["advance_open"]]["status"] == "in_progress"
    assert after[changed["advance_open"]]["assignee"] == "张网格"
    assert after[changed["advance_work"]]["status"] == "closed"
    assert after[changed["advance_work"]]["closed_at"] == datetime(2026, 11, 30, 8, 30)  # 16:30 China time
    assert after[changed["rate"]]["rating"] == 4 and after[changed["rate"]]["status"] == "closed"
    for number in changed.values():
        assert after[number]["updated_at"] == LATER and after[number]["version"] == before[number]["version"] + 1
        last = _events(database, number)[-1]
        assert (last.actor, last.role, last.action) == ("导入", "system", "import") and later.name in last.note
    assert _events(database, changed["advance_open"])[-1].from_status == "submitted"
    # the same later export again: nothing more
    again = _import(database, later, places, now=LATER)
    assert again.updated == 0 and _snapshot(database)[1] == events_after


def test_an_older_export_after_a_later_one_does_not_take_statuses_back(database: str, places: Places,
                                                                       tmp_path: Path,
                                                                       export_rows: pd.DataFrame) -> None:
    later, changed = _later_export(tmp_path, export_rows)
    _import(database, later, places)
    before = _snapshot(database)
    result = _import(database, EXPORT, places, now=LATER)
    assert (result.updated, result.kept, result.added) == (0, 3, 0)
    assert _snapshot(database) == before  # statuses not taken back, the rating not taken away
    assert set(result.notices["row"]) == {int(export_rows.index[export_rows["工单编号"] == number][0]) + 2
                                          for number in changed.values()}
    assert set(result.notices["severity"]) == {"notice"}


def test_a_gb18030_csv_of_the_same_rows_imports_identically(database: str, places: Places, tmp_path: Path,
                                                            export_rows: pd.DataFrame) -> None:
    from_xlsx = _import(database, EXPORT, places)
    before = _snapshot(database)
    path = tmp_path / "诉求工单导出.csv"
    write_csv(path, export_rows, encoding="gb18030")
    assert path.read_bytes().decode("gb18030")  # really GB18030, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    from_csv = _import(database, path, places, now=LATER)
    assert from_csv.rows == from_xlsx.rows and from_csv.unchanged == from_xlsx.added
    assert (from_csv.added, from_csv.updated, from_csv.kept, from_csv.rejected) == (0, 0, 0, from_xlsx.rejected)
    assert _snapshot(database) == before
    columns = ["row", "column", "value", "problem"]
    assert from_csv.problems[columns].equals(from_xlsx.problems[columns])


def test_a_shift_jis_csv_is_refused_with_a_message_about_the_encoding(database: str, places: Places,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "诉求工单.csv"
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["工単番号", "提出時間", "類別", "内容", "状態"])  # as a Japanese office would write them
    for k in range(5):
        writer.writerow([f"JP{k}", "2026-11-01 09:00", "その他", "東京都新宿区西新宿二丁目のゴミ置き場が汚い",
                         "処理中"])
    path.write_bytes(text.getvalue().encode("shift_jis"))
    with pytest.raises(ImportFileError, match="编码") as caught:
        _import(database, path, places)
    assert path.name in str(caught.value) and " / " in str(caught.value)
    assert _snapshot(database)[0] == {}


HOSTILE = [
    # (工单编号, 提交时间, 类别, 描述, 地址, 经度, 纬度, 状态, 受理网格员, 办结时间, 满意度, 来源)
    ["HX001", "2026-11-20 09:00", "环境卫生", "楼下垃圾桶满了", "", "{lon}", "{lat}", "待受理", "", "", "", "小程序"],
    ["HX002", "2026-11-20 10:00", "其他", '=HYPERLINK("http://evil.example/","点击领奖")', "", "{lon}", "{lat}",
     "待受理", "", "", "", "小程序"],
    ["HX003", "2026-11-20 11:00", "物业维修", "楼道\x07灯坏了\u202e很久", "", "{lon}", "{lat}", "已受理", "王五", "",
     "", "电话"],
    ["HX004", "2026-13-45 25:00", "环境卫生", "日期写错了", "", "{lon}", "{lat}", "待受理", "", "", "", "小程序"],
    ["HX005", "2026-11-21 09:00", "停车交通", "经纬度填反", "", "{lat}", "{lon}", "待受理", "", "", "", "小程序"],
    ["HX006", "2026-11-21 10:00", "噪音扰民", "坐标在巴黎", "", "2.3522", "48.8566", "待受理", "", "", "", "小程序"],
    ["HX001", "2026-11-21 11:00", "环境卫生", "编号重复了", "", "{lon}", "{lat}", "待受理", "", "", "", "小程序"],
    ["", "2026-11-21 12:00", "环境卫生", "没有编号", "", "{lon}", "{lat}", "待受理", "", "", "", "小程序"],
    ["HX009", "2026-11-21 13:00", "设施损坏", "没有坐标", "岱宗花园", "", "", "处理中", "王五", "", "", "网格员巡查"],
    ["HX010", "2026-11-10 08:00", "安全隐患", "办结时间写成了文字", "", "{lon}", "{lat}", "已办结", "王五", "昨天",
     "9", "12345热线"],
]


def _hostile_csv(tmp_path: Path, places: Places) -> Path:
    (south, west), (north, east) = places.bounds
    lat, lon = f"{(south + north) / 2:.6f}", f"{(west + east) / 2:.6f}"
    path = tmp_path / "诉求工单导出-hostile.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for row in HOSTILE:
            writer.writerow([cell.format(lat=lat, lon=lon) for cell in row])
    return path


def test_hostile_rows_each_give_a_problem_row_and_nothing_is_lost(database: str, places: Places,
                                                                 tmp_path: Path) -> None:
    result = _import(database, _hostile_csv(tmp_path, places), places)
    assert result.rows == len(HOSTILE)
    # CSV line numbers: the header is line 1, HX001 line 2
    assert "公式" in _problem_at(result, 3, "描述")["problem"].iloc[0]
    assert "控制字符" in _problem_at(result, 4, "描述")["problem"].iloc[0]
    assert (_problem_at(result, 5, "提交时间")["severity"] == "error").all()
    assert "填反" in _problem_at(result, 6, "纬度")["problem"].iloc[0]
    assert "中国境内" in _problem_at(result, 7, "经度")["problem"].iloc[0]
    assert (_problem_at(result, 8, "工单编号")["severity"] == "error").all()  # the repeated number
    assert "第2行" in _problem_at(result, 8, "工单编号")["suggestion"].iloc[0]
    assert (_problem_at(result, 9, "工单编号")["severity"] == "error").all()  # no number
    assert "没有经纬度" in _problem_at(result, 10, "经度")["problem"].iloc[0]
    assert "日期" in _problem_at(result, 11, "办结时间")["problem"].iloc[0]
    assert "满意度" in _problem_at(result, 11, "满意度")["problem"].iloc[0]
    assert set(result.problems["row_kind"]) == {"csv"} and set(result.problems["file"]) == {
        "诉求工单导出-hostile.csv"}
    # nothing lost: every row is stored, or has a problem that rejected it
    stored, _, _ = _snapshot(database)
    rejected = set(result.problems.loc[result.problems["severity"] == "error", "row"])
    assert rejected == {5, 8, 9} and result.rejected == 3 and result.added == 7
    assert set(stored) == {"HX001", "HX002", "HX003", "HX005", "HX006", "HX009", "HX010"}
    assert stored["HX001"]["description"] == "楼下垃圾桶满了"  # the first of the repeated number is kept
    assert stored["HX002"]["description"] == '=HYPERLINK("http://evil.example/","点击领奖")'  # text, kept
    assert stored["HX003"]["description"] == "楼道灯坏了很久" and stored["HX003"]["status"] == "dispatched"
    assert stored["HX001"]["grid_id"] and stored["HX001"]["lat"] is not None
    for number in ("HX005", "HX006", "HX009"):
        assert stored[number]["grid_id"] == "" and stored[number]["lat"] is None
    assert stored["HX010"]["closed_at"] is None and stored["HX010"]["rating"] is None
    # the problem list as a file: text cells only, never a formula
    book = openpyxl.load_workbook(io.BytesIO(problems_xlsx(result)))
    cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]  # type: ignore[union-attr]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any("HYPERLINK" in str(c.value) for c in cells)  # the description is withheld, as elsewhere


def test_a_report_moved_on_live_is_not_overwritten_by_an_older_export(database: str, places: Places,
                                                                      tmp_path: Path,
                                                                      export_rows: pd.DataFrame) -> None:
    _import(database, EXPORT, places)
    number = str(export_rows.loc[(export_rows["状态"] == "已受理") & (export_rows["受理网格员"] != ""),
                                 "工单编号"].iloc[0])
    with db(database) as session:
        reports.act(session, number, "take", LEADER, now=LATER)
    before = _snapshot(database)
    result = _import(database, EXPORT, places, now=LATER)  # the export still says 已受理
    assert (result.updated, result.kept, result.added) == (0, 1, 0)
    assert _snapshot(database) == before
    assert _snapshot(database)[0][number]["status"] == "in_progress"
    notice = result.notices.iloc[0]
    assert notice["severity"] == "notice" and notice["column"] == "状态" and "未" in notice["problem"]
    assert notice["row"] == int(export_rows.index[export_rows["工单编号"] == number][0]) + 2
    # even a later export (closed in the mini-program) does not overwrite what the office now handles
    later = tmp_path / "later.xlsx"
    shutil.copy(EXPORT, later)
    book = openpyxl.load_workbook(later)
    sheet = book.active
    assert sheet is not None
    col = {str(cell.value): cell.column for cell in sheet[1]}
    sheet.cell(notice["row"], col["状态"]).value = "已办结"
    book.save(later)
    assert _import(database, later, places, now=LATER).kept == 1
    assert _snapshot(database)[0][number]["status"] == "in_progress"


def test_a_number_of_a_report_filed_in_the_system_is_not_taken_over(database: str, places: Places,
                                                                   tmp_path: Path) -> None:
    with db(database) as session:
        place = places.at(*[(s + n) / 2 for s, n in zip(*places.bounds, strict=True)])
        filed, _ = reports.submit(session, category="物业维修", description="楼道灯不亮很久了", place=place,
                                  actor=Actor("居民", "resident"), now=NOW)
        number = filed.number
    path = tmp_path / "clash.csv"
    frame = pd.DataFrame([[number, "2026-11-20 09:00", "环境卫生", "同号", "", "", "", "待受理", "", "", "", "小程序"]],
                         columns=HEADERS)
    write_csv(path, frame)
    result = _import(database, path, places)
    assert result.rejected == 1 and "非导入" in _problem_at(result, 2, "工单编号")["problem"].iloc[0]
    assert _snapshot(database)[0][number]["description"] == "楼道灯不亮很久了"


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "operations", "import-reports", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_command_line_imports_reports_and_exits_2_on_an_unreadable_file(demo_artifact: Path,
                                                                           tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    problems = tmp_path / "问题.xlsx"
    first = _cli(str(EXPORT), "--artifact", str(demo_artifact), "--problems", str(problems), url=url)
    assert first.returncode == 0, first.stderr
    assert "新增 / added: 2600" in first.stdout and "未变 / unchanged: 0" in first.stdout
    assert problems.is_file()
    second = _cli(str(EXPORT), "--artifact", str(demo_artifact), url=url)
    assert second.returncode == 0 and "新增 / added: 0" in second.stdout and "未变 / unchanged: 2600" in second.stdout
    broken = tmp_path / "诉求工单.xlsx"
    broken.write_text("<html><body>not a workbook</body></html>", encoding="utf-8")
    failed = _cli(str(broken), "--artifact", str(demo_artifact), url=url)
    assert failed.returncode == 2 and "无法导入" in failed.stderr and broken.name in failed.stderr
    assert "Traceback" not in failed.stderr
    japanese = tmp_path / "jp.csv"
    japanese.write_bytes("工単番号,提出時間,状態\nJP1,2026-11-01,東京都新宿区西新宿二丁目の処理中です\n"
                         "JP2,2026-11-02,大阪府大阪市北区梅田三丁目のゴミ\n".encode("shift_jis"))
    refused = _cli(str(japanese), "--artifact", str(demo_artifact), url=url)
    assert refused.returncode == 2 and "编码" in refused.stderr
    missing = _cli(str(tmp_path / "nope.xlsx"), "--artifact", str(demo_artifact), url=url)
    assert missing.returncode == 2 and "文件不存在" in missing.stderr
