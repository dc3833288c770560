"""Small generated communities for tests: any subset of the nine tables, real office files.

Not the demo: two grids, three compounds, six buildings and twenty households
near Tai'an, written as a community office writes them (xlsx with a title row,
Chinese headers; one GB18030 CSV), so tests can try what the demo never shows:
only the required tables, renamed headers, hostile text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from pipelines.office_files import write_csv, write_office_xlsx
from pipelines.schema import REPORTS, TABLES

__all__ = ["OPTIONAL", "REQUIRED", "community_frames", "write_community", "write_layers"]

REQUIRED = ("residents", "households")
OPTIONAL = ("elderly", "special_groups", "needs", "party_volunteers", "hazards", "grid_work", "resources", "reports")
REFERENCE = "2026-11-28"

_X0, _Y0 = 117.100, 36.190


def _box(dx: float, dy: float, w: float, h: float):  # type: ignore[no-untyped-def]
    return box(_X0 + dx, _Y0 + dy, _X0 + dx + w, _Y0 + dy + h)


def write_layers(folder: Path) -> None:
    """Grids, compounds and buildings as GeoJSON with Chinese headers."""
    grids = gpd.GeoDataFrame({"网格编号": ["G1", "G2"], "网格名称": ["第一网格", "第二网格"],
                              "网格长": ["刘备", "关羽"]},
                             geometry=[_box(0, 0, 0.010, 0.010), _box(0.010, 0, 0.010, 0.010)], crs="EPSG:4326")
    compounds = gpd.GeoDataFrame({"小区编号": ["C1", "C2", "C3"], "小区名称": ["岱宗花园", "青山小区", "学苑小区"],
                                  "别名": ["岱宗", "", ""], "物业": ["", "泰山物业", ""]},
                                 geometry=[_box(0.001, 0.001, 0.008, 0.008), _box(0.011, 0.001, 0.004, 0.008),
                                           _box(0.016, 0.001, 0.003, 0.008)], crs="EPSG:4326")
    footprints = {"C1-1": (0.002, 0.002), "C1-2": (0.005, 0.005), "C2-1": (0.012, 0.002), "C2-2": (0.012, 0.006),
                  "C3-1": (0.0165, 0.002), "C3-2": (0.0165, 0.006)}
    buildings = gpd.GeoDataFrame({"楼栋编码": list(footprints), "小区编号": [k[:2] for k in footprints],
                                  "楼号": [k[-1] for k in footprints], "层数": [6] * 6, "单元数": [2] * 6},
                                 geometry=[_box(dx, dy, 0.0012, 0.0006) for dx, dy in footprints.values()],
                                 crs="EPSG:4326")
    for name, frame in (("grids", grids), ("compounds", compounds), ("buildings", buildings)):
        frame.to_file(folder / f"{name}.geojson", driver="GeoJSON")


def community_frames() -> dict[str, pd.DataFrame]:
    """Every table of the small community, keyed by English key, with English column keys."""
    buildings = ["C1-1", "C1-2", "C2-1", "C2-2", "C3-1", "C3-2"]
    households, residents = [], []
    person = 0
    for i in range(20):
        hid = f"H{i + 1:02d}"
        building = buildings[i % 6]
        compound = {"C1": "岱宗花园", "C2": "青山小区", "C3": "学苑小区"}[building[:2]]
        unit, room = 1 + i % 2, 101 + (i // 6) * 100 + i % 2
        row = {"household_id": hid, "address": "", "compound": "", "building_number": "", "unit": str(unit),
               "room": str(room), "building_id": "", "tenure": "自有", "living_arrangement": ""}
        if i % 3 == 0:
            row["address"] = f"{compound}{building[-1]}号楼{unit}单元{room}"
        elif i % 3 == 1:
            row.update(compound=compound, building_number=f"{building[-1]}号楼")
        else:
            row["building_id"] = building
        households.append(row)
        size = 1 + i % 3
        for m in range(size):
            person += 1
            old = i % 4 == 0
            year = (1940 if old else 1975) + m * 25 if m else (1940 if old else 1975)
            residents.append({
                "person_id": f"P{person:03d}", "name": _NAMES[person % len(_NAMES)],
                "sex": "男" if person % 2 else "女",
                "birth_date": f"{min(year, 2015)}-0{1 + person % 9}-1{person % 9}", "id_number": "",
                "phone": f"1380538{person:04d}", "household_id": hid, "relation": "户主" if m == 0 else "子女",
                "residence_type": "户籍", "political_status": "中共党员" if person % 5 == 0 else "群众"})
    frames = {"households": pd.DataFrame(households), "residents": pd.DataFrame(residents)}
    frames.update(_optional_frames(frames["residents"]))
    return frames


_NAMES = ["王建国", "李秀英", "张伟", "刘芳", "陈静", "杨洋", "赵磊", "黄敏", "周杰", "吴霞", "徐明", "孙丽"]


def _optional_frames(residents: pd.DataFrame) -> dict[str, pd.DataFrame]:
    old = residents[residents["birth_date"].str[:4].astype(int) <= 1966]
    first = residents["person_id"].iloc[:4].tolist()
    return {
        "elderly": pd.DataFrame({"person_id": old["person_id"],
                                 "self_care": [("失能", "半失能", "自理")[i % 3] for i in range(len(old))],
                                 "dementia": "否", "family_doctor": "是", "last_visit": "2026-11-01"}),
        "special_groups": pd.DataFrame({"person_id": first[:3], "category": ["低保", "残疾人", "特困"],
                                        "level": ["", "二级", ""], "support": ["", "", ""],
                                        "last_visit": ["2026-10-20", "", "2026-11-20"]}),
        "needs": pd.DataFrame({"need_id": ["N1", "N2", "N3"], "household_id": ["H01", "H05", "H09"],
                               "need_type": ["助餐", "维修", "助医"], "description": ["", "", ""],
                               "registered_on": ["2026-09-01", "2026-11-20", "2026-11-25"],
                               "status": ["待办", "办理中", "已办结"], "closed_on": ["", "", "2026-11-26"],
                               "resource": ["", "", ""]}),
        "party_volunteers": pd.DataFrame({"person_id": first[:2], "role": ["党员", "志愿者"],
                                          "party_unit": ["第一网格党支部", ""], "central_household": ["是", "否"],
                                          "duty": ["楼长", "无"], "linked_households": ["10", ""],
                                          "volunteer_hours": ["12.5", "3"]}),
        "hazards": pd.DataFrame({"hazard_id": ["Z1", "Z2", "Z3"], "location": ["C1-1", "青山小区1号楼", ""],
                                 "lon": ["", "", str(_X0 + 0.0166)], "lat": ["", "", str(_Y0 + 0.0063)],
                                 "hazard_type": ["电动车违规充电", "消防通道堵塞", "电线老化"],
                                 "level": ["一般", "较大", "重大"],
                                 "found_on": ["2026-10-01", "2026-11-02", "2026-11-20"],
                                 "deadline": ["2026-12-01", "", ""], "status": ["未整改", "整改中", "已整改"],
                                 "source": ["巡查", "居民上报", "智慧消防"]}),
        "grid_work": pd.DataFrame({"date": ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"],
                                   "grid": ["G1", "第一网格", "第2网格", "G2"], "worker": ["网格员甲"] * 4,
                                   "aspect": ["入户走访", "发现安全隐患", "收集居民诉求", "政策宣传"],
                                   "count": ["5", "1", "2", "3"], "note": ["", "", "", ""]}),
        "resources": pd.DataFrame({"name": ["社区医养驿站", "应急服务站"], "kind": ["医养驿站", "应急服务站"],
                                   "address": ["", ""], "lon": [str(_X0 + 0.004), str(_X0 + 0.013)],
                                   "lat": [str(_Y0 + 0.009), str(_Y0 + 0.009)], "contact": ["", ""],
                                   "phone": ["0538-8221234", ""], "services": ["", ""]}),
        "reports": pd.DataFrame({"report_id": ["R1", "R2", "R3", "R4"],
                                 "submitted_at": ["2026-11-01 09:00", "2026-11-05 10:30", "2026-11-10 08:00",
                                                  "2026-11-20 18:00"],
                                 "category": ["环境卫生", "物业维修", "噪音扰民", "停车交通"],
                                 "description": ["", "", "", ""],
                                 "address": ["岱宗花园1号楼", "", "学苑小区2号楼", ""],
                                 "lon": ["", str(_X0 + 0.0125), "", str(_X0 + 0.0055)],
                                 "lat": ["", str(_Y0 + 0.0023), "", str(_Y0 + 0.0053)],
                                 "status": ["待受理", "处理中", "已办结", "已评价"], "worker": ["", "", "", ""],
                                 "closed_at": ["", "", "2026-11-12 10:00", "2026-11-21 09:00"],
                                 "satisfaction": ["", "", "", "5"], "channel": ["小程序"] * 4}),
    }


def write_community(folder: Path, tables: Iterable[str] = REQUIRED + OPTIONAL, *,
                    frames: dict[str, pd.DataFrame] | None = None, community: str = "测试社区") -> Path:
    """Write the layers, ``community.json`` and the chosen tables (Chinese headers) into ``folder``.

    ``frames`` replaces tables (English keys, e.g. with hostile text or renamed headers: a column not
    in the schema is written under its own name).  Tables are xlsx with a title row, except grid work,
    which is a GB18030 CSV as many offices export it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_layers(folder)
    (folder / "community.json").write_text(json.dumps({"reference_date": REFERENCE, "community": community},
                                                      ensure_ascii=False), encoding="utf-8")
    all_frames = {**community_frames(), **(frames or {})}
    schema = {**TABLES, REPORTS.key: REPORTS}
    for key in tables:
        table = schema[key]
        headers = {c.key: c.header for c in table.columns}
        frame = all_frames[key].rename(columns=headers)
        if key == "grid_work":
            write_csv(folder / f"{table.name_zh}.csv", frame)
        else:
            write_office_xlsx(folder / f"{table.name_zh}.xlsx", frame, title=f"测试社区{table.name_zh}")
    return folder

