"""Write tables the way a community office does: xlsx with a merged title row, GB18030 CSV.

Used by the demo generator and by tests that need real office files.  The
xlsx files are byte-for-byte reproducible: openpyxl stamps the current time
into the document properties and into every zip entry, so both are fixed.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipelines.readers import strip_controls

__all__ = ["export_xlsx", "office_xlsx_bytes", "write_office_xlsx", "write_csv"]

_FIXED_TIME = datetime(2026, 11, 28, 8, 0, 0)


def _cell(value: object) -> object:
    """Excel-friendly value: NaN/None become empty, everything else as is."""
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


def write_office_xlsx(
    path: Path,
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    sheet: str = "Sheet1",
) -> None:
    """Write ``frame`` to ``path`` as an office-style xlsx (see :func:`office_xlsx_bytes`)."""
    path.write_bytes(office_xlsx_bytes(frame, title=title, sheet=sheet))


def office_xlsx_bytes(frame: pd.DataFrame, *, title: str | None = None, sheet: str = "Sheet1") -> bytes:
    """``frame`` as the bytes of an office-style xlsx.

    With ``title``, a merged, bold title row sits above the header row, as
    community offices print their tables.  Columns are written with the
    frame's column names as headers; values are written as given (strings
    stay strings, so ID numbers are never turned into numbers).
    """
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    headers: Sequence[str] = [str(c) for c in frame.columns]
    if title:
        ws.append([title] + [None] * (len(headers) - 1))
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(headers), 1))
        ws.cell(row=1, column=1).font = Font(bold=True, size=14)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.append(list(headers))
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    wb.properties.creator = "泉心社区可视化地图 demo"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _normalise_zip(buffer.getvalue())


def export_xlsx(frame: pd.DataFrame, *, title: str, yes_no: tuple[str, str] = ("是", "否")) -> bytes:
    """An exported view (already masked) as xlsx, ready to hand to whoever fixes or follows it up.

    A bold title row, then the header row, frozen and with Excel's filters on;
    column widths fitted to the text (a Chinese character counts double);
    yes/no columns as 是/否 (``yes_no``), never 0/1 or True/False; missing values as empty cells.

    Every value is a text cell, never a formula: a text such as
    ``=HYPERLINK("http://…","点击")`` typed into a report would otherwise run
    when the file is opened.  Cells are written with an explicit string type
    and Excel's quote prefix: the cell shows exactly what was typed and stays
    text when edited (a leading ``'`` written into the value would show up in it).
    Written in openpyxl's write-only mode: an export of 200,000 rows stays in memory once.
    """
    texts = pd.DataFrame({i: _as_text(frame.iloc[:, i], yes_no) for i in range(frame.shape[1])})
    headers = [str(c) for c in frame.columns]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(re.sub(r"[\\/*?:\[\]]", "", title)[:31] or "Sheet1")
    last = get_column_letter(max(len(headers), 1))
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _fit_width(header, texts[i - 1])
    ws.freeze_panes = "A3"  # title and header stay in view while scrolling (set before the first row)
    ws.auto_filter.ref = f"A2:{last}{len(frame) + 2}"
    title_cell = WriteOnlyCell(ws, value=title)
    title_cell.font = Font(bold=True, size=14)
    ws.append([title_cell])
    ws.merged_cells.add(f"A1:{last}1")
    header_font = Font(bold=True)
    ws.append([_text_cell(ws, h, font=header_font) for h in headers])
    for row in texts.itertuples(index=False, name=None):
        ws.append([_text_cell(ws, v) for v in row])
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    wb.properties.creator = "泉心社区可视化地图"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _normalise_zip(buffer.getvalue())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(ws: object, value: str | None, *, font: Font | None = None) -> WriteOnlyCell | str | None:
    """A string cell (type ``s``, never ``f`` or ``e``); a text Excel would run as a formula gets the quote prefix.

    Plain texts go as they are (openpyxl stores them as strings); only the few
    that openpyxl would take for a formula or an error value are wrapped.
    """
    if value is None:
        return None
    value = strip_controls(value)  # Excel cannot hold them: the export would fail with no file at all
    risky = value.startswith(_FORMULA_START) or value in ERROR_CODES
    if not risky and font is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = risky
    if font is not None:
        cell.font = font
    return cell


def _as_text(values: pd.Series, yes_no: tuple[str, str]) -> pd.Series:
    """One column as the text a reader expects: 是/否, dates without midnight, 3 not 3.0; None when missing."""
    missing = values.isna()
    if pd.api.types.is_bool_dtype(values):
        out = values.map({True: yes_no[0], False: yes_no[1]})
    elif pd.api.types.is_datetime64_any_dtype(values):
        present = values.dropna()
        fmt = "%Y-%m-%d" if (present == present.dt.normalize()).all() else "%Y-%m-%d %H:%M"
        out = values.dt.strftime(fmt)
    else:
        out = values.map(lambda v: _one_text(v, yes_no))
    return out.astype(object).where(~missing, None)


def _one_text(value: object, yes_no: tuple[str, str]) -> str | None:
    if isinstance(value, bool | np.bool_):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else (f"{int(value)}" if float(value).is_integer() else f"{value}")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M")
    return None if value is None else str(value)


def _display_width(text: str) -> int:
    """Columns a text takes in Excel: a wide (Chinese) character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit_width(header: str, values: pd.Series) -> float:
    """A column width that fits the header and the longest value (between 6 and 60 characters)."""
    widest = max([_display_width(header) + 2, *(_display_width(v) for v in values.dropna().unique())])
    return float(min(max(widest + 2, 6), 60))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times so identical content gives identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time as "modified"; pin it
                content = re.sub(rb"<dcterms:modified([^>]*)>[^<]*<", rb"<dcterms:modified\1>2026-11-28T08:00:00Z<",
                                 content)
            dst.writestr(fixed, content)
    return out.getvalue()


def write_csv(path: Path, frame: pd.DataFrame, *, encoding: str = "gb18030") -> None:
    """Write ``frame`` as CSV in ``encoding`` (GB18030 by default, as Chinese Excel does)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(["" if _cell(v) is None else v for v in row])
    path.write_bytes(text.getvalue().encode(encoding))
