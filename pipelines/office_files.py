"""Write tables the way a community office does: xlsx with a merged title row, GB18030 CSV.

Used by the demo generator and by tests that need real office files.  The
xlsx files are byte-for-byte reproducible: openpyxl stamps the current time
into the document properties and into every zip entry, so both are fixed.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

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


def export_xlsx(frame: pd.DataFrame, *, title: str) -> bytes:
    """An exported view (already masked) as xlsx: a title row, the headers, missing values as empty cells."""
    clean = frame.astype(object).where(frame.notna(), None)
    return office_xlsx_bytes(clean, title=title, sheet=re.sub(r"[\\/*?:\[\]]", "", title)[:31] or "Sheet1")


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
