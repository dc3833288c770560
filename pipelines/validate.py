"""Row-level checks of a table as read: collected, never raised one by one.

Every problem becomes one row of the quality report (table, file, Excel row,
column, value, problem, suggestion, severity).  A bad required field rejects
the row; a bad optional field is reported as a warning, the value is
cleared and the row is kept.  Everything is vectorised per column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipelines.idcard import id_problems
from pipelines.readers import TableFile

__all__ = ["Quality", "QUALITY_COLUMNS", "validate_table", "parse_dates", "parse_bool"]

QUALITY_COLUMNS = ["severity", "table", "file", "row", "column", "value", "problem", "suggestion"]
_TRUE = {"是", "y", "yes", "1", "√", "✓", "true", "有"}
_FALSE = {"否", "n", "no", "0", "", "false", "无", "×"}
_MOBILE = r"^1[3-9]\d{9}$"
_LANDLINE = r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,4})?$"


@dataclass
class Quality:
    """Collects problem rows for the quality layer."""

    rows: list[pd.DataFrame] = field(default_factory=list)

    def add(self, tf: TableFile, mask: pd.Series, column: str, problem: str, *,
            suggestion: str | pd.Series = "", severity: str = "warning") -> None:
        """Record ``problem`` for every row of ``tf`` where ``mask`` is true."""
        if not mask.any():
            return
        hit = tf.frame[mask]
        header = tf.table.column(column).header if column in tf.table.keys else column
        sugg = suggestion[mask] if isinstance(suggestion, pd.Series) else suggestion
        self.rows.append(pd.DataFrame({
            "severity": severity, "table": tf.table.name_zh, "file": tf.path.name, "row": hit["_row"],
            "column": header, "value": hit[column] if column in hit else "", "problem": problem,
            "suggestion": sugg,
        }))

    def frame(self) -> pd.DataFrame:
        """All problems as one frame (empty with the right columns when none)."""
        if not self.rows:
            return pd.DataFrame(columns=QUALITY_COLUMNS)
        out = pd.concat(self.rows, ignore_index=True)
        out["row"] = out["row"].astype("int64")
        return out[QUALITY_COLUMNS].astype({c: str for c in QUALITY_COLUMNS if c != "row"})


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse the date forms of TABLES.md: 2024-03-05, 2024/3/5, 2024年3月5日, 20240305, Excel serials.

    Each distinct string is parsed once (820k birth dates have ~36k distinct values).
    """
    text = values.fillna("").astype(str)
    distinct = pd.Series(text.unique())
    parsed = _parse_distinct_dates(distinct)
    return pd.Series(pd.to_datetime(text.map(dict(zip(distinct, parsed, strict=True)))).to_numpy(),
                     index=values.index)


def _parse_distinct_dates(text: pd.Series) -> pd.Series:
    text = text.str.strip()
    text = text.str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False)
    text = text.str.replace(r"\s+00:00:00$", "", regex=True)
    out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    compact = out.isna() & text.str.fullmatch(r"\d{8}")
    out[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce")
    serial = out.isna() & text.str.fullmatch(r"\d{4,5}(\.0+)?")
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")
    rest = out.isna() & (text != "")
    if rest.any():
        out[rest] = pd.to_datetime(text[rest], errors="coerce", format="mixed")
    return out


def parse_bool(values: pd.Series) -> pd.Series:
    """是/否, Y/N, 1/0, √/empty → True/False; anything else → NA."""
    low = values.fillna("").astype(str).str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    return out


def _allowed_hint(allowed: tuple[str, ...]) -> str:
    return "允许值 / allowed: " + "、".join(allowed)


def validate_table(tf: TableFile, quality: Quality, *, reference: date) -> pd.Series:
    """Check every column of ``tf``; return a boolean mask of rows to keep.

    Typed columns are converted in place (dates to Timestamps, yes/no to
    booleans, numbers to floats); bad optional values are cleared.
    """
    frame = tf.frame
    keep = pd.Series(True, index=frame.index)
    ref = pd.Timestamp(reference)
    for col in tf.table.columns:
        values = frame[col.key]
        present = values != ""
        severity = "error" if col.required else "warning"
        bad = pd.Series(False, index=frame.index)
        if col.required:
            missing = ~present
            quality.add(tf, missing, col.key, f"必填项为空 / required field {col.header} is empty",
                        suggestion="请补填", severity="error")
            keep &= ~missing
        if col.type == "enum" and col.allowed:
            bad = present & ~values.isin(col.allowed)
            quality.add(tf, bad, col.key, "值不在允许范围 / value not allowed",
                        suggestion=_allowed_hint(col.allowed), severity=severity)
        elif col.type in ("date", "datetime"):
            parsed = parse_dates(values) if col.type == "date" else pd.to_datetime(
                values.str.replace("/", "-"), errors="coerce", format="mixed")
            unreadable = present & parsed.isna()
            quality.add(tf, unreadable, col.key, "日期无法识别 / unreadable date",
                        suggestion="写成 2024-03-05", severity=severity)
            future = (parsed > ref + pd.Timedelta(days=1)) & (not col.future_ok)
            quality.add(tf, future, col.key, f"日期晚于数据基准日 {reference} / date in the future",
                        suggestion="核对年份", severity=severity)
            ancient = parsed < pd.Timestamp("1900-01-01")
            quality.add(tf, ancient, col.key, "日期早于1900年 / date before 1900", suggestion="核对年份",
                        severity=severity)
            bad = unreadable | future | ancient
            frame[col.key] = parsed.where(~bad)
        elif col.type == "bool":
            parsed = parse_bool(values)
            bad = parsed.isna()
            quality.add(tf, bad, col.key, "是/否 无法识别 / not a yes/no value", suggestion="填 是 或 否",
                        severity=severity)
            frame[col.key] = parsed
        elif col.type in ("int", "float"):
            parsed = pd.to_numeric(values.where(present), errors="coerce")
            bad = present & parsed.isna()
            quality.add(tf, bad, col.key, "不是数字 / not a number", severity=severity)
            frame[col.key] = parsed
        if col.required:
            keep &= ~bad
        elif col.type not in ("date", "datetime", "bool", "int", "float") and bad.any():
            frame.loc[bad, col.key] = ""
    if "phone" in tf.table.keys:
        phones = frame["phone"]
        bad = (phones != "") & ~phones.str.match(_MOBILE) & ~phones.str.match(_LANDLINE)
        quality.add(tf, bad, "phone", "电话号码格式不对 / phone format", suggestion="手机11位，座机如 0538-1234567")
    if "id_number" in tf.table.keys:
        problems = id_problems(frame["id_number"], frame["birth_date"],
                               frame["sex"].where(frame["sex"] != ""))
        for text in problems[problems != ""].unique():
            quality.add(tf, problems == text, "id_number", text, suggestion="核对身份证号")
    return keep


def check_unique(tf: TableFile, quality: Quality, key: str, keep: pd.Series) -> pd.Series:
    """Reject later rows whose ``key`` repeats an earlier one (never silently overwritten)."""
    values = tf.frame[key]
    dup = keep & values.duplicated(keep="first") & (values != "")
    first_row = tf.frame.loc[keep, [key, "_row"]].drop_duplicates(key).set_index(key)["_row"]
    hint = pd.Series("", index=values.index, dtype=object)  # only duplicates need a hint
    hint[dup] = [f"与第{r}行重复，请合并或改号" for r in values[dup].map(first_row)]
    quality.add(tf, dup, key, f"{tf.table.column(key).header}重复 / duplicate key", suggestion=hint,
                severity="error")
    return keep & ~dup


def check_reference(tf: TableFile, quality: Quality, key: str, known: pd.Index, keep: pd.Series,
                    target: str) -> pd.Series:
    """Reject rows whose ``key`` is not among ``known`` ids of the ``target`` table."""
    missing = keep & ~tf.frame[key].isin(known)
    quality.add(tf, missing, key, f"在{target}中不存在 / not found in {target}",
                suggestion=f"核对{tf.table.column(key).header}", severity="error")
    return keep & ~missing
