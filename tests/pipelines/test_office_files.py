"""Excel exports: what a reader sees when opening the file, and that nothing in it is ever a formula."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pandas as pd

from pipelines.office_files import export_xlsx

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "#N/A"]


def _export() -> tuple[bytes, pd.DataFrame]:
    frame = pd.DataFrame({
        "描述": HOSTILE,
        "走访逾期": [True, False, True, False, True, False, True],
        "失智": pd.Series([True, False, None, True, False, False, True], dtype=object),
        "年龄": [68, 70, 5, 92, 44, 61, 30],
        "服务时长": [1.5, None, 2.0, 3.0, None, 4.0, 1.0],
        "最近走访": pd.to_datetime(["2026-11-02", None, "2026-10-01", "2026-09-30", None, "2026-01-01", None]),
        "note": ["a", "b", "c", "d", "e", "f", "g"],
    })
    return export_xlsx(frame, title="居民信息表"), frame


def test_no_cell_is_a_formula_and_hostile_text_reads_as_typed() -> None:
    data, frame = _export()
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type not in ("f", "e") for c in cells)
    # (XML turns a stored CR into LF when read back; it is still text)
    assert [ws.cell(row=r, column=1).value for r in range(3, 10)] == [h.replace("\r", "\n") for h in HOSTILE]
    assert all(ws.cell(row=r, column=1).quotePrefix for r in range(3, 10))
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(rb"<f[ >]", book.read(n)) for n in sheets)


def test_yes_no_dates_and_numbers_read_as_people_write_them() -> None:
    data, _ = _export()
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    header, body = rows[0], rows[1:]
    column = {name: [row[i] for row in body] for i, name in enumerate(header)}
    assert column["走访逾期"] == ["是", "否", "是", "否", "是", "否", "是"]
    assert column["失智"] == ["是", "否", None, "是", "否", "否", "是"]
    assert column["年龄"][:2] == ["68", "70"] and column["服务时长"][:3] == ["1.5", None, "2"]
    assert column["最近走访"][:2] == ["2026-11-02", None]
    assert all(isinstance(v, str) for row in body for v in row if v is not None)


def test_header_frozen_filters_on_widths_fit_chinese() -> None:
    data, frame = _export()
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "居民信息表" and "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:G{len(frame) + 2}"
    widths = {ws.cell(row=2, column=i).value: ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
              for i in range(1, 8)}
    # a long formula text is wider than a short note; a 4-character Chinese header needs 8+ columns
    assert widths["描述"] > widths["note"] and widths["最近走访"] >= 10
