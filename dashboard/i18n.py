"""Labels in Chinese (default) and English (``?lang=en``)."""

from __future__ import annotations

__all__ = ["LABELS", "facility_kind", "t"]

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("泉心社区可视化地图", "Community visual map"),
    "page_map": ("地图", "Map"),
    "households": ("户数", "Households"),
    "residents": ("居民", "Residents"),
    "share_60_plus": ("60岁以上", "Aged 60+"),
    "red": ("红色户", "Red households"),
    "yellow": ("黄色户", "Yellow households"),
    "blue": ("蓝色户", "Blue households"),
    "overdue_visits": ("走访逾期", "Overdue visits"),
    "open_needs": ("未办结需求", "Open needs"),
    "open_hazards": ("未整改隐患", "Open hazards"),
    "open_reports": ("未办结诉求", "Open reports"),
    "colour_by": ("楼栋着色", "Colour buildings by"),
    "by_red": ("红色户数", "Red households"),
    "by_old": ("60岁以上占比", "Share aged 60+"),
    "by_reports": ("未办结诉求", "Open reports"),
    "legend": ("图例", "Legend"),
    "grid": ("网格", "Grid"),
    "building": ("楼栋", "Building"),
    "reference_date": ("数据基准日", "Data as of"),
    "no_artifact": ("还没有地图数据包：请先运行 make run 或 python -m pipelines build",
                    "No artifact yet: run make run or python -m pipelines build"),
    "language": ("语言", "Language"),
    "facilities": ("设施", "Facilities"),
    "meeting": ("会议模式", "Meeting mode"),
    "satisfaction": ("满意度", "Satisfaction"),
    "colour": ("颜色", "Colour"),
    "unit": ("单元", "Unit"),
    "members": ("人数", "Members"),
    "reasons": ("原因", "Reasons"),
    "last_visit": ("最近走访", "Last visit"),
    "overdue": ("走访逾期", "Overdue"),
    "yes": ("是", "yes"),
    "click_hint": ("点击地图上的楼栋，查看该楼的住户情况。", "Click a building on the map to see its households."),
    "page_quality": ("数据质量", "Data quality"),
    "quality_help": ("以下每一行都指向 Excel 中的一个单元格：按文件、行号、列修改后重新构建即可。个人信息已隐藏。",
                     "Each row points at one Excel cell: fix it by file, row and column, then rebuild. "
                     "Personal data is masked."),
    "rows_rejected": ("被拒绝的问题", "Rejecting problems"),
    "rows_warned": ("警告", "Warnings"),
    "tables_affected": ("涉及的表", "Tables affected"),
    "table": ("表", "Table"),
    "all": ("全部", "All"),
    "q_severity": ("级别", "Severity"),
    "sev_error": ("拒绝", "rejected"),
    "sev_warning": ("警告", "warning"),
    "q_table": ("表", "Table"),
    "q_file": ("文件", "File"),
    "q_row": ("Excel 行号", "Excel row"),
    "q_column": ("列", "Column"),
    "q_value": ("值", "Value"),
    "q_problem": ("问题", "Problem"),
    "q_suggestion": ("修改建议", "Suggestion"),
}


def t(key: str, lang: str = "zh") -> str:
    """The label for ``key`` in ``lang`` ('zh' or 'en')."""
    zh, en = LABELS[key]
    return en if lang == "en" else zh


_FACILITY_EN = {"应急服务站": "Emergency station", "医养驿站": "Medical-elderly station",
                "托管班": "After-school class", "老年大学": "Elderly university", "监控点": "Camera",
                "消防设施": "Fire hydrant",
                "双报到单位": "Partner unit", "社会组织": "Social organisation", "其他": "Other"}


def facility_kind(kind: str, lang: str = "zh") -> str:
    """A facility kind (a value of 表9 类型) in ``lang``."""
    return _FACILITY_EN.get(kind, kind) if lang == "en" else kind
