"""Row-level checks of a table as read: collected, never raised one by one.

Every problem becomes one row of the quality report (severity, table, file,
row and what kind of row it is, column, value, problem, suggestion).  A bad
required field rejects the row; a bad optional field is reported as a
warning: a text is kept as written, a date, number or yes/no that cannot be
read is cleared.  Problem and suggestion texts are "中文 / English" (the
dashboard shows one side).  Everything is vectorised per column, or per
distinct value where Python must look at a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.idcard import id_problems
from pipelines.readers import TableFile

__all__ = ["Quality", "QUALITY_COLUMNS", "check_reference", "check_unique", "normalise_phone", "parse_bool",
           "parse_dates", "parse_dates_detail", "validate_table"]

QUALITY_COLUMNS = ["severity", "table", "file", "row", "row_kind", "column", "value", "problem", "suggestion"]
_TRUE = {"是", "y", "yes", "1", "√", "✓", "true", "有"}
_FALSE = {"否", "n", "no", "0", "", "false", "无", "×"}
_MOBILE = r"^1[3-9]\d{9}$"
_LANDLINE = r"^(0\d{2,3}-)?[1-9]\d{6,7}(-\d{1,5})?$"


@dataclass
class Quality:
    """Collects problem rows for the quality layer."""

    rows: list[pd.DataFrame] = field(default_factory=list)

    def add(self, tf: TableFile, mask: pd.Series, column: str, problem: str | pd.Series, *,
            suggestion: str | pd.Series = "", severity: str = "warning") -> None:
        """Record ``problem`` for every row of ``tf`` where ``mask`` is true."""
        if not mask.any():
            return
        hit = tf.frame[mask]
        header = tf.table.column(column).header if column in tf.table.keys else column
        sugg = suggestion[mask] if isinstance(suggestion, pd.Series) else suggestion
        text = problem[mask] if isinstance(problem, pd.Series) else problem
        self.rows.append(pd.DataFrame({
            "severity": severity, "table": tf.table.name_zh, "file": tf.path.name, "row": hit["_row"],
            "row_kind": tf.row_kind, "column": header, "value": hit[column] if column in hit else "",
            "problem": text, "suggestion": sugg,
        }))

    def add_one(self, *, severity: str, table: str, file: str, row: int, row_kind: str, column: str, value: str,
                problem: str, suggestion: str) -> None:
        """Record one problem that is not tied to a data row (a header, a layer feature)."""
        self.rows.append(pd.DataFrame([{"severity": severity, "table": table, "file": file, "row": row,
                                        "row_kind": row_kind, "column": column, "value": value, "problem": problem,
                                        "suggestion": suggestion}]))

    def add_read_problems(self, tf: TableFile) -> None:
        """Header problems and cells whose control characters were removed on reading."""
        self.add_header_problems(tf)
        for key, mask in tf.controls.items():
            self.add(tf, pd.Series(mask, index=tf.frame.index), key,
                     "含不可见的控制字符（或文字方向控制符），已删除 / control characters removed",
                     suggestion="在 Excel 中重新输入该单元格 / retype the cell")

    def add_header_problems(self, tf: TableFile) -> None:
        """Unknown, doubled and missing optional columns of ``tf`` (one row each, at the header row)."""
        for p in tf.header_problems:
            if p.kind == "missing_required":
                continue  # fatal: the build stops and names it
            self.add_one(severity="warning", table=tf.table.name_zh, file=tf.path.name, row=tf.header_row,
                         row_kind=tf.row_kind, column=p.header, value="", problem=p.problem, suggestion=p.suggestion)

    def frame(self) -> pd.DataFrame:
        """All problems as one frame (empty with the right columns when none)."""
        if not self.rows:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else object) for c in QUALITY_COLUMNS})
        out = pd.concat(self.rows, ignore_index=True)
        out["row"] = out["row"].astype("int64")
        return out[QUALITY_COLUMNS].astype({c: str for c in QUALITY_COLUMNS if c != "row"})


_DATE_SEPARATORS = re.compile(r"[年月/.]")


def parse_dates_detail(values: pd.Series) -> pd.DataFrame:
    """Parse dates and say which could not be: ``date``, ``impossible`` (2月30日) and ``month_only`` (1957年11月).

    The forms of TABLES.md are read: 2024-03-05, 2024/3/5, 2024年3月5日, 20240305 and Excel
    serials; a year and month alone (出生年月: 1957.11, 1957年11月, 195711) is read as the 1st of
    that month.  Each distinct string is parsed once (820k birth dates have ~36k distinct values).
    """
    text = values.fillna("").astype(str)
    distinct = pd.Series(text.unique())
    parsed = _parse_distinct_dates(distinct)
    codes = pd.Index(distinct).get_indexer(text)
    return pd.DataFrame({"date": pd.to_datetime(parsed["date"].to_numpy()[codes]),
                         "impossible": parsed["impossible"].to_numpy()[codes],
                         "month_only": parsed["month_only"].to_numpy()[codes]}, index=values.index)


def parse_dates(values: pd.Series) -> pd.Series:
    """Parsed dates (NaT where unreadable); see :func:`parse_dates_detail`."""
    return parse_dates_detail(values)["date"]


def _parse_distinct_dates(raw: pd.Series) -> pd.DataFrame:
    text = raw.str.strip()
    text = text.str.replace(_DATE_SEPARATORS, "-", regex=True).str.replace("日", "", regex=False)
    text = text.str.replace(r"\s+00:00:00$", "", regex=True).str.rstrip("-")
    out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    compact = out.isna() & text.str.fullmatch(r"\d{8}")
    out[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce")
    month = out.isna() & (text.str.fullmatch(r"\d{4}-\d{1,2}") | text.str.fullmatch(r"(19|20)\d{2}(0[1-9]|1[0-2])"))
    out[month] = pd.to_datetime(text[month].str.replace("-", "").str.replace(r"^(\d{4})(\d)$", r"\g<1>0\2",
                                                                             regex=True) + "01",
                                format="%Y%m%d", errors="coerce")
    ymd = text.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}") | text.str.fullmatch(r"(19|20)\d{6}")
    impossible = out.isna() & ymd
    serial = out.isna() & ~ymd & text.str.fullmatch(r"\d{4,5}(\.0+)?")
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")
    rest = out.isna() & (text != "") & ~impossible
    if rest.any():
        out[rest] = pd.to_datetime(text[rest], errors="coerce", format="mixed")
    return pd.DataFrame({"date": out, "impossible": impossible.to_numpy(), "month_only": (month & out.notna())
                         .to_numpy()})


def parse_bool(values: pd.Series) -> pd.Series:
    """是/否, Y/N, 1/0, √/empty → True/False; anything else → NA."""
    low = values.fillna("").astype(str).str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    return out


_PHONE_NOISE = re.compile(r"[\s\-－—–()（）.·]")
_PHONE_SPLIT = re.compile(r"[/,，、;；]")
_PHONE_EXTENSION = re.compile(r"^(.*?)(?:转|ext\.?|x)(\d{1,5})$", re.IGNORECASE)


def _one_phone(text: str) -> str | None:
    digits = _PHONE_NOISE.sub("", text)
    extension = ""
    found = _PHONE_EXTENSION.match(digits)
    if found:
        digits, extension = found.group(1), "-" + found.group(2)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return digits
    if digits.startswith("0"):
        area = 3 if digits[1] in "12" else 4  # 010 and 02x have three digits, the rest (0538) four
        local = digits[area:]
        return f"{digits[:area]}-{local}{extension}" if 7 <= len(local) <= 8 and local[0] != "0" else None
    if 7 <= len(digits) <= 8:
        return digits + extension
    return None


def normalise_phone(text: str) -> str | None:
    """A phone number as the office means it, or None when it is not one.

    ``+86 138 0538 7777`` → ``13805387777``, ``(0538)822-1234`` → ``0538-8221234``;
    several numbers are joined by 、.
    """
    parts = [p for p in _PHONE_SPLIT.split(text) if p.strip()]
    numbers = [_one_phone(p) for p in parts]
    if not numbers or any(n is None for n in numbers):
        return None
    return "、".join(n for n in numbers if n)


def _matches(values: pd.Series, pattern: str) -> pd.Series:
    """``values.str.contains(pattern)`` in pyarrow's C++ kernels (pandas' is per value: seconds at 820 k rows)."""
    array = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True).fill_null("")
    hit = pc.match_substring_regex(array, pattern).to_numpy(zero_copy_only=False)
    return pd.Series(np.asarray(hit, dtype=bool), index=values.index)


def _allowed_hint(allowed: tuple[str, ...]) -> str:
    return "允许值：" + "、".join(allowed) + " / allowed: " + ", ".join(allowed)


def validate_table(tf: TableFile, quality: Quality, *, reference: date) -> pd.Series:
    """Check every column of ``tf``; return a boolean mask of rows to keep.

    Typed columns are converted in place (dates to Timestamps, yes/no to
    booleans, numbers to floats, phones normalised); an optional date, number
    or yes/no that cannot be read is cleared, an optional text outside its
    allowed values is kept as written.  Both are reported.
    """
    frame = tf.frame
    keep = pd.Series(True, index=frame.index)
    absent_columns = {p.header for p in tf.header_problems if p.kind.startswith("missing")}
    for col in tf.table.columns:
        if col.header in absent_columns:
            continue  # the column is not in the file: reported once for the header, not once per row
        values = frame[col.key]
        present = values != ""
        # a resident's birth date can be recovered from a valid ID number, or the person kept with no age:
        # dropping them would take a member from their household, and could change its colour
        recoverable = tf.table.key == "residents" and col.key == "birth_date"
        severity = "error" if col.required and not recoverable else "warning"
        if col.required and not recoverable:
            missing = ~present
            quality.add(tf, missing, col.key, f"必填项为空 / required field {col.header} ({col.label_en}) is empty",
                        suggestion="请补填 / fill it in", severity="error")
            keep &= ~missing
        if col.type == "enum" and col.allowed:
            bad = _check_enum(tf, quality, col.key, severity)
        elif col.type in ("date", "datetime"):
            bad = _check_dates(tf, quality, col.key, severity, reference)
            if recoverable:
                _birth_from_id(tf, quality, bad | ~present)
                bad = pd.Series(False, index=frame.index)
        elif col.type == "bool":
            parsed = parse_bool(values)
            bad = parsed.isna()
            quality.add(tf, bad, col.key, "是/否 无法识别 / not a yes/no value", suggestion="填 是 或 否 / 是 or 否",
                        severity=severity)
            frame[col.key] = parsed
        elif col.type in ("int", "float"):
            parsed = pd.to_numeric(values.where(present), errors="coerce")
            bad = present & parsed.isna()
            quality.add(tf, bad, col.key, "不是数字 / not a number", suggestion="只填数字 / digits only",
                        severity=severity)
            frame[col.key] = parsed
        elif col.type == "phone":
            bad = _check_phones(tf, quality, col.key, severity)
        else:
            bad = pd.Series(False, index=frame.index)
        if col.required:
            keep &= ~bad
    if "id_number" in tf.table.keys and "身份证号" not in absent_columns:
        _check_ids(tf, quality)
    return keep


def _birth_from_id(tf: TableFile, quality: Quality, unusable: pd.Series) -> None:
    """Residents whose 出生日期 is empty or unusable: the date from a valid ID number, else unknown (age unknown)."""
    if not unusable.any():
        return
    frame = tf.frame
    ids = frame["id_number"].fillna("").str.upper() if "id_number" in frame else pd.Series("", index=frame.index)
    shaped = unusable & ids.str.fullmatch(r"\d{17}[\dX]") & (id_problems(
        ids.where(unusable, ""), pd.Series(pd.NaT, index=frame.index), pd.Series(None, index=frame.index)) == "")
    from_id = pd.to_datetime(ids.where(shaped).str[6:14], format="%Y%m%d", errors="coerce")
    taken = shaped & from_id.notna()
    frame.loc[taken, "birth_date"] = from_id[taken]
    quality.add(tf, taken, "birth_date", "出生日期已按身份证号补上 / birth date taken from the ID number",
                suggestion="核对出生日期 / check the birth date", severity="warning")
    quality.add(tf, unusable & ~taken, "birth_date", "没有可用的出生日期，年龄未知（该居民仍计入其户） / no usable "
                "birth date: age unknown (the resident is kept in the household)",
                suggestion="补填出生日期 / fill in the birth date", severity="warning")


_ID_AS_NUMBER = ("身份证号被 Excel 存成了数字，后几位已丢失 / the ID number was stored as a number: its last digits "
                 "are lost")
_ID_AS_NUMBER_FIX = ("把该列设为“文本”格式，再从原始记录重新录入（改回文本找不回丢失的数字） / format the column as "
                     "text and enter the numbers again from the records")


def _check_ids(tf: TableFile, quality: Quality) -> None:
    """GB 11643 checks; an ID that Excel turned into a number (3.70102E+17, …000) is said to be one."""
    frame = tf.frame
    ids = frame["id_number"].fillna("")
    problems = id_problems(ids, frame["birth_date"], frame["sex"].where(frame["sex"] != ""))
    as_number = _matches(ids, r"^\d(?:\.\d+)?[eE]\+?\d{1,2}$") | (
        _matches(ids, r"^\d{15}000$") & (problems != ""))
    quality.add(tf, as_number, "id_number", _ID_AS_NUMBER, suggestion=_ID_AS_NUMBER_FIX)
    problems = problems.where(~as_number, "")
    for text in problems[problems != ""].unique():
        quality.add(tf, problems == text, "id_number", text, suggestion="核对身份证号 / check the ID number")


def _check_enum(tf: TableFile, quality: Quality, key: str, severity: str) -> pd.Series:
    """Map synonyms (男性 → 男) onto allowed values; report the rest (kept as written unless required)."""
    col = tf.table.column(key)
    values = tf.frame[key]
    if col.synonyms:
        written = values.isin([w for w, _ in col.synonyms])
        if written.any():  # only the few rows written as a synonym are touched (820 k 性别 cells at x100)
            values = values.copy()
            values[written] = values[written].map(dict(col.synonyms))
            tf.frame[key] = values
    bad = (values != "") & ~values.isin(col.allowed)
    problem = ("值不在允许范围，已拒绝 / value not allowed: row rejected" if col.required else
               "值不在允许范围，已按原样保留 / value not allowed: kept as written")
    quality.add(tf, bad, key, problem, suggestion=_allowed_hint(col.allowed), severity=severity)
    return bad


def _check_dates(tf: TableFile, quality: Quality, key: str, severity: str, reference: date) -> pd.Series:
    """Parse a date column in place; report unreadable, impossible, future and pre-1900 dates."""
    col = tf.table.column(key)
    values = tf.frame[key]
    present = values != ""
    if col.type == "date":
        detail = parse_dates_detail(values)
        parsed, impossible = detail["date"], detail["impossible"] & present
        if detail["month_only"].any():
            parsed = _month_only(tf, quality, key, detail)
    else:
        parsed = pd.to_datetime(values.str.replace("/", "-"), errors="coerce", format="mixed")
        impossible = pd.Series(False, index=values.index)
    quality.add(tf, impossible, key, "日期不存在（如2月30日） / impossible date (no such day)",
                suggestion="核对月和日 / check month and day", severity=severity)
    unreadable = present & parsed.isna() & ~impossible
    quality.add(tf, unreadable, key, "日期无法识别 / unreadable date", suggestion="写成 2024-03-05 / write 2024-03-05",
                severity=severity)
    ref = pd.Timestamp(reference)
    future = (parsed > ref + pd.Timedelta(days=1)) & (not col.future_ok)
    quality.add(tf, future, key, f"日期晚于数据基准日 {reference} / date after the reference date {reference}",
                suggestion="核对年份 / check the year", severity=severity)
    ancient = parsed < pd.Timestamp("1900-01-01")
    quality.add(tf, ancient, key, "日期早于1900年 / date before 1900", suggestion="核对年份 / check the year",
                severity=severity)
    bad = unreadable | impossible | future | ancient
    tf.frame[key] = parsed.where(~bad)
    return bad


def _month_only(tf: TableFile, quality: Quality, key: str, detail: pd.DataFrame) -> pd.Series:
    """A year and month alone (出生年月): the day from the ID number when it agrees, else the 1st."""
    parsed = detail["date"].copy()
    month_only = detail["month_only"]
    from_id = pd.Series(False, index=parsed.index)
    if "id_number" in tf.frame:
        ids = tf.frame["id_number"].str.upper()
        shaped = ids.str.fullmatch(r"\d{17}[\dX]") & month_only
        same_month = shaped & (ids.str[6:12] == parsed.dt.strftime("%Y%m"))
        parsed[same_month] = pd.to_datetime(ids[same_month].str[6:14], format="%Y%m%d", errors="coerce")
        from_id = same_month & parsed.notna()
    quality.add(tf, month_only & from_id, key, "只有年月，日已按身份证号补全 / year and month only: day taken "
                "from the ID number", suggestion="可写完整日期 / write the full date", severity="warning")
    quality.add(tf, month_only & ~from_id, key, "只有年月，按当月1日计算年龄 / year and month only: taken as the 1st",
                suggestion="写完整日期，年龄才准确 / write the full date", severity="warning")
    return parsed


def _check_phones(tf: TableFile, quality: Quality, key: str, severity: str) -> pd.Series:
    """Normalise phones (+86, spaces, dashes, brackets); report what is not a phone (kept as written)."""
    values = tf.frame[key]
    present = values != ""
    plain = _matches(values, _MOBILE) | _matches(values, _LANDLINE)
    odd = present & ~plain  # only these need Python: most numbers are already plain
    normalised = values[odd].map(normalise_phone) if odd.any() else pd.Series(dtype=object)
    fixed = normalised.dropna()
    tf.frame.loc[fixed.index, key] = fixed
    bad = pd.Series(False, index=values.index)
    bad[normalised.index[normalised.isna()]] = True
    quality.add(tf, bad, key, "电话号码格式不对，已按原样保留 / not a phone number: kept as written",
                suggestion="手机11位，座机如 0538-8221234 / mobile: 11 digits; landline: 0538-8221234",
                severity="warning")
    return bad & (severity == "error")


def check_unique(tf: TableFile, quality: Quality, key: str, keep: pd.Series) -> pd.Series:
    """Reject later rows whose ``key`` repeats an earlier one (never silently overwritten)."""
    values = tf.frame[key]
    dup = keep & values.duplicated(keep="first") & (values != "")
    first_row = tf.frame.loc[keep, [key, "_row"]].drop_duplicates(key).set_index(key)["_row"]
    hint = pd.Series("", index=values.index, dtype=object)  # only duplicates need a hint
    hint[dup] = [f"与第{r}行重复，请合并或改号 / repeats row {r}: merge or renumber"
                 for r in values[dup].map(first_row)]
    header = tf.table.column(key).header
    quality.add(tf, dup, key, f"{header}重复 / duplicate {tf.table.column(key).label_en}", suggestion=hint,
                severity="error")
    return keep & ~dup


def check_reference(tf: TableFile, quality: Quality, key: str, known: pd.Index, keep: pd.Series, target: TableFile,
                    *, what: str = "") -> pd.Series:
    """Reject rows whose ``key`` is not among the ``known`` (kept) ids of the ``target`` table.

    A row pointing at a row of ``target`` that exists but was rejected is told so, with that
    row's number ("所在户（房屋住户表第22行）被拒绝"): fixing that row fixes this one too.
    """
    values = tf.frame[key]
    missing = keep & ~values.isin(known)
    name = target.table.name_zh
    if not missing.any():
        return keep
    # the rows of the target these point at (only the missing keys: a district has 820 k residents)
    wanted = target.frame.loc[target.frame[key].isin(values[missing]), [key, "_row"]] \
        if key in target.frame else pd.DataFrame(columns=[key, "_row"])
    rows_of = wanted.drop_duplicates(key).set_index(key)["_row"]
    rejected = missing & values.isin(rows_of.index)
    if rejected.any():
        rows = values[rejected].map(rows_of)
        problem = pd.Series("", index=values.index, dtype=object)
        hint = pd.Series("", index=values.index, dtype=object)
        label = what or ("所在户" if key == "household_id" else "该居民")
        problem[rejected] = [f"{label}（{name}第{r}行）被拒绝 / its {key.split('_')[0]} ({name} row {r}) was rejected"
                             for r in rows]
        hint[rejected] = [f"先修正{name}第{r}行的问题 / fix {name} row {r} first" for r in rows]
        quality.add(tf, rejected, key, problem, suggestion=hint, severity="error")
    absent = missing & ~rejected
    quality.add(tf, absent, key, f"在{name}中不存在 / not found in {name}",
                suggestion=f"核对{tf.table.column(key).header} / check {tf.table.column(key).label_en}",
                severity="error")
    return keep & ~missing
