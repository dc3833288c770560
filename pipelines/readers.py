"""Read a community office's table files: xlsx/xls/csv, any common encoding, title rows.

Everything is read as text (an 18-digit ID number read as a number is
corrupted), NFKC-normalised (full-width digits and spaces become ASCII) and
the header row is found by looking for the row that matches most of the
table's known headers, so merged title rows above it are skipped.  Headers
may be Chinese or English; unknown columns are kept and noted.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.schema import Table, header_key

__all__ = ["CONTROL_CHARS", "HeaderProblem", "Limits", "ReadError", "TableFile", "closest_header", "find_table_file",
           "find_table_files", "read_table", "strip_controls",
           "normalise_text"]

TABLE_SUFFIXES = (".xlsx", ".xls", ".csv")
_ENCODINGS = ("utf-8-sig", "gb18030")


class ReadError(ValueError):
    """A table file that cannot be read at all (a fatal problem for the build)."""


RowKind = Literal["excel", "csv", "feature"]


@dataclass(frozen=True)
class HeaderProblem:
    """A problem with a file's header row: an unknown, doubled or missing column."""

    kind: Literal["unknown", "duplicate", "missing_optional", "missing_required"]
    header: str         # the header as written (or the expected header, for a missing column)
    problem: str        # "中文 / English"
    suggestion: str     # "中文 / English"


@dataclass
class TableFile:
    """One table as read: English-keyed text columns plus where each row came from.

    ``frame["_row"]`` is the Excel row (or CSV line) of each data row, as the
    office sees it in its spreadsheet program; ``row_kind`` says which.
    """

    table: Table
    path: Path
    frame: pd.DataFrame
    first_row: int                      # Excel row number of the first data row
    extra_columns: list[str] = field(default_factory=list)
    row_kind: RowKind = "excel"
    header_row: int = 1                 # Excel row / CSV line of the header
    header_problems: list[HeaderProblem] = field(default_factory=list)
    controls: dict[str, np.ndarray] = field(default_factory=dict)  # cells that had control characters removed

    @property
    def missing_required(self) -> list[HeaderProblem]:
        """Required columns the file does not have (fatal for the build)."""
        return [p for p in self.header_problems if p.kind == "missing_required"]


#: Characters removed from every cell: C0 controls but tab/newline/CR (NUL truncates a GeoPackage text,
#: others break the Excel export), DEL, and the bidi controls that reverse text on screen (U+202E …).
CONTROL_CHARS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
_CONTROL_RE = re.compile(CONTROL_CHARS)


def strip_controls(text: str) -> str:
    """``text`` without control and bidi-override characters (see :data:`CONTROL_CHARS`)."""
    return _CONTROL_RE.sub("", text)


def normalise_text(value: object) -> str:
    """NFKC-normalise and strip one cell, control characters removed; empty for None/NaN."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = strip_controls(unicodedata.normalize("NFKC", str(value))).strip()
    return "" if text.lower() in ("nan", "none", "nat") else text


# characters NFKC changes in office tables: full-width forms, ideographic space, NBSP,
# circled numbers, CJK compatibility ideographs; other strings are left alone (fast path)
_NEEDS_NFKC = "[\u00a0\u2460-\u24ff\u3000\uf900-\ufaff\uff00-\uffef]"
_EMPTY_SET = pa.array(["nan", "none", "nat", "NaN", "None", "NaT"])


def normalise_column(values: pd.Series) -> pd.Series:
    """Vectorised ``normalise_text`` for a whole column."""
    return normalise_column_detail(values)[0]


def normalise_column_detail(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Vectorised ``normalise_text``, and which cells had control characters removed (to report them)."""
    # pyarrow's string kernels run in C++: 10x faster than pandas' per-value .str at 820k rows
    if isinstance(values.dtype, pd.ArrowDtype):
        arr = pa.chunked_array(values.array._pa_array).cast(pa.string()).fill_null("")
    else:
        arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True).fill_null("")
    arr = pc.utf8_trim_whitespace(arr)
    # Excel date cells come back as "2024-03-05 00:00:00": the midnight adds nothing
    arr = pc.replace_substring_regex(arr, pattern=r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", replacement=r"\1")
    arr = pc.if_else(pc.is_in(arr, value_set=_EMPTY_SET), "", arr)
    # one Python string per distinct value, shared by every row that has it: 男/女, 户主, dates and
    # compound names repeat thousands of times, so this saves most of the memory and the time
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
    # control characters and NFKC, looked for among the distinct values only (not 820 k cells)
    controls = np.asarray(pc.match_substring_regex(encoded.dictionary, CONTROL_CHARS)
                          .to_numpy(zero_copy_only=False), dtype=bool)
    odd = np.asarray(pc.match_substring_regex(encoded.dictionary, _NEEDS_NFKC).to_numpy(zero_copy_only=False),
                     dtype=bool) | controls
    if odd.any():
        distinct[odd] = [normalise_text(v) for v in distinct[odd]]
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return pd.Series(distinct[codes], index=values.index, dtype=object), controls[codes]


def find_table_files(folder: Path, table: Table) -> list[Path]:
    """Every file in ``folder`` that holds ``table``, by English key or Chinese name (any case of suffix).

    More than one is an error for the build: it cannot know which is current.
    """
    stems = {table.key.lower(), table.name_zh}
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES
                  and (p.stem in stems or p.stem.lower() in stems) and not p.name.startswith(("~$", ".")))


def find_table_file(folder: Path, table: Table) -> Path | None:
    """The (first) file for ``table`` in ``folder``, or None."""
    found = find_table_files(folder, table)
    return found[0] if found else None


_RESAVE = "请用 Excel 或 WPS 打开后另存为 .xlsx（或 CSV UTF-8）再放入 / re-save it from Excel or WPS as .xlsx"
_MOJIBAKE_SHARE = 0.3  # share of non-ASCII characters outside GB2312 above which GB18030 decoding is taken as wrong


def _looks_garbled(text: str) -> bool:
    """True when GB18030-decoded text is most likely another encoding (Shift-JIS, Big5 …).

    Real Chinese office text is almost all GB2312 characters (rare name characters are a few per
    cent); another encoding read as GB18030 gives mostly rare characters and private-use code points.
    """
    counts = Counter(c for c in text[:200_000] if ord(c) > 127)
    total = sum(counts.values())
    if total < 10:
        return False
    outside = 0
    for char, n in counts.items():
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            outside += n
    return outside / total > _MOJIBAKE_SHARE


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16, tab-separated
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and not _looks_garbled(text):
        return text
    msg = (f"{path.name}: 文件编码无法识别：不是 UTF-8 或 GBK/GB18030（可能是 Shift-JIS、Big5 等），读出来会是乱码。"
           f"{_RESAVE} / cannot decode: not UTF-8 or GBK/GB18030")
    raise ReadError(msg)


def _sniff_format(raw: bytes, path: Path) -> None:
    """Refuse a file whose content is not what its extension says (HTML or text saved as .xls/.xlsx)."""
    suffix = path.suffix.lower()
    head = raw[:512].lstrip()
    if suffix == ".xlsx" and head.startswith(b"PK"):
        return
    if suffix == ".xls" and head.startswith((b"\xd0\xcf\x11\xe0", b"PK")):
        return
    if not head:
        kind = "空文件 / an empty file"
    elif head[:1] == b"<":
        kind = "网页（HTML/XML）/ a web page (HTML/XML)"
    elif head.startswith(b"%PDF"):
        kind = "PDF"
    else:
        kind = "文本 / text"
    msg = f"{path.name}: 扩展名是 {suffix}，内容却是{kind.split(' / ')[0]}，不是 Excel 文件。{_RESAVE} " \
          f"(the content is {kind.split(' / ')[-1]}, not an Excel workbook)"
    raise ReadError(msg)


@dataclass(frozen=True)
class Limits:
    """What one table file may hold before the build refuses it (a zip bomb, a runaway export).

    Set with ``python -m pipelines build --max-file-mb N --max-rows N``.
    """

    max_megabytes: int = 1024   # uncompressed size of one file
    max_rows: int = 2_000_000   # data rows of one table (a district has 820 k residents)


_TITLE_ROWS = 10  # the header is looked for in the first ten rows


def _check_size(raw: bytes, path: Path, limits: Limits) -> None:
    """Refuse a file whose (uncompressed) content exceeds the limit, before anything is expanded."""
    size = len(raw)
    if path.suffix.lower() == ".xlsx" and raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                size = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile as exc:
            msg = f"{path.name}: 文件已损坏（不是完整的 xlsx）。{_RESAVE} / damaged xlsx"
            raise ReadError(msg) from exc
    if size > limits.max_megabytes * 1024 * 1024:
        msg = (f"{path.name}: 文件解压后有 {size / 1024 / 1024:,.0f} MB，超过上限 {limits.max_megabytes:,} MB，未读取。"
               f"请检查文件是否异常；确需导入请用 --max-file-mb 调高上限 / the file expands to "
               f"{size / 1024 / 1024:,.0f} MB, over the limit")
        raise ReadError(msg)


def _check_rows(grid: pd.DataFrame, path: Path, limits: Limits) -> None:
    if len(grid) > limits.max_rows + _TITLE_ROWS:
        msg = (f"{path.name}: 超过 {limits.max_rows:,} 行，未读取。请检查文件；确需导入请用 --max-rows 调高上限 / "
               f"more than {limits.max_rows:,} rows")
        raise ReadError(msg)


def _header_hits(grid: pd.DataFrame, table: Table) -> int:
    """How many known headers the best of the first rows holds."""
    known = set(table.header_map())
    return max((sum(header_key(normalise_text(v)) in known for v in grid.iloc[i].tolist())
                for i in range(min(_TITLE_ROWS, len(grid)))), default=0)


def _data_sheet(raw: bytes, table: Table) -> str | int:
    """The sheet that holds the table: a workbook often opens on 填表说明 or a cover sheet."""
    sheets = pd.ExcelFile(io.BytesIO(raw), engine="calamine").sheet_names
    if len(sheets) <= 1:
        return 0
    hits = {name: _header_hits(pd.read_excel(io.BytesIO(raw), sheet_name=name, header=None, dtype=str,
                                             engine="calamine", nrows=_TITLE_ROWS), table) for name in sheets}
    best = max(sheets, key=lambda name: hits[name])
    return best if hits[best] > 0 else 0


def _raw_grid(path: Path, limits: Limits, table: Table) -> pd.DataFrame:
    """All cells of the sheet that holds ``table`` (or the CSV), as strings, no header."""
    suffix = path.suffix.lower()
    raw = path.read_bytes()
    if suffix != ".csv":
        _sniff_format(raw, path)
    _check_size(raw, path, limits)
    try:
        if suffix == ".csv":
            text = _decode(raw, path)
            delimiter = _delimiter(text)
            grid = _arrow_csv(text, delimiter)
            if grid is None:
                grid = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                                   skip_blank_lines=False, sep=delimiter)
        else:
            grid = pd.read_excel(io.BytesIO(raw), sheet_name=_data_sheet(raw, table), header=None, dtype=str,
                                 engine="calamine", nrows=limits.max_rows + _TITLE_ROWS + 1)
    except ReadError:
        raise
    except Exception as exc:  # a broken file: tell the user which one and why
        msg = f"{path.name}: 文件无法读取，可能已损坏。{_RESAVE} / unreadable file ({type(exc).__name__}: {exc})"
        raise ReadError(msg) from exc
    _check_rows(grid, path, limits)
    return grid


def _delimiter(text: str) -> str:
    """The CSV field separator: comma, or tab (Excel's Unicode text), or semicolon."""
    first = text[:2000].split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ","


def _arrow_csv(text: str, delimiter: str = ",") -> pd.DataFrame | None:
    """Read CSV text with pyarrow (all columns as strings), or None to fall back to pandas.

    pyarrow is several times faster on large files but needs every row to
    have the same number of fields; a CSV with a short title row falls back.
    """
    first = next(csv.reader(io.StringIO(text[:10_000]), delimiter=delimiter), None)
    if not first:
        return None
    types = {f"f{i}": pa.string() for i in range(len(first))}
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    frame = table.to_pandas(types_mapper=lambda _: pd.ArrowDtype(pa.string()))
    frame.columns = range(frame.shape[1])
    return frame


def _header_row(grid: pd.DataFrame, table: Table) -> int:
    known = set(table.header_map())
    best, best_hits = 0, -1
    for i in range(min(10, len(grid))):
        hits = sum(header_key(normalise_text(v)) in known for v in grid.iloc[i].tolist())
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits <= 0:
        msg = (f"找不到表头：前10行中没有 {', '.join(c.header for c in table.columns[:4])} 等列名。"
               f"请确认这是{table.name_zh}，且表头在前10行内 / no header row with the expected columns")
        raise ReadError(msg)
    return best


def closest_header(header: str, table: Table, *, cutoff: float = 0.5) -> str | None:
    """The known header (Chinese or alias, shown as the standard header) closest to ``header``."""
    choices = {h: c.header for c in table.columns for h in (c.header, *c.aliases)}
    found = difflib.get_close_matches(header, list(choices), n=1, cutoff=cutoff)
    return choices[found[0]] if found else None


def _map_headers(headers: list[str], table: Table) -> tuple[dict[int, str], list[HeaderProblem], list[str]]:
    """Column position → key, problems with the header row, and the unknown headers as written."""
    mapping = table.header_map()
    positions: dict[int, str] = {}
    taken: dict[str, str] = {}
    problems: list[HeaderProblem] = []
    unknown: list[str] = []
    for pos, header in enumerate(headers):
        key = mapping.get(header_key(header)) if header else None
        if key is None:
            if header:
                unknown.append(header)
            continue
        if key in taken:
            standard = table.column(key).header
            problems.append(HeaderProblem(
                "duplicate", header, f"列「{header}」与「{taken[key]}」都是{standard}，只读取了第一列 / "
                f"column {header} repeats {taken[key]}: only the first is read",
                "删除或改名多余的一列 / remove or rename the extra column"))
            continue
        taken[key] = header
        positions[pos] = key
    for header in unknown:
        closest = closest_header(header, table)
        hint = (f"最接近的标准列名：{closest}；如是同一列，请把表头改为「{closest}」 / closest known header: {closest}"
                if closest else "本表没有这一列，已保留在原文件中但不导入 / not a column of this table")
        problems.append(HeaderProblem("unknown", header, f"未识别的列「{header}」，未导入 / unknown column {header}, "
                                      "not imported", hint))
    for col in table.columns:
        if col.key in taken.keys():
            continue
        near = difflib.get_close_matches(col.header, unknown, n=1, cutoff=0.3) or \
            difflib.get_close_matches(col.label_en.lower(), [u.lower() for u in unknown], n=1, cutoff=0.6)
        if col.required:
            if near:
                hint = (f"表中「{near[0]}」最接近，如是同一列请把表头改为「{col.header}」 / the closest header in the "
                        f"file is {near[0]}: rename it to {col.header}")
            elif unknown:
                listed = "、".join(unknown[:8])
                hint = (f"表中未识别的列有：{listed}；如其中一列就是{col.header}，请把它的表头改为「{col.header}」，"
                        f"否则请添加这一列 / unknown headers in the file: {listed}; rename the one that is "
                        f"{col.header}")
            else:
                hint = f"请添加「{col.header}」列 / add the column {col.header}"
            problems.append(HeaderProblem("missing_required", col.header,
                                          f"缺少必填列「{col.header}」 / required column {col.header} missing", hint))
        else:
            problems.append(HeaderProblem(
                "missing_optional", col.header, f"没有「{col.header}」列，相关检查已跳过 / optional column "
                f"{col.header} ({col.label_en}) missing: its checks are skipped",
                (f"如「{near[0]}」就是这一列，请把表头改为「{col.header}」 / if {near[0]} is this column, rename it"
                 if near else "如有这项数据，请添加此列 / add it if you keep this data")))
    return positions, problems, unknown


def _sheet_names(path: Path) -> list[str]:
    if path.suffix.lower() == ".csv":
        return []
    try:
        return [str(n) for n in pd.ExcelFile(path, engine="calamine").sheet_names]
    except Exception:  # already read once: a name list is only a hint in the message
        return []


def read_table(path: Path, table: Table, *, limits: Limits | None = None) -> TableFile:
    """Read ``path`` as ``table``: find the header, map headers to keys, normalise cells.

    Headers are matched by :meth:`Table.header_map` (standard header, aliases, English key);
    unknown, doubled and missing columns are listed in ``header_problems`` (a missing
    required column is fatal for the build, which reports every file's problems at once).

    Raises
    ------
    ReadError
        When the file cannot be opened or decoded, exceeds ``limits`` or has no recognisable header.
    """
    grid = _raw_grid(path, limits or Limits(), table)
    try:
        header_at = _header_row(grid, table)
    except ReadError as exc:
        sheets = _sheet_names(path)
        where = f"（工作表：{'、'.join(sheets)}）" if len(sheets) > 1 else ""
        raise ReadError(f"{path.name}{where}: {exc}") from None
    headers = [normalise_text(v) for v in grid.iloc[header_at].tolist()]
    body = grid.iloc[header_at + 1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    positions, problems, extra = _map_headers(headers, table)
    frame = pd.DataFrame(index=body.index)
    controls: dict[str, np.ndarray] = {}
    for pos, key in positions.items():
        frame[key], had = normalise_column_detail(body[pos])
        if had.any():
            controls[key] = had
    for key in table.keys:
        if key not in frame:
            frame[key] = ""
    frame = frame[table.keys]
    blank = (frame == "").all(axis=1)
    first_row = header_at + 2
    keep = ~blank
    result = frame[keep].copy()
    result.index = pd.RangeIndex(len(result))
    rows = pd.Series(range(first_row, first_row + len(frame)))[keep.to_numpy()].to_numpy()
    kind: RowKind = "csv" if path.suffix.lower() == ".csv" else "excel"
    tf = TableFile(table, path, result, first_row, extra, row_kind=kind, header_row=header_at + 1,
                   header_problems=problems, controls={k: m[keep.to_numpy()] for k, m in controls.items()})
    tf.frame["_row"] = rows
    return tf
