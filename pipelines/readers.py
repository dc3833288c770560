"""Read a community office's table files: xlsx/xls/csv, any common encoding, title rows.

Everything is read as text (an 18-digit ID number read as a number is
corrupted), NFKC-normalised (full-width digits and spaces become ASCII) and
the header row is found by looking for the row that matches most of the
table's known headers, so merged title rows above it are skipped.  Headers
may be Chinese or English; unknown columns are kept and noted.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.schema import Table, all_tables, header_key

__all__ = ["ReadError", "TableFile", "find_table_file", "read_table", "normalise_text"]

TABLE_SUFFIXES = (".xlsx", ".xls", ".csv")
_ENCODINGS = ("utf-8-sig", "gb18030")


class ReadError(ValueError):
    """A table file that cannot be read at all (a fatal problem for the build)."""


@dataclass
class TableFile:
    """One table as read: English-keyed text columns plus where each row came from."""

    table: Table
    path: Path
    frame: pd.DataFrame
    first_row: int                      # Excel row number of the first data row
    extra_columns: list[str] = field(default_factory=list)


def normalise_text(value: object) -> str:
    """NFKC-normalise and strip one cell; empty for None/NaN."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return "" if text.lower() in ("nan", "none", "nat") else text


# characters NFKC changes in office tables: full-width forms, ideographic space, NBSP,
# circled numbers, CJK compatibility ideographs; other strings are left alone (fast path)
_NEEDS_NFKC = "[\u00a0\u2460-\u24ff\u3000\uf900-\ufaff\uff00-\uffef]"
_EMPTY_SET = pa.array(["nan", "none", "nat", "NaN", "None", "NaT"])


def normalise_column(values: pd.Series) -> pd.Series:
    """Vectorised ``normalise_text`` for a whole column."""
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
    odd = pc.match_substring_regex(encoded.dictionary, _NEEDS_NFKC).to_numpy(zero_copy_only=False)
    if odd.any():
        distinct[odd] = [unicodedata.normalize("NFKC", v).strip() for v in distinct[odd]]
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return pd.Series(distinct[codes], index=values.index, dtype=object)


def find_table_file(folder: Path, table: Table) -> Path | None:
    """The file for ``table`` in ``folder``, by English key or Chinese name."""
    for stem in (table.key, table.name_zh):
        for suffix in TABLE_SUFFIXES:
            candidate = folder / f"{stem}{suffix}"
            if candidate.exists():
                return candidate
    return None


def _decode(raw: bytes, path: Path) -> str:
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    msg = f"{path.name}: 无法识别文件编码（支持 UTF-8、GB18030/GBK）/ cannot decode (UTF-8 or GB18030 expected)"
    raise ReadError(msg)


def _raw_grid(path: Path) -> pd.DataFrame:
    """All cells of the file's first sheet, as strings, no header."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = _decode(path.read_bytes(), path)
            fast = _arrow_csv(text)
            if fast is not None:
                return fast
            return pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                               skip_blank_lines=False)
        return pd.read_excel(path, header=None, dtype=str, engine="calamine")
    except ReadError:
        raise
    except Exception as exc:  # a broken file: tell the user which one and why
        msg = f"{path.name}: 文件无法读取 / unreadable file ({type(exc).__name__}: {exc})"
        raise ReadError(msg) from exc


def _arrow_csv(text: str) -> pd.DataFrame | None:
    """Read CSV text with pyarrow (all columns as strings), or None to fall back to pandas.

    pyarrow is several times faster on large files but needs every row to
    have the same number of fields; a CSV with a short title row falls back.
    """
    first = next(csv.reader(io.StringIO(text[:10_000])), None)
    if not first:
        return None
    types = {f"f{i}": pa.string() for i in range(len(first))}
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
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
        msg = (f"找不到表头：应含 {', '.join(c.header for c in table.columns[:4])} 等列 / "
               f"no header row with the expected columns")
        raise ReadError(msg)
    return best


def read_table(path: Path, table: Table) -> TableFile:
    """Read ``path`` as ``table``: find the header, map headers to keys, normalise cells.

    Raises
    ------
    ReadError
        When the file cannot be opened, decoded or has no recognisable header.
    """
    grid = _raw_grid(path)
    try:
        header_at = _header_row(grid, table)
    except ReadError as exc:
        raise ReadError(f"{path.name}: {exc}") from None
    headers = [normalise_text(v) for v in grid.iloc[header_at].tolist()]
    body = grid.iloc[header_at + 1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    mapping = table.header_map()
    frame = pd.DataFrame(index=body.index)
    extra = []
    for pos, header in enumerate(headers):
        key = mapping.get(header_key(header))
        if key is None:
            if header:
                extra.append(header)
            continue
        if key not in frame:
            frame[key] = normalise_column(body[pos])
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
    tf = TableFile(table, path, result, first_row, extra)
    tf.frame["_row"] = rows
    return tf


def table_for_file(path: Path) -> Table | None:
    """Which table a file holds, from its name (English key or Chinese name)."""
    for table in all_tables().values():
        if path.stem in (table.key, table.name_zh):
            return table
    return None
