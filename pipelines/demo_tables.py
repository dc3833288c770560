"""The care, needs, party, hazard, work, resource and report tables of the demo.

Each function takes the already generated community (buildings, households,
residents as English-keyed frames) and returns one table as an English-keyed
frame.  Rates follow an old community of retired cadres: many elderly, a few
percent disabled, a handful of 特困 and 困境儿童.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from pipelines.demo_people import synthetic_name, synthetic_phone
from pipelines.schema import ASPECTS

__all__ = ["elderly_table", "special_groups_table", "needs_table", "party_table",
           "hazards_table", "grid_work_table", "resources_table", "reports_table"]

CONDITIONS = ["高血压", "糖尿病", "冠心病", "慢阻肺", "关节炎", "脑梗后遗症", "骨质疏松"]


def _days_ago(rng: np.random.Generator, reference: date, low: int, high: int) -> date:
    return reference - timedelta(days=int(rng.integers(low, high)))


def elderly_table(rng: np.random.Generator, residents: pd.DataFrame, ages: pd.Series,
                  reference: date) -> pd.DataFrame:
    """表3: one row per resident aged 60+, care details and last visit."""
    old = residents[ages >= 60]
    rows = []
    for pid, age in zip(old["person_id"], ages[ages >= 60], strict=True):
        frail = min(0.02 + max(age - 70, 0) * 0.006, 0.25)
        care = rng.choice(["自理", "半失能", "失能"], p=[1 - frail * 1.6, frail, frail * 0.6])
        conditions = rng.choice(CONDITIONS, size=int(rng.integers(0, 3)), replace=False)
        rows.append({
            "person_id": pid,
            "self_care": str(care),
            "dementia": "是" if rng.random() < (0.06 if age >= 80 else 0.008) else "否",
            "chronic_conditions": "、".join(conditions),
            "emergency_contact": synthetic_name(rng),
            "emergency_phone": synthetic_phone(rng),
            "family_doctor": "是" if rng.random() < 0.62 else "否",
            "last_visit": _days_ago(rng, reference, 0, 75) if rng.random() < 0.9 else None,
        })
    return pd.DataFrame(rows)


_GROUP_PLAN = [
    # category, how many, who qualifies (age range), levels
    ("残疾人", 118, (5, 95), ("一级", "二级", "三级", "四级")),
    ("低保", 42, (30, 90), ()),
    ("特困", 9, (62, 92), ()),
    ("优抚对象", 18, (70, 95), ()),
    ("困境儿童", 7, (3, 16), ()),
    ("留守儿童", 9, (3, 14), ()),
    ("重病患者", 22, (35, 85), ()),
    ("计生特殊家庭", 9, (60, 80), ()),
]
_SUPPORT = {"残疾人": "辅具适配、康复指导", "低保": "低保金发放、节日慰问", "特困": "集中供养意愿评估、每周探访",
            "优抚对象": "优待金发放、节日走访", "困境儿童": "儿童主任结对、课后托管",
            "留守儿童": "红色四点半课堂", "重病患者": "大病救助申请、家庭医生随访",
            "计生特殊家庭": "心理慰藉、双岗联系人"}


def special_groups_table(rng: np.random.Generator, residents: pd.DataFrame, ages: pd.Series,
                         household_size: pd.Series, reference: date) -> pd.DataFrame:
    """表4: one row per person and category."""
    rows = []
    for category, count, (lo, hi), levels in _GROUP_PLAN:
        pool = residents[(ages >= lo) & (ages <= hi)]
        if category == "特困":  # people with no one to support them: living alone
            pool = pool[household_size.loc[pool.index] == 1]
        if category == "低保":
            pool = pool[pool["relation"] == "户主"]
        picked = pool.iloc[rng.choice(len(pool), size=count, replace=False)]
        for pid in picked["person_id"]:
            rows.append({
                "person_id": pid,
                "category": category,
                "level": str(rng.choice(levels)) if levels else None,
                "support": _SUPPORT[category],
                "last_visit": _days_ago(rng, reference, 0, 60) if rng.random() < 0.92 else None,
            })
    return pd.DataFrame(rows)


_NEED_TEXT = {"助餐": "需要老年助餐送餐上门", "助医": "需要陪同就医、代开药", "助洁": "需要上门保洁",
              "助浴": "需要助浴服务", "维修": "屋内水管漏水需维修", "就业": "子女求职需要推荐岗位",
              "法律": "赡养纠纷需要法律咨询", "心理": "独居情绪低落需要心理疏导", "托管": "寒暑假孩子无人照看",
              "其他": "咨询适老化改造补贴"}


def needs_table(rng: np.random.Generator, households: pd.DataFrame, reference: date) -> pd.DataFrame:
    """表5: needs over the last 12 months; old needs are mostly closed."""
    n = 610
    picked = households["household_id"].to_numpy()[rng.choice(len(households), size=n)]
    types = list(_NEED_TEXT)
    rows = []
    for k, hh in enumerate(picked):
        age_days = int(rng.integers(0, 365))
        registered = reference - timedelta(days=age_days)
        open_p = 0.4 if age_days <= 30 else (0.2 if age_days <= 90 else 0.03)
        status = "已办结" if rng.random() >= open_p else str(rng.choice(["待办", "办理中"]))
        closed = registered + timedelta(days=int(rng.integers(1, 25))) if status == "已办结" else None
        if closed is not None and closed > reference:
            closed = reference
        need_type = str(rng.choice(types, p=[0.2, 0.16, 0.1, 0.05, 0.18, 0.05, 0.05, 0.04, 0.07, 0.1]))
        rows.append({
            "need_id": f"XQ{registered:%Y%m}{k + 1:04d}",
            "household_id": hh,
            "need_type": need_type,
            "description": _NEED_TEXT[need_type],
            "registered_on": registered,
            "status": status,
            "closed_on": closed,
            "resource": str(rng.choice(["医养驿站", "社区食堂", "志愿服务队", "双报到单位", "物业", ""])),
        })
    return pd.DataFrame(rows)


def party_table(rng: np.random.Generator, residents: pd.DataFrame, ages: pd.Series,
                buildings: pd.DataFrame, grid_names: dict[str, str],
                person_building: pd.Series) -> pd.DataFrame:
    """表6: party members and volunteers, with the 21 volunteer leaders."""
    members = residents[residents["political_status"].isin(["中共党员", "预备党员"])]
    volunteers = residents[(residents["political_status"] == "群众") & (ages >= 18) & (ages <= 75)]
    volunteers = volunteers.iloc[rng.choice(len(volunteers), size=160, replace=False)]
    rows = []
    for frame, base_role in ((members, "党员"), (volunteers, "志愿者")):
        for pid in frame["person_id"]:
            building = person_building[pid]
            grid = buildings.loc[building, "grid_id"]
            number = buildings.loc[building, "number"]
            role = "党员志愿者" if base_role == "党员" and rng.random() < 0.45 else base_role
            unit = (f"{grid_names[grid]}党支部" if rng.random() < 0.4 else f"{number}号楼党小组") \
                if base_role == "党员" else ""
            rows.append({"person_id": pid, "role": role, "party_unit": unit, "central_household": "否",
                         "duty": "无", "linked_households": None,
                         "volunteer_hours": round(float(rng.gamma(2.0, 12.0)), 1) if role != "党员" else None})
    table = pd.DataFrame(rows)
    retired = table.index[(table["role"] != "志愿者")
                          & ages.reindex(residents.index).set_axis(residents["person_id"])
                          .reindex(table["person_id"]).between(55, 78).to_numpy()]
    chosen = rng.choice(retired, size=21 + 40, replace=False)
    duties = ["网格长"] * 2 + ["楼长"] * 12 + ["单元长"] * 7
    for idx, duty in zip(chosen[:21], duties, strict=True):
        table.loc[idx, "duty"] = duty
        table.loc[idx, "linked_households"] = int(rng.integers(12, 45))
    for idx in chosen[21:]:
        table.loc[idx, "central_household"] = "是"
        table.loc[idx, "linked_households"] = int(rng.integers(5, 11))
    return table


_HAZARD_TYPES = ["消防通道堵塞", "电动车违规充电", "燃气", "电线老化", "高空坠物", "房屋结构", "其他"]


def hazards_table(rng: np.random.Generator, buildings: pd.DataFrame, households: pd.DataFrame,
                  reference: date) -> pd.DataFrame:
    """表7: 150 hazards in 12 months, two unresolved 重大 ones at a flat."""
    rows = []
    weights = np.where(buildings["property_manager"] == "", 3.0, 1.0)
    picked = rng.choice(len(buildings), size=150, p=weights / weights.sum())
    for k, b in enumerate(picked):
        bld = buildings.iloc[int(b)]
        age_days = int(rng.integers(0, 365))
        found = reference - timedelta(days=age_days)
        level = str(rng.choice(["重大", "较大", "一般"], p=[0.04, 0.21, 0.75]))
        done_p = 0.5 if age_days < 14 else 0.95
        status = "已整改" if rng.random() < done_p else str(rng.choice(["未整改", "整改中"]))
        if level == "重大":
            status = "已整改"
        form = rng.random()
        location = (bld.name if form < 0.4 else f"{bld['compound_name']}{bld['number']}号楼")
        rows.append({
            "hazard_id": f"YH{found:%Y%m%d}{k + 1:03d}",
            "location": location,
            "lon": round(float(bld["lon"] + rng.normal(0, 0.00008)), 6) if form < 0.8 else None,
            "lat": round(float(bld["lat"] + rng.normal(0, 0.00006)), 6) if form < 0.8 else None,
            "hazard_type": str(rng.choice(_HAZARD_TYPES, p=[0.24, 0.3, 0.08, 0.16, 0.08, 0.04, 0.1])),
            "level": level,
            "found_on": found,
            "deadline": found + timedelta(days=7 if level != "一般" else 15),
            "status": status,
            "source": str(rng.choice(["巡查", "视频监控", "智慧消防", "居民上报"], p=[0.45, 0.2, 0.15, 0.2])),
        })
    for k, hh in enumerate(households.sample(2, random_state=int(rng.integers(1 << 30))).itertuples()):
        found = reference - timedelta(days=3 + k * 4)
        rows.append({"hazard_id": f"YH{found:%Y%m%d}9{k + 1:02d}", "location": hh.full_address,
                     "lon": None, "lat": None, "hazard_type": ["燃气", "房屋结构"][k], "level": "重大",
                     "found_on": found, "deadline": found + timedelta(days=3), "status": "整改中",
                     "source": "巡查"})
    return pd.DataFrame(rows).sort_values("found_on", kind="stable").reset_index(drop=True)


_ASPECT_RATE = dict(zip(ASPECTS, (10, 4, 3, 6, 5, 2, 4, 1, 2, 2, 3, 3), strict=True))


def grid_work_table(rng: np.random.Generator, grids: pd.DataFrame, reference: date) -> pd.DataFrame:
    """表8: 12 months of grid work on the 12 aspects; grids differ in diligence."""
    rows = []
    start = reference - timedelta(days=364)
    for grid in grids.itertuples():
        diligence = float(rng.uniform(0.7, 1.3))
        workers = grid.workers.split("、")
        for aspect, rate in _ASPECT_RATE.items():
            n = int(rng.poisson(rate * 12 * diligence / 2))
            for day in np.sort(rng.integers(0, 365, size=n)):
                rows.append({"date": start + timedelta(days=int(day)), "grid": grid.grid_id
                             if rng.random() < 0.7 else grid.name, "worker": str(rng.choice(workers)),
                             "aspect": aspect, "count": int(rng.integers(1, 9)), "note": ""})
    return pd.DataFrame(rows).sort_values(["date", "grid"], kind="stable").reset_index(drop=True)


def resources_table(rng: np.random.Generator, facility_points: list[dict[str, object]]) -> pd.DataFrame:
    """表9: partner units and facilities from the laid-out points."""
    rows = []
    for point in facility_points:
        rows.append({"name": point["name"], "kind": point["kind"], "address": point["address"],
                     "lon": point["lon"], "lat": point["lat"],
                     "contact": synthetic_name(rng) if point["kind"] not in ("监控点", "消防设施") else "",
                     "phone": synthetic_phone(rng, landline_share=0.6)
                     if point["kind"] not in ("监控点", "消防设施") else "",
                     "services": point.get("services", "")})
    return pd.DataFrame(rows)


_REPORT_TEXT = {
    "环境卫生": ["楼道堆放杂物无人清理", "垃圾桶满溢，气味很大", "绿化带有积水蚊虫多"],
    "物业维修": ["楼道灯坏了好几天", "单元门禁坏了", "屋顶漏水", "下水道堵塞反味"],
    "安全隐患": ["有人在楼道给电动车充电", "消防通道被车辆堵住", "外墙瓷砖松动"],
    "邻里纠纷": ["楼上漏水到我家协商不成", "邻居占用公共区域"],
    "设施损坏": ["健身器材损坏", "小区路面破损", "路灯不亮"],
    "停车交通": ["夜市周边车辆乱停", "路口拥堵", "电动车乱停放挡路"],
    "噪音扰民": ["夜市烧烤摊营业到凌晨很吵", "广场舞音响声音太大", "装修噪音"],
    "养老服务": ["想报名医养大集体检", "咨询助餐服务", "需要上门理发"],
    "其他": ["咨询政策", "建议增加休息座椅"],
}


def _report_times(rng: np.random.Generator, n: int, reference: date) -> list[datetime]:
    """Submission times over 12 months, more in summer evenings and winter."""
    end = datetime(reference.year, reference.month, reference.day)
    days = rng.integers(0, 365, size=n * 2)
    month = np.array([(end - timedelta(days=int(d))).month for d in days])
    keep_p = np.where(np.isin(month, [6, 7, 8, 12, 1]), 1.0, 0.65)
    days = days[rng.random(len(days)) < keep_p][:n]
    hourly = np.array([1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 7, 6, 5, 6, 6, 6, 6, 6, 7, 8, 8, 7, 4, 2], dtype=float)
    hours = rng.choice(np.arange(24), size=n, p=hourly / hourly.sum())
    return sorted(end - timedelta(days=int(d) + 1) + timedelta(hours=int(h), minutes=int(m))
                  for d, h, m in zip(days, hours, rng.integers(0, 60, size=n), strict=True))


def reports_table(rng: np.random.Generator, buildings: pd.DataFrame, night_market: list[tuple[float, float]],
                  worker_of_grid: dict[str, str], reference: date) -> pd.DataFrame:
    """Resident reports as the mini-program exports them, clustered at trouble spots."""
    n = 2600
    times = _report_times(rng, n, reference)
    weights = np.where(buildings["property_manager"] == "", 4.0, 1.0)
    weights = weights / weights.sum()
    end = datetime(reference.year, reference.month, reference.day)
    rows = []
    for k, submitted in enumerate(times):
        at_market = rng.random() < 0.2
        if at_market:
            a, b = night_market
            t = float(rng.random())
            lon = a[0] + t * (b[0] - a[0]) + rng.normal(0, 0.00015)
            lat = a[1] + t * (b[1] - a[1]) + rng.normal(0, 0.00012)
            category = str(rng.choice(["噪音扰民", "停车交通", "环境卫生"], p=[0.45, 0.35, 0.2]))
            address, grid = "滨河夜市街区", str(buildings["grid_id"].iloc[0])
            nearest = ((buildings["lon"] - lon) ** 2 + (buildings["lat"] - lat) ** 2).idxmin()
            grid = str(buildings.loc[nearest, "grid_id"])
        else:
            bld = buildings.iloc[int(rng.choice(len(buildings), p=weights))]
            lon = bld["lon"] + rng.normal(0, 0.00012)
            lat = bld["lat"] + rng.normal(0, 0.0001)
            category = str(rng.choice(list(_REPORT_TEXT),
                                      p=[0.22, 0.26, 0.1, 0.07, 0.1, 0.06, 0.05, 0.08, 0.06]))
            address, grid = f"{bld['compound_name']}{bld['number']}号楼", str(bld["grid_id"])
        text = str(rng.choice(_REPORT_TEXT[category]))
        if rng.random() < 0.04:
            text += f"，联系人{synthetic_name(rng)}，电话{synthetic_phone(rng)}"
        hours = float(rng.lognormal(np.log(30), 0.9))
        closed: datetime | None = submitted + timedelta(hours=hours)
        if closed is not None and closed <= end and rng.random() < 0.97:
            status = "已评价" if rng.random() < 0.7 else "已办结"
        else:
            closed = None
            status = str(rng.choice(["待受理", "已受理", "处理中"], p=[0.2, 0.3, 0.5]))
        rows.append({
            "report_id": f"GD{submitted:%Y%m%d}{k + 1:05d}",
            "submitted_at": submitted, "category": category, "description": text, "address": address,
            "lon": round(float(lon), 6), "lat": round(float(lat), 6), "status": status,
            "worker": worker_of_grid[grid] if status != "待受理" else "", "closed_at": closed,
            "satisfaction": int(rng.choice([1, 2, 3, 4, 5], p=[0.03, 0.04, 0.1, 0.28, 0.55]))
            if status == "已评价" else None,
            "channel": str(rng.choice(["小程序", "电话", "网格员巡查", "12345热线"], p=[0.62, 0.12, 0.18, 0.08])),
        })
    return pd.DataFrame(rows)
