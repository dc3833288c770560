"""Reading real office files: formats, encodings, title rows, NFKC, English headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.office_files import write_csv, write_office_xlsx
from pipelines.readers import ReadError, read_table
from pipelines.schema import TABLES

HH = TABLES["households"]
ROWS = pd.DataFrame({"户编号": ["H1", "H2"], "住址": ["３号楼２单元５０１", "广生泉小区3-2-502"],
                     "楼栋编码": ["", "XQ01-3"]})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "房屋住户表.csv"
    write_csv(path, pd.DataFrame({"户编号": ["H1"], "住址": ["䶮楼3号楼2单元501"]}), encoding=encoding)
    frame = read_table(path, HH).frame
    assert frame.loc[0, "address"] == "䶮楼3号楼2单元501"


def test_xlsx_with_merged_title_row_and_full_width(tmp_path: Path) -> None:
    path = tmp_path / "房屋住户表.xlsx"
    write_office_xlsx(path, ROWS, title="某社区房屋住户表（截至2026年）")
    tf = read_table(path, HH)
    assert list(tf.frame["household_id"]) == ["H1", "H2"]
    assert tf.frame.loc[0, "address"] == "3号楼2单元501"   # NFKC
    assert list(tf.frame["_row"]) == [3, 4]                # Excel rows under title + header


def test_english_headers_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    write_csv(path, pd.DataFrame({"household_id": ["H1"], "address": ["3-2-501"], "备注": ["x"]}), encoding="utf-8")
    tf = read_table(path, HH)
    assert tf.frame.loc[0, "address"] == "3-2-501" and tf.extra_columns == ["备注"]


def test_id_numbers_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "居民信息表.xlsx"
    write_office_xlsx(path, pd.DataFrame({"人员编号": ["P1"], "身份证号": ["370902195003120017"],
                                          "联系电话": ["13800001111"]}))
    frame = read_table(path, TABLES["residents"]).frame
    assert frame.loc[0, "id_number"] == "370902195003120017" and frame.loc[0, "phone"] == "13800001111"


def test_unreadable_and_headerless_files_raise(tmp_path: Path) -> None:
    broken = tmp_path / "房屋住户表.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ReadError, match="房屋住户表.xlsx"):
        read_table(broken, HH)
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ReadError, match="表头"):
        read_table(other, HH)


def test_old_xls_with_title_row_numbers_and_dates(tmp_path: Path) -> None:
    """An Excel 97-2003 .xls as older office PCs save it: merged title, numeric cells, a real date cell."""
    import datetime

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("居民")
    sheet.write_merge(0, 0, 0, 4, "某社区居民信息表")
    for col, header in enumerate(["人员编号", "姓名", "身份证号", "出生日期", "户编号"]):
        sheet.write(1, col, header)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    sheet.write(2, 0, "P1")
    sheet.write(2, 1, "张　三")  # full-width space
    sheet.write(2, 2, "370902195003120017")
    sheet.write(2, 3, datetime.date(1950, 3, 12), date_style)
    sheet.write(2, 4, 101)  # a number cell: read as text "101", not "101.0"
    path = tmp_path / "居民信息表.xls"
    book.save(str(path))
    tf = read_table(path, TABLES["residents"])
    row = tf.frame.iloc[0]
    assert row["person_id"] == "P1" and row["id_number"] == "370902195003120017"
    assert row["name"] == "张 三" and row["birth_date"].startswith("1950-03-12")
    assert row["household_id"] == "101"
    assert list(tf.frame["_row"]) == [3]
