"""Import the mini-program's export (诉求工单导出, 码上提泉心办) into the live store, idempotently.

The file is read exactly as the batch pipeline reads it (``pipelines.readers``:
xlsx/xls/csv, UTF-8 or GBK/GB18030 detected, other encodings refused, header
aliases, control characters removed) and checked with the pipeline's row checks
(``pipelines.validate``).  Every data row then either lands in the store or is
in :attr:`ImportResult.problems` with file, row, column, value, the problem and
what to fix, the same shape as the pipeline's quality rows.

Reports are keyed by 工单编号 (``Report.number``, ``source="import"``):

* a new number is added, with one history entry (``action="import"``);
* a number already imported, with the same values, is left alone (nothing is
  written: importing the same file twice changes nothing);
* a number already imported whose values changed in a later export is
  updated, with one history entry naming the file and what changed;
* a number whose report the live side has moved on since (its latest history
  entry is not an import), or whose export state is older than the stored one,
  is not overwritten: it is listed in :attr:`ImportResult.notices`.

Times in the export are China Standard Time; the store keeps UTC (see
``operations.models``), so 8 hours are taken off.  No Streamlit here: the
dashboard page and ``python -m operations import-reports`` both call this module.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operations.audit import record
from operations.models import Report, ReportEvent, utcnow
from operations.places import Places
from operations.reports import MAX_DESCRIPTION, clean_text
from operations.settings import UTC_TO_LOCAL
from operations.workflow import Workflow, workflow
from pipelines.readers import TABLE_SUFFIXES, ReadError, TableFile, read_table
from pipelines.schema import REPORTS
from pipelines.validate import QUALITY_COLUMNS, Quality, check_unique, validate_table

__all__ = ["IMPORT_ACTOR", "IMPORT_ROLE", "STATUS_MAP", "ImportFileError", "ImportResult",
           "import_reports", "import_upload", "problem_rows", "problems_xlsx"]

#: The export's 状态 → the workflow's state (已受理 with a 受理网格员 is dispatched to that worker's grid).
STATUS_MAP: dict[str, str] = {"待受理": "submitted", "已受理": "accepted", "处理中": "in_progress",
                              "已办结": "closed", "已评价": "rated"}
IMPORT_ACTOR = "导入"
IMPORT_ROLE = "system"
IMPORT_ACTION = "import"
#: China Standard Time is UTC+8 all year (no daylight saving): the export's times minus this are UTC.
#: Text Excel would run as a formula when the file is opened (``=HYPERLINK(…)``, ``+1``, ``@SUM``).
_FORMULA_START = ("=", "+", "-", "@")
# China, generously (lon 73–136 E, lat 3–54 N), as pipelines.geo checks layers
_CHINA = (73.0, 3.0, 136.0, 54.0)
_CHUNK = 500  # numbers per IN (…) query
_NUMBER_MAX = 40  # Report.number


class ImportFileError(ValueError):
    """The file cannot be imported at all (unreadable, wrong encoding or format, a required column missing).

    The message (Chinese, then English after " / ") names the file and says what to do.
    """


@dataclass
class ImportResult:
    """What one import did: counts, the problem rows and the notices (both in the pipeline's quality shape).

    ``rows == added + updated + unchanged + kept + rejected``: every data row of the file is counted once.
    ``problems`` holds one row per problem (a row may have several); rows with an ``error`` are not
    stored (``rejected``), rows with a ``warning`` are stored.  ``notices`` lists the reports that were
    not overwritten because the live side moved them on, or because the export is older (``kept``).
    """

    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    rejected: int = 0
    problems: pd.DataFrame = field(default_factory=lambda: Quality().frame())
    notices: pd.DataFrame = field(default_factory=lambda: Quality().frame())

    @property
    def counts(self) -> dict[str, int]:
        """The counts by name (written to the audit log)."""
        return {"rows": self.rows, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "kept": self.kept, "rejected": self.rejected, "problems": len(self.problems),
                "notices": len(self.notices)}

    def summary(self) -> str:
        """The counts as one line, in Chinese and then English after " / "."""
        return (f"{self.file}：共 {self.rows} 行，新增 {self.added}，更新 {self.updated}，未变 {self.unchanged}，"
                f"系统中已更新未覆盖 {self.kept}，未导入 {self.rejected}；问题 {len(self.problems)} 条，"
                f"提示 {len(self.notices)} 条 / {self.rows} rows: {self.added} added, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.kept} kept (moved on live), {self.rejected} not imported; "
                f"{len(self.problems)} problems, {len(self.notices)} notices")


@dataclass(frozen=True)
class _Row:
    """One row of the export as the store would hold it."""

    index: int
    number: str
    values: dict[str, object]


def _fail_header(tf: TableFile) -> ImportFileError:
    missing = "；".join(f"{p.problem}（{p.suggestion}）" for p in tf.missing_required)
    return ImportFileError(f"{tf.path.name}: {missing}")


def _read(path: Path) -> TableFile:
    """The file as the pipeline reads it, or :class:`ImportFileError`."""
    if not path.is_file():
        msg = f"{path.name}: 文件不存在 / no such file: {path}"
        raise ImportFileError(msg)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        msg = (f"{path.name}: 只能导入 .xlsx、.xls 或 .csv 文件（小程序后台“导出”得到的文件） / "
               f"only .xlsx, .xls or .csv files can be imported")
        raise ImportFileError(msg)
    try:
        tf = read_table(path, REPORTS)
    except ReadError as exc:
        raise ImportFileError(str(exc)) from exc
    if tf.missing_required:
        raise _fail_header(tf)
    return tf


def _china_today(now: datetime) -> date:
    return (now + UTC_TO_LOCAL).date()


def _utc(value: object) -> datetime | None:
    """A parsed export time (China time) as stored (UTC, no time zone, whole seconds); None when missing."""
    if value is None or not isinstance(value, pd.Timestamp | datetime) or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        return (stamp.tz_convert("UTC").tz_localize(None).round("s")).to_pydatetime()
    return (stamp.round("s") - UTC_TO_LOCAL).to_pydatetime()


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _mask(tf: TableFile, rows: Iterable[int]) -> pd.Series:
    mask = pd.Series(False, index=tf.frame.index)
    mask[list(rows)] = True
    return mask


def _add_each(quality: Quality, tf: TableFile, found: dict[int, tuple[str, str, str]], severity: str) -> None:
    """One problem row per entry of ``found`` (row index → column, problem, suggestion)."""
    for index, (column, problem, suggestion) in sorted(found.items()):
        quality.add(tf, _mask(tf, [index]), column, problem, suggestion=suggestion, severity=severity)


def _check_text(tf: TableFile, quality: Quality, keep: pd.Series) -> pd.Series:
    """Formula-looking text (kept as text) and 工单编号 too long for the store (row rejected)."""
    frame = tf.frame
    for key in ("description", "address", "worker"):
        risky = keep & frame[key].astype(str).str.startswith(_FORMULA_START)
        quality.add(tf, risky, key, "以“=”“+”“-”“@”开头，Excel 打开时会当作公式运行；已按文字原样保存，"
                    "导出时也不会运行 / starts like an Excel formula: stored as plain text, never run",
                    suggestion="核对小程序中的原文；如非居民本意，请在小程序后台修改 / check the original text")
    long = keep & (frame["report_id"].str.len() > _NUMBER_MAX)
    quality.add(tf, long, "report_id", f"工单编号超过 {_NUMBER_MAX} 个字符，未导入 / report number longer than "
                f"{_NUMBER_MAX} characters: not imported", suggestion="核对工单编号 / check the number",
                severity="error")
    return keep & ~long


def _check_satisfaction(tf: TableFile, quality: Quality, keep: pd.Series) -> None:
    values = pd.to_numeric(tf.frame["satisfaction"], errors="coerce")
    bad = keep & values.notna() & ~values.isin([1, 2, 3, 4, 5])
    quality.add(tf, bad, "satisfaction", "满意度应为 1 到 5 的整数，已忽略 / satisfaction must be 1 to 5: ignored",
                suggestion="填 1、2、3、4 或 5 / write 1 to 5")
    tf.frame.loc[bad, "satisfaction"] = float("nan")


def _place(tf: TableFile, quality: Quality, keep: pd.Series, places: Places | None) -> dict[int, dict[str, object]]:
    """Building, compound, grid and point of every kept row; rows that cannot be placed get a warning."""
    placed: dict[int, dict[str, object]] = {}
    found: dict[int, tuple[str, str, str]] = {}
    frame = tf.frame
    for index in frame.index[keep.to_numpy()]:
        lon, lat = _number(frame.at[index, "lon"]), _number(frame.at[index, "lat"])
        empty: dict[str, object] = {"building_id": "", "compound_id": "", "grid_id": "", "lat": None, "lon": None,
                                    "place_address": ""}
        placed[index] = empty
        if lon is None or lat is None:
            found[index] = ("lon" if lon is None else "lat",
                            "没有经纬度，无法定位到网格；已导入，网格为空 / no coordinates: imported without a grid",
                            "在小程序后台补上位置后重新导出导入，或在系统中派遣到网格 / add the place and "
                            "import again, or dispatch it to a grid")
            continue
        in_china = _CHINA[0] <= lon <= _CHINA[2] and _CHINA[1] <= lat <= _CHINA[3]
        if not in_china and _CHINA[0] <= lat <= _CHINA[2] and _CHINA[1] <= lon <= _CHINA[3]:
            found[index] = ("lat", f"经度和纬度填反了（经度 {lon}，纬度 {lat}）；已导入，未定位，网格为空 / "
                                   "longitude and latitude are swapped: imported without a place",
                            "对调经度、纬度两列的值后重新导入（经度约 117，纬度约 36） / swap the two columns "
                            "and import again")
            continue
        if not in_china:
            found[index] = ("lon", f"坐标不在中国境内（经度 {lon}，纬度 {lat}）；已导入，未定位，网格为空 / "
                                   "coordinates outside China: imported without a place",
                            "核对经纬度（WGS-84，经度约 117，纬度约 36） / check the coordinates")
            continue
        if places is None:
            empty.update(lat=round(lat, 6), lon=round(lon, 6))
            found[index] = ("lon", "没有地图数据包，未定位到网格；已导入，网格为空 / no artifact: imported without a "
                                   "grid", "先构建数据包（make run）再重新导入 / build the artifact, then import again")
            continue
        if not places.contains(lat, lon):
            empty.update(lat=round(lat, 6), lon=round(lon, 6))
            found[index] = ("lon", f"坐标不在本社区范围内（经度 {lon}，纬度 {lat}）；已导入，网格为空 / outside the "
                                   "community: imported without a grid",
                            "核对经纬度；如确属外社区，请在系统中转派 / check the coordinates, or transfer it")
            continue
        place = places.at(lat, lon)
        if not place.grid_id:  # on the street at the community's edge: the adjacent grid, as the build does
            place = replace(place, grid_id=places.near_grid(lat, lon))
        placed[index] = {"building_id": place.building_id, "compound_id": place.compound_id,
                         "grid_id": place.grid_id, "lat": place.lat, "lon": place.lon, "place_address": place.address}
        if not place.grid_id:
            found[index] = ("lon", f"坐标不在任何网格内（经度 {lon}，纬度 {lat}）；已导入，网格为空 / in no grid: "
                                   "imported without a grid",
                            "核对经纬度，或在系统中派遣到网格 / check the coordinates, or dispatch it to a grid")
    _add_each(quality, tf, found, "warning")
    return placed


def _rows(tf: TableFile, keep: pd.Series, placed: dict[int, dict[str, object]], rules: Workflow) -> list[_Row]:
    """The kept rows as the store would hold them."""
    out = []
    frame = tf.frame
    for index in frame.index[keep.to_numpy()]:
        row = frame.loc[index]
        where = placed[index]
        submitted = _utc(row["submitted_at"])
        assert submitted is not None  # required: a row without one was rejected
        status = STATUS_MAP[str(row["status"])]
        worker = clean_text(str(row["worker"]), 64)
        if status == "accepted" and worker:
            status = "dispatched"
        rating = _number(row["satisfaction"])
        category = str(row["category"])
        address = clean_text(str(row["address"]), 256) or str(where["place_address"])
        out.append(_Row(int(index), str(row["report_id"]).strip(), {
            "channel": clean_text(str(row["channel"]), 16), "category": category,
            "description": clean_text(str(row["description"]), MAX_DESCRIPTION), "address": address[:256],
            "compound_id": where["compound_id"], "building_id": where["building_id"], "grid_id": where["grid_id"],
            "lat": where["lat"], "lon": where["lon"], "status": status, "assignee": worker,
            "rating": int(rating) if rating is not None else None, "submitted_at": submitted,
            "due_at": submitted + timedelta(hours=rules.hours_for(category)), "closed_at": _utc(row["closed_at"]),
        }))
    return out


def _same(old: object, new: object) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-7
    return old == new


def _existing(db: Session, numbers: list[str]) -> tuple[dict[str, Report], dict[int, str]]:
    """The stored reports with these numbers, and the action of each one's latest history entry."""
    found: dict[str, Report] = {}
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start:start + _CHUNK]
        found.update({r.number: r for r in db.scalars(select(Report).where(Report.number.in_(chunk)))})
    ids = [r.id for r in found.values()]
    latest: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        some = ids[start:start + _CHUNK]
        last = select(func.max(ReportEvent.id)).where(ReportEvent.report_id.in_(some)) \
            .group_by(ReportEvent.report_id).scalar_subquery()
        latest.update({rid: action for rid, action in db.execute(
            select(ReportEvent.report_id, ReportEvent.action).where(ReportEvent.id.in_(last)))})
    return found, latest


_LABELS = {"status": "状态", "rating": "满意度", "closed_at": "办结时间", "assignee": "受理网格员", "category": "类别",
           "description": "描述", "address": "地址", "grid_id": "网格", "building_id": "楼栋", "channel": "来源",
           "submitted_at": "提交时间", "lat": "纬度", "lon": "经度"}


def _change_note(file: str, report: Report, changes: dict[str, object], rules: Workflow) -> str:
    parts = []
    for key, value in changes.items():
        if key == "status":
            parts.append(f"状态 {rules.label(report.status)}→{rules.label(str(value))}")
        elif key in ("rating", "closed_at", "assignee", "grid_id"):
            parts.append(f"{_LABELS[key]} {value if value not in (None, '') else '（空）'}")
        elif key in _LABELS and _LABELS[key] not in parts:
            parts.append(_LABELS[key])
    return f"导入 {file}：" + "，".join(dict.fromkeys(parts))


def _step(rules: Workflow, state: str) -> int:
    found = rules.states.get(state)
    return found.step if found is not None and found.step is not None else 0


def _is_older(rules: Workflow, report: Report, values: dict[str, object]) -> bool:
    """True when the export's row is older than the stored report.

    An earlier step, or the same step without the rating or closing time the store already has: an
    export never takes them back.
    """
    new, old = _step(rules, str(values["status"])), _step(rules, report.status)
    if new != old:
        return new < old
    return (report.rating is not None and values["rating"] is None) or \
        (report.closed_at is not None and values["closed_at"] is None)


def import_reports(db: Session, path: Path, places: Places | None, *, actor: str, role: str = "",
                   address: str = "", now: datetime | None = None, rules: Workflow | None = None) -> ImportResult:
    """Import the export at ``path`` into the store of ``db`` (committed by the caller); see the module's text.

    ``places`` (``load_places(artifact)``) places each row by its 经度/纬度; ``actor``, ``role`` and
    ``address`` are who imports, for the audit log (one entry per import).  Raises
    :class:`ImportFileError` when the file cannot be read at all; every other problem is a row of the
    result's ``problems``.
    """
    rules = rules or workflow()
    now = now or utcnow()
    tf = _read(path)
    file = path.name
    quality = Quality()
    notices = Quality()
    quality.add_read_problems(tf)
    keep = validate_table(tf, quality, reference=_china_today(now))
    keep = check_unique(tf, quality, "report_id", keep)
    keep = _check_text(tf, quality, keep)
    _check_satisfaction(tf, quality, keep)
    placed = _place(tf, quality, keep, places)
    rows = _rows(tf, keep, placed, rules)
    stored, latest = _existing(db, [r.number for r in rows])
    result = ImportResult(file, rows=len(tf.frame))
    clash: dict[int, tuple[str, str, str]] = {}
    told: dict[int, tuple[str, str, str]] = {}
    new_reports: list[tuple[Report, str]] = []
    for row in rows:
        report = stored.get(row.number)
        if report is None:
            report = Report(number=row.number, source="import", version=1, updated_at=now, **row.values)
            db.add(report)
            new_reports.append((report, str(row.values["status"])))
            result.added += 1
            continue
        if report.source != "import":
            clash[row.index] = ("report_id", f"工单编号 {row.number} 已被系统中一张非导入的工单"
                                             f"（{report.source}）使用，未导入 / the number belongs to a report "
                                             "filed in the system",
                                "核对工单编号；不要把本系统导出的工单再导入 / check the number")
            continue
        changes = {k: v for k, v in row.values.items() if not _same(getattr(report, k), v)}
        if not changes:
            result.unchanged += 1
            continue
        new_status = str(row.values["status"])
        moved_live = latest.get(report.id, IMPORT_ACTION) != IMPORT_ACTION
        older = _is_older(rules, report, row.values)
        if moved_live or older:
            result.kept += 1
            why = (f"系统中已由他人处理（现在是“{rules.label(report.status)}”），未用导出文件中的“"
                   f"{rules.label(new_status)}”覆盖 / moved on in the system since the last import: not overwritten"
                   if moved_live else
                   f"导出文件中的这一行比系统中的旧（导出为“{rules.label(new_status)}”，系统中为“"
                   f"{rules.label(report.status)}”{'，已有满意度' if report.rating is not None else ''}），未覆盖 / "
                   "the export is older than the store: not overwritten")
            told[row.index] = ("status", why, "无需处理；如确需更改，请在系统中操作 / nothing to do; change it "
                                              "in the system if needed")
            continue
        db.add(ReportEvent(report_id=report.id, at=now, actor=IMPORT_ACTOR, role=IMPORT_ROLE, action=IMPORT_ACTION,
                           from_status=report.status, to_status=new_status,
                           note=_change_note(file, report, changes, rules)))
        for key, value in changes.items():
            setattr(report, key, value)
        report.version = report.version + 1
        report.updated_at = now
        result.updated += 1
    db.flush()
    for report, status in new_reports:
        db.add(ReportEvent(report_id=report.id, at=now, actor=IMPORT_ACTOR, role=IMPORT_ROLE, action=IMPORT_ACTION,
                           from_status="", to_status=status, note=f"导入 {file}"))
    _add_each(quality, tf, clash, "error")
    _add_each(notices, tf, told, "notice")
    result.problems = quality.frame()
    result.notices = notices.frame()
    result.rejected = result.rows - result.added - result.updated - result.unchanged - result.kept
    record(db, "import", actor=actor, role=role, target=file, address=address,
           detail=json.dumps(result.counts, ensure_ascii=False))
    db.flush()
    return result


def problem_rows(result: ImportResult) -> pd.DataFrame:
    """Problems then notices, one frame in the pipeline's quality shape, values masked as the quality report's.

    The row number finds the cell; a description may hold names and phones, so it is not repeated here.
    """
    from pipelines.privacy import mask_quality

    both = pd.concat([result.problems, result.notices], ignore_index=True)
    return mask_quality(both[QUALITY_COLUMNS]) if len(both) else both


_HEADERS = {"severity": "级别", "table": "表", "file": "文件", "row": "行", "row_kind": "行的类型", "column": "列",
            "value": "值", "problem": "问题", "suggestion": "修改建议"}
_SEVERITY = {"error": "未导入", "warning": "已导入，有问题", "notice": "提示"}


def problems_xlsx(result: ImportResult) -> bytes:
    """The problem rows (and notices) as an xlsx for whoever fixes the export: every cell text, never a formula."""
    from pipelines.office_files import export_xlsx

    rows = problem_rows(result).drop(columns=["row_kind"])
    rows["severity"] = rows["severity"].map(lambda s: _SEVERITY.get(s, s))
    return export_xlsx(rows.rename(columns=_HEADERS), title=f"导入问题·{Path(result.file).stem}"[:31])


def import_upload(name: str, content: bytes, artifact: Path, *, actor: str, role: str = "", address: str = "",
                  url: str | None = None) -> ImportResult:
    """Import an uploaded file (its name and bytes) into the store at ``url``, placed on ``artifact``'s map.

    For the dashboard's import page: the bytes are written to a private temporary folder under their own
    file name (the problem rows name it), imported in one transaction, and the folder is removed.
    """
    from operations.places import load_places
    from operations.store import db

    safe = Path(name).name.strip() or "upload.xlsx"
    places = load_places(artifact) if artifact.is_file() else None
    with tempfile.TemporaryDirectory(prefix="import-") as folder:
        path = Path(folder) / safe
        path.write_bytes(content)
        with db(url) as session:
            return import_reports(session, path, places, actor=actor, role=role, address=address)
