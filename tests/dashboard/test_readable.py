"""The display helpers on tiny literal frames: one language, row kinds, names for codes."""

from __future__ import annotations

import pandas as pd

from dashboard.i18n import one_language
from dashboard.readable import PlaceNames, building_codes_to_labels, matches, readable_quality


def test_one_language_shows_one_side_or_the_whole_text() -> None:
    assert one_language("户编号重复 / duplicate key", "zh") == "户编号重复"
    assert one_language("户编号重复 / duplicate key", "en") == "duplicate key"
    assert one_language("核对身份证号", "en") == "核对身份证号"
    assert one_language("3/4 单元", "zh") == "3/4 单元"  # a slash without spaces is not a separator
    assert one_language(None, "zh") == ""


def _quality(**extra: list[object]) -> pd.DataFrame:
    return pd.DataFrame({
        "severity": ["error", "warning", "error"], "table": ["房屋住户表", "居民信息表", "buildings"],
        "file": ["房屋住户表.csv", "居民信息表.xlsx", "buildings.geojson"], "row": [22, 5, 3],
        "column": ["户编号", "联系电话", None], "value": ["HH1", None, ""],
        "problem": ["户编号重复 / duplicate key", "电话号码格式不对 / phone format", "楼栋不在任何网格内 / in no grid"],
        "suggestion": ["合并 / merge", None, "核对边界"], **extra})


def test_quality_rows_say_what_they_are_in_each_language() -> None:
    quality = _quality(row_kind=["csv", "excel", "feature"])
    zh = readable_quality(quality, "zh").set_index("文件")
    assert zh.at["房屋住户表.csv", "位置"] == "CSV 第22行" and zh.at["居民信息表.xlsx", "位置"] == "Excel 第5行"
    assert zh.at["buildings.geojson", "位置"] == "第3个要素" and zh.at["buildings.geojson", "表"] == "楼栋"
    assert zh.at["房屋住户表.csv", "级别"] == "拒绝" and zh.at["居民信息表.xlsx", "级别"] == "警告"
    assert zh.at["房屋住户表.csv", "问题"] == "户编号重复" and zh.at["居民信息表.xlsx", "修改建议"] == ""
    en = readable_quality(quality, "en").set_index("File")
    assert en.at["房屋住户表.csv", "Where"] == "CSV line 22" and en.at["buildings.geojson", "Where"] == "feature 3"
    assert en.at["房屋住户表.csv", "Severity"] == "Rejected" and en.at["房屋住户表.csv", "Table"] == "Households"
    assert en.at["buildings.geojson", "Suggestion"] == "核对边界"  # one language only where there are two
    assert not en.isin(["None", "nan"]).any().any() and not en.isna().any().any()


def test_an_artifact_without_row_kind_counts_excel_rows() -> None:
    assert set(readable_quality(_quality(), "en")["Where"]) == {"Excel row 22", "Excel row 5", "Excel row 3"}


def test_building_codes_become_labels_and_search_ignores_spacing() -> None:
    names = PlaceNames(buildings={"XQ24-B3": "虎山小区 B3号楼"})
    located = building_codes_to_labels(pd.Series(["XQ24-B3", "ｘｑ24-b3", "福泉苑15号楼", None]), names)
    assert located.tolist()[:3] == ["虎山小区 B3号楼", "虎山小区 B3号楼", "福泉苑15号楼"]
    shown = pd.DataFrame({"住址": ["虎山小区 B3号楼2单元", "福泉苑15号楼"]})
    assert matches(shown, "虎山小区B3号楼 2单元").tolist() == [True, False]
