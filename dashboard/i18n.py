"""Labels in Chinese (default) and English (``?lang=en``)."""

from __future__ import annotations

from pipelines.schema import all_tables, lookup_table
from pipelines.selection import GROUPS

__all__ = ["DERIVED_COLUMNS", "LABELS", "LANGUAGES", "TABLES_EN", "column_title", "facility_kind", "flag_label",
           "group_label", "one_language", "t", "table_name"]

# the language switch: each language named in itself
LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("泉心社区可视化地图", "Community visual map"),
    "map_title": ("社区可视化地图", "Community map"),
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
    "overdue_n": ("超时 {n}", "{n} overdue"),
    "overdue_reports": ("超时未办结的诉求", "Reports past their time limit"),
    "overdue_reports_n": ("超时诉求 {n} 件", "{n} overdue report(s)"),
    "colour_by": ("楼栋着色", "Colour buildings by"),
    "colour_grids_by": ("网格着色", "Colour grids by"),
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
    "screen": ("大屏", "Screen"),
    "satisfaction": ("满意度", "Satisfaction"),
    "colour": ("颜色", "Colour"),
    "unit": ("单元", "Unit"),
    "members": ("人数", "Members"),
    "reasons": ("原因", "Reasons"),
    "last_visit": ("最近走访", "Last visit"),
    "overdue": ("走访逾期", "Overdue"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
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
    "sev_error": ("拒绝", "Rejected"),
    "sev_warning": ("警告", "Warning"),
    "q_table": ("表", "Table"),
    "q_file": ("文件", "File"),
    "q_row": ("位置", "Where"),
    "row_excel": ("Excel 第{n}行", "Excel row {n}"),
    "row_csv": ("CSV 第{n}行", "CSV line {n}"),
    "row_feature": ("第{n}个要素", "feature {n}"),
    "q_column": ("列", "Column"),
    "q_value": ("值", "Value"),
    "q_problem": ("问题", "Problem"),
    "q_suggestion": ("修改建议", "Suggestion"),
    "quality_export": ("导出问题清单 Excel（交给录入人员逐行修改）",
                       "Export the problem list to Excel (for whoever fixes the files)"),
    "filters": ("筛选", "Filters"),
    "households_short": ("户数", "Hh"),
    "share_60_plus_short": ("60岁+", "60+"),
    "red_short": ("红", "Red"),
    "yellow_short": ("黄", "Yellow"),
    "overdue_short": ("逾期", "Overdue"),
    "reports_short": ("未办诉求", "Open rep."),
    "compound": ("小区", "Compound"),
    "group": ("重点人群", "Group"),
    "group_help": ("选多个时，符合其中任一项的户都会显示。", "Several groups: households in any of them."),
    "age_band": ("年龄段", "Age band"),
    "reports_and_hazards": ("诉求与隐患", "Reports and hazards"),
    "report_category": ("诉求类别", "Report category"),
    "report_status": ("诉求状态", "Report status"),
    "hazard_type": ("隐患类型", "Hazard type"),
    "hazard_status": ("隐患状态", "Hazard status"),
    "dates": ("日期范围", "Date range"),
    "dates_help": ("诉求按提交日期、隐患按发现日期筛选。", "Reports by submission date, hazards by date found."),
    "reset_filters": ("清除筛选", "Clear filters"),
    "by_worst": ("最高风险颜色", "Worst flag"),
    "by_hazards": ("未整改隐患", "Open hazards"),
    "hotspot": ("诉求隐患热点（按网格）", "Report and hazard hotspots (by grid)"),
    "no_households": ("无住户", "No households"),
    "per_100": ("每百户", "per 100 households"),
    "per_100_month": ("每百户每月", "per 100 households per month"),
    "heat": ("显示热力图", "Show heat layer"),
    "heat_help": ("热力图按最热处自动调整颜色，只看分布；比较不同月份请看网格着色。",
                  "The heat layer rescales to its hottest spot: use it for where, the grid colours to compare."),
    "heat_too_many": ("点位太多，热力图未显示：请先选择网格。",
                      "Too many points for a heat layer: choose a grid first."),
    "district_hint": ("所选范围有 {n:,} 栋楼，地图按网格着色。"
                      "点击地图上的网格（或在左侧选择网格），即可查看该网格的楼栋。",
                      "{n:,} buildings in this area: the map is coloured by grid. Click a grid (or choose grids "
                      "on the left) to see its buildings."),
    "filtered": ("已筛选", "Filtered"),
    "place_only_help": ("按网格、小区，以及诉求和隐患的类别、状态、日期筛选；不随颜色、重点人群、年龄段变化。",
                        "Follows grid, compound and the report and hazard filters (category, status, dates); "
                        "not colour, group or age band."),
    "place_only_note": ("未办结诉求和未整改隐患按地点统计，不随颜色、重点人群、年龄段筛选变化；其余数字只计所选住户。",
                        "Open reports and open hazards are counted by place: the colour, group and age-band "
                        "filters do not narrow them. The other figures count the chosen households only."),
    "changes": ("上次更新以来的变化", "Changes since the last update"),
    "changes_none": ("与上次构建相比没有变化（或这是第一次构建）。",
                     "No changes since the previous build (or this is the first)."),
    "change_added": ("新增户", "Households added"),
    "change_removed": ("减少户", "Households removed"),
    "change_colour": ("颜色变化", "Colour changed"),
    "change_kind": ("变化", "Change"),
    "old_flag": ("原颜色", "Old colour"),
    "new_flag": ("新颜色", "New colour"),
    "household": ("户编号", "Household"),
    "built_at": ("构建时间", "Built at"),
    "page_tables": ("情况表", "Tables"),
    "search": ("搜索", "Search"),
    "search_help": ("按表中显示的内容查找（如 红色户、第一网格、3号楼2单元），不计空格；"
                    "姓名和电话已脱敏，不能用来搜索。",
                    "Finds what the table shows (e.g. Red, a grid's name, an address), spaces ignored; "
                    "names and phones are masked and cannot be searched."),
    "rows_shown": ("显示 {n:,} / {total:,} 行", "{n:,} of {total:,} rows"),
    "export": ("导出 Excel（所见即所得，已脱敏）", "Export to Excel (what is shown, masked)"),
    "rows_limited": ("共 {n:,} 行，这里显示前 {limit:,} 行；请用左侧筛选或搜索缩小范围。导出包含全部筛选结果。",
                     "{n:,} rows; the first {limit:,} are shown here. Filter or search to narrow them; "
                     "the export has all of them."),
    "export_too_many": ("一次最多导出 {limit:,} 行，请先筛选。", "At most {limit:,} rows per export: filter first."),
    "masked_note": ("姓名、电话、身份证号已脱敏，门牌号与备注等个人信息不显示。",
                    "Names, phones and ID numbers are masked; rooms and free text are withheld."),
    "table_missing": ("数据包中没有这张表。", "This table is not in the artifact."),
    "rows_count": ("行数", "Rows"),
    "unmask_title": ("查看一户的完整信息（须填写理由，记入审计日志）",
                     "Show one household in full (a reason is required and logged)"),
    "unmask_reason": ("理由", "Reason"),
    "unmask_help": ("如：电话回访核实、紧急联系家属。理由和查看人会写入审计日志。",
                    "E.g. a call-back, an emergency. The reason and who asked are written to the audit log."),
    "unmask_button": ("显示完整信息", "Show in full"),
    "unmask_need_reason": ("请填写户编号和理由（至少4个字）。", "Give the household and a reason (4+ characters)."),
    "unmask_none": ("没有这个户编号。", "No such household."),
    "grid_worker_note": ("你负责网格的住户：姓名和电话完整显示（工作需要），身份证号已脱敏，房号等不显示。",
                         "Your grids' households: names and phones in full for your work; ID numbers masked."),
    "export_names": ("导出 Excel（所见即所得：含你负责住户的姓名和电话，请妥善保管）",
                     "Export to Excel (as shown: with your households' names and phones; keep it safe)"),
    "page_users": ("用户", "Users"),
    "username": ("用户名", "Username"),
    "display_name": ("显示名", "Display name"),
    "role": ("角色", "Role"),
    "state": ("状态", "State"),
    "active": ("启用", "Active"),
    "disabled": ("已停用", "Disabled"),
    "password_changed": ("密码修改日期", "Password changed"),
    "add_user": ("添加用户", "Add a user"),
    "grids_help": ("网格员只能看到这些网格；其他角色不用选。",
                   "A grid worker sees these grids only; other roles need none."),
    "password": ("密码", "Password"),
    "password_again": ("再输入一次密码", "Password again"),
    "passwords_differ": ("两次输入的密码不一致。", "The two passwords differ."),
    "user_added": ("已添加用户 {name}。", "User {name} added."),
    "reset_or_disable": ("重置密码或停用用户", "Reset a password or disable a user"),
    "new_password": ("新密码", "New password"),
    "reset_help": ("重置后该用户的所有登录都会结束。", "Every session of the user ends."),
    "disable_user": ("停用这个用户", "Disable this user"),
    "apply": ("确定", "Apply"),
    "nothing_to_do": ("请填写新密码或勾选停用。", "Give a new password or tick disable."),
    "user_changed": ("已更新用户 {name}，其登录已全部结束。", "User {name} updated; their sessions ended."),
    "admins_only": ("只有管理员可以使用此页。", "Administrators only."),
    "users_help": ("用户的增加、重置密码和停用都会写入审计日志。命令行：python -m operations users。",
                   "Every change is written to the audit log. Command line: python -m operations users."),
    "when_local": ("时间（北京时间）", "When (China time)"),
    "who": ("谁", "Who"),
    "what": ("做了什么", "What"),
    "target": ("对象", "Target"),
    "detail": ("说明", "Detail"),
    "from_address": ("来自地址", "From"),
    "audit_count": ("共 {n:,} 条", "{n:,} entries"),
    "page_audit": ("审计日志", "Audit log"),
    "login_needed": ("请先登录。本系统含居民个人信息，仅限工作需要使用。",
                     "Please log in. This system holds residents' personal data: use it only as your work needs."),
    "login": ("登录", "Log in"),
    "logout": ("退出登录", "Log out"),
    "change_password": ("修改密码", "Change password"),
    "signed_in_as": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "grids_of": ("负责网格：{grids}", "Grids: {grids}"),
    "page": ("页", "Page"),
    "quality_rows_shown": ("第 {first:,}–{last:,} 行，共 {total:,} 行（{pages:,} 页）",
                           "Rows {first:,}–{last:,} of {total:,} ({pages:,} pages)"),
    "quality_export_limit": ("一次最多导出 {limit:,} 行：请先选择表或问题。",
                             "At most {limit:,} rows per export: choose a table or a problem first."),
    "last_build_failed": ("最近一次重建（{when}）失败，这里显示的是上次成功构建的数据。原因：",
                          "The last rebuild ({when}) failed: this is the last good build. Why:"),
    "too_few_to_colour": ("户数太少，不着色", "Too few households to colour"),
    "meeting_place_only": ("会议模式只按网格和小区筛选：颜色、人群、年龄段的筛选可能认出具体住户。",
                           "Meeting mode filters by grid and compound only: colour, group and age filters could "
                           "single out a household."),
    "meeting_too_few": ("所选范围少于 {n} 户：会议模式不显示数字，以免认出具体住户。",
                        "Fewer than {n} households in this view: meeting mode shows no figures."),
    "screen_rounded": ("大屏：数字按 5 取整，0–4 显示为 <5；新数据到达后自动更新。",
                       "Screen: figures rounded to 5, 0–4 shown as <5; updates itself when new data arrives."),
    "meeting_rounded": ("会议模式：数字按 5 取整，0–4 显示为 <5。",
                        "Meeting mode: figures rounded to 5; 0–4 shown as <5."),
    "page_imports": ("导入诉求工单", "Import reports"),
    "imports_help": ("导入“码上提泉心办”小程序后台导出的诉求工单（xlsx、xls 或 csv）。可重复导入：已导入且未变的"
                     "工单不变，状态有变化的会更新并记入工单历史；系统中已由工作人员处理过的工单不会被覆盖。"
                     "每次导入都写入审计日志。命令行：python -m operations import-reports 文件",
                     "Import the mini-program's reports export (xlsx, xls or csv). Safe to repeat: unchanged reports "
                     "stay as they are, changed statuses are updated and written to each report's history; reports "
                     "the office has handled since are never overwritten. Every import is logged. Command line: "
                     "python -m operations import-reports FILE"),
    "import_file": ("导出文件", "Export file"),
    "import_button": ("导入", "Import"),
    "importing": ("正在导入 {name} …", "Importing {name} …"),
    "import_choose": ("请先选择导出文件。", "Choose the export file first."),
    "import_failed": ("无法导入：", "Cannot import:"),
    "import_done": ("已导入 {name}。", "{name} imported."),
    "import_rows": ("总行数", "Rows"),
    "import_added": ("新增", "Added"),
    "import_updated": ("更新", "Updated"),
    "import_unchanged": ("未变", "Unchanged"),
    "import_kept": ("系统中已处理，未覆盖", "Kept (handled live)"),
    "import_rejected": ("未导入", "Not imported"),
    "import_no_problems": ("没有发现问题。", "No problems found."),
    "import_problems": ("问题与提示（按行号修改导出文件或小程序中的工单后重新导入）",
                        "Problems and notices (fix the rows, then import again)"),
    "import_export_problems": ("导出问题清单 Excel", "Export the problem list to Excel"),
    "sev_notice": ("提示", "Notice"),
    "grid_measure_note": ("会议模式按网格着色（{unit}），不显示单栋楼的数字。",
                          "Meeting mode colours grids ({unit}); no figures per building."),
    # the report queue and visits (live side)
    "page_my_queue": ("我的工单", "My reports"),
    "page_queue": ("诉求工单", "Reports"),
    "page_visits": ("走访", "Visits"),
    "queue_done": ("工单 {number} 已更新为“{step}”。", "Report {number} is now: {step}."),
    "place_on_map": ("地图上选定的位置", "a place chosen on the map"),
    "submitted_at": ("提交", "submitted"),
    "due": ("时限", "due"),
    "assignee": ("接单人", "taken by"),
    "contact": ("联系方式", "Contact"),
    "photo": ("照片", "Photo"),
    "photos_n": ("照片（{n} 张：居民上传和处理后）", "Photos ({n}: the resident's and after the work)"),
    "contact_for_worker": ("已留联系方式（仅本网格网格员可见）", "left a contact (seen by the grid's worker only)"),
    "maybe_duplicate": ("可能与这些工单重复：{numbers}", "Possibly the same as: {numbers}"),
    "history": ("处理记录", "History"),
    "when": ("时间", "When"),
    "step": ("步骤", "Step"),
    "note": ("说明", "Note"),
    "note_help": ("添加进展、处理反馈、退回、撤销时必填；其他操作可不填。",
                  "Needed for progress, resolve, send back and cancel; optional otherwise."),
    "duplicate_of": ("重复的工单编号", "Report it repeats (number)"),
    "transfer_to": ("转给哪个单位", "Transfer to (agency)"),
    "photo_optional": ("处理后照片（可选）", "Photo after the work (optional)"),
    "queue_states": ("只看这些进度", "Only these steps"),
    "queue_summary": ("共 {n} 件未办结，其中超时 {late} 件（超时的排在最前）。",
                      "{n} open, {late} overdue (overdue first)."),
    "to_visits": ("走访清单与登记 →", "Visit list and log →"),
    "queue_empty": ("没有待办工单。", "No open reports."),
    "queue_map_only": ("地图上的“未办结诉求”还包括小程序导出文件中的 {n} 件："
                       "管理员在“导入诉求工单”导入后，即可在这里处理。",
                       "The map also counts {n} open report(s) from the mini-program's export: once an "
                       "administrator imports the export, they are handled here."),
    "queue_more": ("还有 {n} 件未显示：请按进度筛选。", "{n} more not shown: filter by step."),
    "visits_summary": ("您负责 {n} 户，其中 {due} 户走访逾期（排在最前）。",
                       "{n} households, {due} overdue for a visit (listed first)."),
    "log_visit": ("登记走访", "Log a visit"),
    "choose_household": ("请选择住户", "Choose the household"),
    "visit_date": ("走访日期", "Date"),
    "visit_way": ("方式", "Way"),
    "needs_found": ("发现的需求（每项会登记为一条需求）", "Needs found (each becomes a need)"),
    "none": ("无", "None"),
    "needs_detail": ("需求说明", "About the needs"),
    "visit_logged": ("已登记：{household} 的最近走访已更新，发现需求 {n} 项。",
                     "Logged: {household}'s last visit is updated; {n} need(s) recorded."),
    "visit_list": ("走访逾期的住户", "Households overdue for a visit"),
    "visit_interval": ("走访周期（天）", "Interval (days)"),
    "visits_this_month": ("本月已登记走访 {n} 次。", "{n} visits logged this month."),
    "never_visited": ("从未走访", "never visited"),
    "report_overdue": ("已超时", "Overdue"),
    # 网格擂台比武
    "page_competition": ("网格擂台比武", "Grid competition"),
    "meeting_pack": ("网格例会材料", "Meeting pack"),
    "meeting_pack_help": ("每个网格一份 A4 PDF：网格地图、各项数字、未办结和超时事项、本月擂台得分与构成、本月变化；"
                          "不含姓名、电话、身份证号和门牌。",
                          "One A4 PDF per grid: its map, figures, open and overdue items, the month's score with "
                          "its breakdown, the month's changes; no names, phones, ID numbers or rooms."),
    "meeting_pack_one": ("下载 {name} 例会材料（PDF）", "Download {name}'s pack (PDF)"),
    "meeting_pack_all": ("下载全部网格（ZIP）", "Download every grid (ZIP)"),
    "month": ("月份", "Month"),
    "rank": ("名次", "Rank"),
    "score": ("得分", "Score"),
    "vs_last_month": ("较上月", "vs last month"),
    "mean_rating": ("满意度（1–5）", "Satisfaction (1–5)"),
    "activity_short": ("工作量", "Work"),
    "too_few_cases": ("样本不足", "too few"),
    "too_few_cases_community": ("样本不足，按全社区计", "too few: community's value"),
    "part": ("评分项", "Part"),
    "value": ("数值", "Value"),
    "weight": ("权重", "Weight"),
    "points": ("得分", "Points"),
    "competition_empty": ("还没有网格。", "No grids yet."),
    "competition_help": ("主要看解决问题和居民满意：办结率、按时办结率、满意度、评价率权重最大；工作量按每百户比较。"
                         "权重见 operations/rules/competition.toml。",
                         "Mainly problems solved and satisfaction; work is compared per 100 households. "
                         "Weights: operations/rules/competition.toml."),
    "best_improved": ("进步最大：{name}（{points} 分）", "Most improved: {name} ({points} points)"),
    "why_this_score": ("得分构成", "Why this score"),
    "aspects_per_100": ("12 项工作（每百户）", "The 12 aspects (per 100 households)"),
    "handled_by": ("处理人", "By"),
}

# columns the build adds to the office's tables (titles distinct from the office's own headers)
DERIVED_COLUMNS: dict[str, tuple[str, str]] = {
    "building_id": ("所在楼栋", "Building"), "grid_id": ("所属网格", "Grid"),
    "compound_id": ("所属小区", "Compound (placed)"),
    "flag": ("颜色", "Colour"), "flag_reasons": ("原因", "Reasons"), "age": ("年龄", "Age"),
    "visit_interval_days": ("走访周期（天）", "Visit interval (days)"), "visit_overdue": ("走访逾期", "Visit overdue"),
    "last_visit": ("最近走访", "Last visit"),
    "placed_by": ("定位方式", "Placed by"), "household_id": ("户编号", "Household ID"),
    "overdue": ("超时", "Overdue"),
}


def column_title(table_key: str, column: str, lang: str = "zh") -> str:
    """A column's title in a table view: the office's header (its English label), or that of a column the build adds.

    Never the internal key: a column neither in the schema nor in
    :data:`DERIVED_COLUMNS` is a bug that ``tests/dashboard`` catches.
    """
    table = all_tables().get(table_key)
    if table is not None:
        for col in table.columns:
            if col.key == column:
                return col.header if lang == "zh" else col.label_en
    zh, en = DERIVED_COLUMNS.get(column, (column, column))
    return en if lang == "en" else zh


def one_language(text: object, lang: str = "zh") -> str:
    """The side of a stored "中文 / English" text for ``lang``; a text without " / " is shown whole.

    Quality-report texts are written once in both languages, separated by
    exactly one " / "; a page shows one language.
    """
    if not isinstance(text, str):
        return ""
    zh, sep, en = text.partition(" / ")
    if not sep:
        return text
    return en.strip() if lang == "en" else zh.strip()


TABLES_EN = {"residents": "Residents", "households": "Households", "elderly": "Elderly care",
             "special_groups": "Special groups", "needs": "Needs", "party_volunteers": "Party members and volunteers",
             "hazards": "Hazards", "grid_work": "Grid work", "facilities": "Partner units and facilities"}

_GROUPS_EN = {"aged_80_plus": "Aged 80+", "living_alone": "Living alone", "empty_nest": "Empty nest",
              "disabled": "Disabled (失能)", "dibao": "Minimum income (低保)", "disability": "Disability",
              "child_in_distress": "Children in distress", "special_hardship": "Extreme hardship (特困)",
              "party_member": "Party-member household"}


def table_name(name: str, lang: str = "zh") -> str:
    """A table's name for ``lang`` from its English key or Chinese name (as stored in the quality layer)."""
    table = lookup_table(name)
    if table is None:
        return name
    return table.name_zh if lang == "zh" else TABLES_EN.get(table.key, table.name_en)


_FLAGS = {"red": ("红色户", "Red"), "yellow": ("黄色户", "Yellow"), "blue": ("蓝色户", "Blue")}


def flag_label(flag: object, lang: str = "zh") -> str:
    """A household colour as a table cell shows it: 红色户 / Red; blank when there is none."""
    pair = _FLAGS.get(flag) if isinstance(flag, str) else None
    return "" if pair is None else pair[1 if lang == "en" else 0]


def group_label(key: str, lang: str = "zh") -> str:
    """The label of a filter group (see ``pipelines.selection.GROUPS``)."""
    return _GROUPS_EN.get(key, key) if lang == "en" else GROUPS.get(key, key)


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
