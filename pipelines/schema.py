"""The nine community tables, the reports export and the three geodata layers.

This module is the single source of truth for the import contract of
``shared/design/TABLES.md``: Chinese header, English key, type, whether a
column is required, its allowed values and whether it holds personal data
(PII).  Readers, validation, the demo generator, the data dictionary
(``geodata/README.md``) and the dashboard's column labels all read from here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ASPECTS",
    "LAYERS",
    "TABLES",
    "Column",
    "Table",
    "all_tables",
    "column_label",
    "header_key",
    "lookup_table",
]

ColumnType = Literal["text", "date", "datetime", "int", "float", "bool", "enum", "phone"]


@dataclass(frozen=True)
class Column:
    """One column of a table or layer as a community office writes it."""

    key: str
    header: str
    type: ColumnType = "text"
    required: bool = False
    allowed: tuple[str, ...] = ()
    pii: bool = False
    note: str = ""
    future_ok: bool = False  # a deadline may lie after the reference date
    aliases: tuple[str, ...] = ()  # other headers offices use for this column (身份证号码, 手机号 …)
    synonyms: tuple[tuple[str, str], ...] = ()  # (written, allowed value) pairs accepted for an enum: 男性 → 男
    en: str = ""  # English label for ?lang=en (the key is an identifier, not a label)
    # how the column is shown in a browser or an export (pipelines/privacy.py): "name", "phone", "mobile"
    # (an organisation's landline may stay), "id", "birth" (year only), "address" (to building and unit),
    # "withhold" (free text that people fill with names and numbers); "" = shown, with any phone, ID
    # number or room address inside it masked
    privacy: str = ""

    @property
    def label_en(self) -> str:
        """The English label: ``en``, else the key in words."""
        return self.en or self.key.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Table:
    """A table (or geodata layer): its names, its columns and its key."""

    key: str
    name_zh: str
    name_en: str
    columns: tuple[Column, ...]
    primary_key: str | None = None
    required: bool = False
    geometry: Literal["Polygon", "Point"] | None = None
    description: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def column(self, key: str) -> Column:
        """Return the column with English key ``key``."""
        for col in self.columns:
            if col.key == key:
                return col
        msg = f"{self.key} has no column {key!r}"
        raise KeyError(msg)

    @property
    def keys(self) -> list[str]:
        """English keys of all columns, in table order."""
        return [c.key for c in self.columns]

    @property
    def pii_keys(self) -> list[str]:
        """English keys of the columns that hold personal data."""
        return [c.key for c in self.columns if c.pii]

    def header_map(self) -> dict[str, str]:
        """Map every accepted header (Chinese, its aliases, or the English key) to the English key.

        Keys are normalised with :func:`header_key`, so ``身份证号码``, ``身份证号 (必填)`` and
        ``Person_ID`` all find their column.
        """
        mapping: dict[str, str] = {}
        for c in self.columns:
            for header in (c.header, *c.aliases, c.key, c.en):
                if header:
                    mapping.setdefault(header_key(header), c.key)
        return mapping


_HEADER_NOISE = re.compile(r"[\s*＊:：_\-]|[（(](必填|选填|可选|必须|非必填|optional|required)[)）]", re.IGNORECASE)


def header_key(header: str) -> str:
    """A header as compared: NFKC, no spaces, no ``*`` or ``(必填)`` marks, lower case."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    return _HEADER_NOISE.sub("", text).lower()


YES_NO = ("是", "否")

#: The 12 aspects of the grid competition (网格擂台比武).
ASPECTS: tuple[str, ...] = (
    "入户走访", "下沉网格", "发现安全隐患", "收集居民诉求", "办结居民诉求", "化解矛盾纠纷",
    "特殊群体走访", "组织协商议事", "开展志愿服务", "政策宣传", "信息采集更新", "满意度回访",
)

SPECIAL_CATEGORIES = (
    "残疾人", "低保", "特困", "优抚对象", "困境儿童", "留守儿童", "重病患者", "计生特殊家庭",
)

_C = Column
_VISIT_ALIASES = ("最近走访时间", "最后走访日期", "走访日期", "最近一次走访", "最近走访")

RESIDENTS = Table(
    "residents", "居民信息表", "Residents",
    (
        _C("person_id", "人员编号", required=True, aliases=("居民编号", "人员代码", "人员ID"), en="Person ID"),
        _C("name", "姓名", required=True, pii=True, aliases=("居民姓名",), en="Name", privacy="name"),
        _C("sex", "性别", "enum", True, ("男", "女"), en="Sex", synonyms=(("男性", "男"), ("女性", "女"))),
        _C("birth_date", "出生日期", "date", True, aliases=("出生年月", "出生年月日", "生日"), en="Date of birth",
           privacy="birth"),
        _C("id_number", "身份证号", pii=True, note="18位，GB 11643 校验位，与出生日期、性别一致",
           aliases=("身份证号码", "公民身份号码", "身份证", "证件号码", "身份证件号码"), en="ID number", privacy="id"),
        _C("phone", "联系电话", "phone", pii=True, note="手机或座机；+86、空格和横线会被规范化",
           aliases=("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"), en="Phone", privacy="phone"),
        _C("household_id", "户编号", required=True, note="→ 房屋住户表", aliases=("户号", "所属户编号"),
           en="Household ID"),
        _C("relation", "与户主关系", "enum", allowed=("户主", "配偶", "子女", "父母", "孙辈", "其他"),
           aliases=("家庭关系",), en="Relation to head"),
        _C("residence_type", "户籍类型", "enum", allowed=("户籍", "流动", "寄住"), aliases=("人口类型", "户籍性质"),
           en="Residence type"),
        _C("political_status", "政治面貌", "enum", allowed=("中共党员", "预备党员", "群众", "其他"),
           en="Political status", synonyms=(("党员", "中共党员"), ("中共预备党员", "预备党员"))),
    ),
    primary_key="person_id", required=True, description="表1 一人一行",
)

HOUSEHOLDS = Table(
    "households", "房屋住户表", "Households",
    (
        _C("household_id", "户编号", required=True, aliases=("户号",), en="Household ID"),
        _C("address", "住址", note="如 广生泉小区3号楼2单元501、3-2-501；给出楼栋编码或小区+楼号时可空",
           aliases=("地址", "家庭住址", "现住址", "居住地址", "详细地址"), en="Address", privacy="address"),
        _C("compound", "小区", note="小区名称或别名", aliases=("小区名称", "所在小区"), en="Compound"),
        _C("building_number", "楼号", note="如 3、三号楼、B2栋", aliases=("楼栋号", "楼栋"), en="Building no."),
        _C("unit", "单元", aliases=("单元号",), en="Unit"),
        _C("room", "房号", pii=True, note="房号在会议模式中不显示", aliases=("门牌号", "房间号", "户室号"), en="Room",
           privacy="withhold"),
        _C("building_id", "楼栋编码", note="→ 楼栋图层", aliases=("楼栋编号",), en="Building ID"),
        _C("tenure", "住房性质", "enum", allowed=("自有", "租赁", "单位宿舍", "空置"), aliases=("房屋性质",),
           en="Tenure"),
        _C("living_arrangement", "居住状况", "enum",
           allowed=("独居", "空巢", "与子女同住", "其他"), note="为空时由居民信息表推算",
           aliases=("居住情况", "居住状态"), en="Living arrangement"),
    ),
    primary_key="household_id", required=True, description="表2 一户一行",
)

ELDERLY = Table(
    "elderly", "老年人关爱表", "Elderly care",
    (
        _C("person_id", "人员编号", required=True, note="→ 居民信息表", aliases=("居民编号",), en="Person ID"),
        _C("self_care", "自理能力", "enum", allowed=("自理", "半失能", "失能"), aliases=("自理情况", "生活自理能力"),
           en="Self-care"),
        _C("dementia", "失智", "bool", aliases=("是否失智",), en="Dementia"),
        _C("chronic_conditions", "慢性病", pii=True, aliases=("慢性病情况", "患病情况"), en="Chronic conditions",
           privacy="withhold"),
        _C("emergency_contact", "紧急联系人", pii=True, en="Emergency contact", privacy="name"),
        _C("emergency_phone", "紧急联系电话", "phone", pii=True, aliases=("紧急联系人电话",), en="Emergency phone",
           privacy="phone"),
        _C("family_doctor", "签约家庭医生", "bool", aliases=("家庭医生签约", "是否签约家庭医生"), en="Family doctor"),
        _C("last_visit", "最近走访日期", "date", aliases=_VISIT_ALIASES, en="Last visit"),
    ),
    primary_key="person_id", description="表3 60岁以上居民的关爱信息",
)

SPECIAL_GROUPS = Table(
    "special_groups", "特殊群体表", "Special groups",
    (
        _C("person_id", "人员编号", required=True, note="→ 居民信息表", aliases=("居民编号",), en="Person ID"),
        _C("category", "类别", "enum", True, SPECIAL_CATEGORIES, aliases=("群体类别", "人员类别"), en="Category"),
        _C("level", "等级", note="残疾等级 一级…四级", aliases=("残疾等级",), en="Level"),
        _C("support", "帮扶措施", aliases=("帮扶情况",), en="Support", privacy="withhold"),
        _C("last_visit", "最近走访日期", "date", aliases=_VISIT_ALIASES, en="Last visit"),
    ),
    description="表4 一人一类别一行",
)

NEEDS = Table(
    "needs", "居民需求表", "Resident needs",
    (
        _C("need_id", "需求编号", required=True, en="Need ID"),
        _C("household_id", "户编号", required=True, note="→ 房屋住户表", aliases=("户号",), en="Household ID"),
        _C("need_type", "需求类型", "enum", True,
           ("助餐", "助医", "助洁", "助浴", "维修", "就业", "法律", "心理", "托管", "其他"), aliases=("需求类别",),
           en="Type"),
        _C("description", "需求描述", pii=True, aliases=("需求内容",), en="Description", privacy="withhold"),
        _C("registered_on", "登记日期", "date", True, aliases=("登记时间", "提出日期"), en="Registered"),
        _C("status", "状态", "enum", True, ("待办", "办理中", "已办结"), aliases=("办理状态",), en="Status"),
        _C("closed_on", "办结日期", "date", aliases=("办结时间",), en="Closed"),
        _C("resource", "对接资源", en="Resource", privacy="withhold"),
    ),
    primary_key="need_id", description="表5",
)

PARTY_VOLUNTEERS = Table(
    "party_volunteers", "党员志愿者表", "Party members and volunteers",
    (
        _C("person_id", "人员编号", required=True, note="→ 居民信息表", aliases=("居民编号",), en="Person ID"),
        _C("role", "身份", "enum", True, ("党员", "志愿者", "党员志愿者"), en="Role"),
        _C("party_unit", "所属党组织", note="如 第三网格党支部、3号楼党小组", aliases=("所在党组织", "党组织"),
           en="Party unit"),
        _C("central_household", "党员中心户", "bool", aliases=("是否党员中心户",), en="Central household"),
        _C("duty", "担任职务", "enum", allowed=("网格长", "楼长", "单元长", "无"), aliases=("职务",), en="Duty"),
        _C("linked_households", "联系户数", "int", en="Linked households"),
        _C("volunteer_hours", "服务时长", "float", aliases=("志愿服务时长",), en="Volunteer hours"),
    ),
    primary_key="person_id", description="表6 四级组织体系",
)

HAZARDS = Table(
    "hazards", "安全隐患表", "Safety hazards",
    (
        _C("hazard_id", "隐患编号", required=True, en="Hazard ID"),
        _C("location", "位置", note="地址或楼栋编码", aliases=("隐患位置", "地点", "地址"), en="Location",
           privacy="address"),
        _C("lon", "经度", "float", aliases=("longitude", "lng"), en="Longitude"),
        _C("lat", "纬度", "float", aliases=("latitude",), en="Latitude"),
        _C("hazard_type", "隐患类型", "enum", True,
           ("消防通道堵塞", "电动车违规充电", "燃气", "电线老化", "高空坠物", "房屋结构", "其他"),
           aliases=("隐患类别",), en="Type"),
        _C("level", "等级", "enum", True, ("重大", "较大", "一般"), aliases=("隐患等级",), en="Level"),
        _C("found_on", "发现日期", "date", True, aliases=("发现时间",), en="Found"),
        _C("deadline", "整改期限", "date", future_ok=True, aliases=("整改时限",), en="Deadline"),
        _C("status", "状态", "enum", True, ("未整改", "整改中", "已整改"), aliases=("整改状态",), en="Status"),
        _C("source", "来源", "enum", allowed=("巡查", "视频监控", "智慧消防", "居民上报"), aliases=("发现来源",),
           en="Source"),
    ),
    primary_key="hazard_id", description="表7",
)

GRID_WORK = Table(
    "grid_work", "网格工作记录表", "Grid work records",
    (
        _C("date", "日期", "date", True, aliases=("工作日期",), en="Date"),
        _C("grid", "网格", required=True, note="网格编号或名称", aliases=("所属网格", "网格名称", "网格编号"),
           en="Grid"),
        _C("worker", "网格员", en="Grid worker", privacy="name"),
        _C("aspect", "工作事项", "enum", True, ASPECTS, aliases=("事项",), en="Aspect"),
        _C("count", "数量", "int", True, aliases=("次数",), en="Count"),
        _C("note", "说明", aliases=("备注",), en="Note", privacy="withhold"),
    ),
    description="表8 网格擂台比武的12个方面",
)

RESOURCES = Table(
    "resources", "驻区单位与服务资源表", "Partner units and facilities",
    (
        _C("name", "名称", required=True, aliases=("单位名称",), en="Name"),
        _C("kind", "类型", "enum", True,
           ("双报到单位", "社会组织", "医养驿站", "应急服务站", "监控点", "消防设施", "托管班", "老年大学", "其他"),
           en="Kind"),
        _C("address", "地址", en="Address", privacy="address"),
        _C("lon", "经度", "float", aliases=("longitude", "lng"), en="Longitude"),
        _C("lat", "纬度", "float", aliases=("latitude",), en="Latitude"),
        _C("contact", "联系人", en="Contact", privacy="name"),
        _C("phone", "联系电话", "phone", aliases=("电话", "手机", "联系方式"), en="Phone", privacy="mobile"),
        _C("services", "服务项目", aliases=("服务内容",), en="Services"),
    ),
    description="表9",
)

REPORTS = Table(
    "reports", "诉求工单", "Resident reports",
    (
        _C("report_id", "工单编号", required=True, aliases=("工单号",), en="Report ID"),
        _C("submitted_at", "提交时间", "datetime", True, aliases=("上报时间",), en="Submitted"),
        _C("category", "类别", "enum", True,
           ("环境卫生", "物业维修", "安全隐患", "邻里纠纷", "设施损坏", "停车交通", "噪音扰民", "养老服务", "其他"),
           aliases=("诉求类别", "问题类别"), en="Category"),
        _C("description", "描述", pii=True, note="自由文本，可能含姓名或电话", aliases=("诉求内容", "问题描述"),
           en="Description", privacy="withhold"),
        _C("address", "地址", aliases=("位置",), en="Address", privacy="address"),
        _C("lon", "经度", "float", aliases=("longitude", "lng"), en="Longitude"),
        _C("lat", "纬度", "float", aliases=("latitude",), en="Latitude"),
        _C("status", "状态", "enum", True, ("待受理", "已受理", "处理中", "已办结", "已评价"), aliases=("工单状态",),
           en="Status"),
        _C("worker", "受理网格员", aliases=("处理人",), en="Grid worker", privacy="name"),
        _C("closed_at", "办结时间", "datetime", en="Closed"),
        _C("satisfaction", "满意度", "int", note="1–5", aliases=("满意度评价",), en="Satisfaction"),
        _C("channel", "来源", "enum", allowed=("小程序", "电话", "网格员巡查", "12345热线"), aliases=("渠道",),
           en="Channel"),
    ),
    primary_key="report_id", description="码上提泉心办 小程序导出，不属于九张表",
)

#: The nine tables, in the order of TABLES.md.
TABLES: dict[str, Table] = {
    t.key: t
    for t in (RESIDENTS, HOUSEHOLDS, ELDERLY, SPECIAL_GROUPS, NEEDS,
              PARTY_VOLUNTEERS, HAZARDS, GRID_WORK, RESOURCES)
}

GRIDS = Table(
    "grids", "网格", "Grids",
    (
        _C("grid_id", "网格编号", required=True, aliases=("网格编码", "网格代码"), en="Grid ID"),
        _C("name", "网格名称", required=True, aliases=("名称",), en="Name"),
        _C("leader", "网格长", en="Grid leader", privacy="name"),
        _C("workers", "网格员", en="Grid workers", privacy="name"),
        _C("party_branch", "网格党支部", en="Party branch"),
    ),
    primary_key="grid_id", required=True, geometry="Polygon",
)
COMPOUNDS = Table(
    "compounds", "小区", "Compounds",
    (
        _C("compound_id", "小区编号", required=True, aliases=("小区编码", "小区代码"), en="Compound ID"),
        _C("name", "小区名称", required=True, aliases=("名称",), en="Name"),
        _C("aliases", "别名", note="多个别名用;分隔", en="Aliases"),
        _C("property_manager", "物业", note="空 = 无物业", aliases=("物业公司", "物业服务企业"), en="Property manager"),
    ),
    primary_key="compound_id", required=True, geometry="Polygon",
)
BUILDINGS = Table(
    "buildings", "楼栋", "Buildings",
    (
        _C("building_id", "楼栋编码", required=True, aliases=("楼栋编号", "楼栋代码"), en="Building ID"),
        _C("compound_id", "小区编号", required=True, aliases=("小区编码", "小区代码"), en="Compound ID"),
        _C("number", "楼号", required=True, note="如 3、12、B2", aliases=("楼栋号",), en="Building no."),
        _C("floors", "层数", "int", aliases=("楼层数",), en="Floors"),
        _C("units", "单元数", "int", en="Units"),
        _C("building_leader", "楼栋长", aliases=("楼长",), en="Building leader", privacy="name"),
    ),
    primary_key="building_id", required=True, geometry="Polygon",
)

#: The three geodata layers.
LAYERS: dict[str, Table] = {t.key: t for t in (GRIDS, COMPOUNDS, BUILDINGS)}


def all_tables() -> dict[str, Table]:
    """Every table the pipeline reads: the nine, the reports export and the layers."""
    return {**TABLES, REPORTS.key: REPORTS, **LAYERS}


def lookup_table(name: str) -> Table | None:
    """Find a table by English key or Chinese name (as in a file name)."""
    for table in all_tables().values():
        if name in (table.key, table.name_zh):
            return table
    return None


def column_label(table_key: str, column_key: str, *, lang: str = "zh") -> str:
    """Human label for a column: the Chinese header, or the English key."""
    table = all_tables()[table_key]
    col = table.column(column_key)
    return col.header if lang == "zh" else col.label_en
