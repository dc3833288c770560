"""Deterministic generator of the embedded demo community (``python -m pipelines demo``).

A synthetic community modelled on 广生泉社区 in Tai'an: 1.2 km², 10 grids,
52 compounds, 175 buildings, 3,937 households, 8,202 residents of whom
34.9 % are aged 60+ at the reference date 2026-11-28.  Files are written the
way a community office writes them (merged title rows, mixed address forms,
full-width digits, one GB18030 CSV), with a few deliberate problems that the
quality report must show; they are listed in ``sample_problems.json`` and in
``geodata/README.md``.  Nothing here describes a real person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines import demo_tables as tables
from pipelines.dates import ages_at
from pipelines.demo_geo import CommunityGeometry, Quad, layout_community
from pipelines.demo_people import make_people, resident_rows, synthetic_name
from pipelines.office_files import write_csv, write_office_xlsx
from pipelines.schema import LAYERS, REPORTS, TABLES, Table

__all__ = ["REFERENCE_DATE", "SEED", "generate", "chinese_number"]

REFERENCE_DATE = date(2026, 11, 28)
SEED = 20021128  # the community was founded in 2002
COMMUNITY = "广生泉社区"
PROBLEMS_FILE = "sample_problems.json"
META_FILE = "community.json"

COMPOUND_NAMES = [
    "广生泉小区", "泰前花园", "青年路小区", "市委宿舍", "市政府宿舍", "财政局宿舍", "税务局宿舍", "建行宿舍",
    "工行宿舍", "电业局宿舍", "邮电宿舍", "教育局宿舍", "卫生局宿舍", "公安局宿舍", "粮食局宿舍", "水利局宿舍",
    "交通局宿舍", "供销社宿舍", "烟草公司宿舍", "东岳小区", "岱宗花园", "泉心家园", "红门小区", "虎山小区",
    "王母池小区", "灵芝小区", "学苑小区", "文化路小区", "新华小区", "和平小区", "幸福苑", "长城小区",
    "泰山花园", "望岳小区", "迎胜小区", "岱庙北小区", "青山小区", "龙潭小区", "梳洗河小区", "奈河小区",
    "金山小区", "银座花园", "丰泰小区", "安居小区", "明珠花园", "锦绣苑", "阳光小区", "桃园小区",
    "柳林小区", "松柏小区", "鑫源小区", "福泉苑",
]
ALIASES = {"广生泉小区": "广生泉", "市委宿舍": "市委家属院;市委大院", "市政府宿舍": "政府宿舍;市府家属院",
           "财政局宿舍": "财政局家属院", "东岳小区": "东岳新村", "泰前花园": "泰前小区", "电业局宿舍": "供电宿舍",
           "邮电宿舍": "邮电局宿舍", "岱宗花园": "岱宗小区"}
ROADS = ["青年路", "迎胜路", "文化路", "东岳大街", "岱宗大街", "财源大街", "红门路", "虎山路", "灵山大街", "望岳路"]
PROPERTY_MANAGERS = ["泰山物业", "岱宗物业服务公司", "泉城物业", "安居物业"]
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格",
              "第六网格", "第七网格", "第八网格", "第九网格", "第十网格"]
_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals: 3 → 三, 12 → 十二, 21 → 二十一."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def full_width(text: str) -> str:
    """ASCII digits and letters to their full-width forms (as some offices type them)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@dataclass
class Community:
    """Everything generated, as English-keyed frames, before writing."""

    geometry: CommunityGeometry
    grids: pd.DataFrame
    compounds: pd.DataFrame
    buildings: pd.DataFrame
    households: pd.DataFrame
    residents: pd.DataFrame
    facilities: list[dict[str, object]]
    night_market: list[tuple[float, float]]


def _compounds_frame(rng: np.random.Generator, geo: CommunityGeometry) -> pd.DataFrame:
    rows, k = [], 0
    for g, per_grid in enumerate(geo.compounds):
        for quad in per_grid:
            name = COMPOUND_NAMES[k]
            old = "宿舍" in name or rng.random() < 0.25
            rows.append({"compound_id": f"XQ{k + 1:02d}", "name": name, "aliases": ALIASES.get(name, ""),
                         "property_manager": "" if old else str(rng.choice(PROPERTY_MANAGERS)),
                         "grid_id": f"WG{g + 1:02d}", "road": ROADS[k % len(ROADS)],
                         "road_no": int(rng.integers(1, 120)), "quad": quad})
            k += 1
    return pd.DataFrame(rows)


def _building_numbers(rng: np.random.Generator, count: int) -> list[str]:
    style = rng.random()
    if style < 0.12 and count >= 2:  # lettered blocks: A1, A2, B1 …
        return [f"{'ABCD'[i // 3]}{i % 3 + 1}" for i in range(count)]
    start = int(rng.choice([1, 1, 1, 1, 5, 10]))
    return [str(start + i) for i in range(count)]


def _buildings_frame(rng: np.random.Generator, geo: CommunityGeometry, compounds: pd.DataFrame,
                     floors: list[int]) -> pd.DataFrame:
    rows, k = [], 0
    for compound, quads in zip(compounds.itertuples(), geo.buildings, strict=True):
        for number, quad in zip(_building_numbers(rng, len(quads)), quads, strict=True):
            lon, lat = geo.lonlat(quad.at(0.5, 0.5))
            rows.append({"building_id": f"{compound.compound_id}-{number}", "compound_id": compound.compound_id,
                         "number": number, "floors": floors[k], "units": int(rng.choice([2, 3, 3, 4])),
                         "building_leader": "", "grid_id": compound.grid_id, "compound_name": compound.name,
                         "property_manager": compound.property_manager, "road": compound.road,
                         "road_no": compound.road_no, "lon": lon, "lat": lat, "quad": quad})
            k += 1
    return pd.DataFrame(rows).set_index("building_id", drop=False)


def _allocate(weights: np.ndarray, total: int, caps: np.ndarray) -> np.ndarray:
    """Integer split of ``total`` proportional to ``weights``, never above ``caps``."""
    share = weights / weights.sum() * total
    counts = np.minimum(np.floor(share).astype(int), caps)
    remainder = share - counts
    while counts.sum() < total:
        order = np.argsort(-remainder, kind="stable")
        for i in order:
            if counts.sum() == total:
                break
            if counts[i] < caps[i]:
                counts[i] += 1
        remainder = np.zeros_like(remainder)
    return counts


def _address_columns(rng: np.random.Generator, bld: pd.Series, unit: int, room: str) -> dict[str, object]:
    """One household's address as a real office table mixes the forms."""
    num, name = str(bld["number"]), str(bld["compound_name"])
    b_word = f"{num}号楼" if num.isdigit() else f"{num}栋"
    full = f"{name}{b_word}{unit}单元{room}"
    form = rng.random()
    cols: dict[str, object] = {"address": "", "compound": "", "building_number": "", "unit": "", "room": "",
                               "building_id": "", "full_address": full}
    if form < 0.25:
        cols.update(address=f"{b_word}{unit}单元{room}", building_id=bld["building_id"])
    elif form < 0.45:
        cols.update(compound=name, building_number=str(rng.choice([num, b_word])), unit=str(unit), room=room)
    elif form < 0.55:
        cols.update(compound=name, address=f"{num}-{unit}-{room}")
    elif form < 0.65 and num.isdigit():
        cols.update(address=f"{name}{chinese_number(int(num))}号楼{chinese_number(unit)}单元", room=room)
    elif form < 0.72:
        cols.update(address=full_width(full))
    elif form < 0.80:
        cols.update(address=f"泰安市泰山区泰前街道{name}{num}栋{unit}单元{room}室")
    elif form < 0.86:
        cols.update(address=f"{bld['road']}{bld['road_no']}号{name}{num}#{unit}-{room}")
    else:
        cols.update(address=full)
    return cols


def _households_frame(rng: np.random.Generator, buildings: pd.DataFrame, count: int) -> pd.DataFrame:
    caps = (buildings["units"] * buildings["floors"] * 2).to_numpy()
    per_building = _allocate(caps * rng.uniform(0.7, 1.0, size=len(caps)), count, caps)
    rows = []
    for (_, bld), n in zip(buildings.iterrows(), per_building, strict=True):
        slots = rng.choice(int(bld["units"] * bld["floors"] * 2), size=int(n), replace=False)
        for slot in np.sort(slots):
            unit, rest = divmod(int(slot), int(bld["floors"]) * 2)
            floor, door = divmod(rest, 2)
            room = f"{floor + 1}{door + 1:02d}"
            cols = _address_columns(rng, bld, unit + 1, room)
            rows.append({"building": bld["building_id"], "unit_no": unit + 1, "room_no": room, **cols})
    frame = pd.DataFrame(rows)
    frame.insert(0, "household_id", [f"HH{k + 1:05d}" for k in range(len(frame))])
    return frame


def _grids_frame(rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({
        "grid_id": [f"WG{g + 1:02d}" for g in range(10)], "name": GRID_NAMES,
        "leader": [synthetic_name(rng) for _ in range(10)],
        "workers": ["、".join(synthetic_name(rng) for _ in range(2)) for _ in range(10)],
        "party_branch": [f"{n}党支部" for n in GRID_NAMES],
    })


def _facilities(rng: np.random.Generator, geo: CommunityGeometry, buildings: pd.DataFrame
                ) -> tuple[list[dict[str, object]], list[tuple[float, float]]]:
    """Facility points and the night-market street (along the southern edge)."""
    pts = geo.lattice
    points: list[dict[str, object]] = []

    def add(name: str, kind: str, xy: tuple[float, float], address: str, services: str = "") -> None:
        lon, lat = geo.lonlat(xy)
        points.append({"name": name, "kind": kind, "lon": lon, "lat": lat, "address": address,
                       "services": services})

    centre = Quad(tuple(pts[2, 0]), tuple(pts[3, 0]), tuple(pts[3, 1]), tuple(pts[2, 1]))
    add("广生泉社区应急服务站", "应急服务站", centre.at(0.5, 0.99), "青年路社区服务中心一楼",
        "应急救援、物资储备、24小时值守")
    add("广生泉医养驿站", "医养驿站", centre.at(0.6, 0.97), "青年路社区服务中心二楼",
        "健康监测、助餐、康复理疗、医养大集")
    add("红色四点半课堂", "托管班", centre.at(0.4, 0.97), "社区党群服务中心三楼", "课后托管、书法、跑酷")
    add("社区老年大学", "老年大学", centre.at(0.3, 0.98), "社区党群服务中心四楼", "每月7日开课")
    for i in range(pts.shape[0]):
        for j in range(pts.shape[1]):
            add(f"雪亮工程{i * 3 + j + 1:02d}号点位", "监控点", tuple(pts[i, j] + rng.normal(0, 6, 2)), "路口")
    for k, bld in enumerate(buildings.sample(22, random_state=int(rng.integers(1 << 30))).itertuples()):
        add(f"{bld.compound_name}{bld.number}号楼门口摄像头", "监控点", bld.quad.at(0.5, -0.3), bld.compound_name)
        if k < 16:
            add(f"消火栓{k + 1:02d}", "消防设施", bld.quad.at(-0.05, 0.5), bld.compound_name)
    partners = ["泰安市财政局", "泰山区教育局", "国网泰安供电公司", "建设银行泰安分行", "泰山区人民医院",
                "泰安市税务局", "山东农业大学实践基地", "泰前派出所", "泰安市邮政分公司", "泰山区城管局",
                "泰安市水利局", "泰山区卫健局"]
    for k, name in enumerate(partners):
        q = geo.grids[k % 10]
        add(name, "双报到单位", q.at(float(rng.uniform(0.1, 0.9)), 0.5), ROADS[k % len(ROADS)], "结对共建、志愿服务")
    for k, name in enumerate(["梧桐树下议事会", "幸福邻里志愿服务队", "泉心调解工作室"]):
        add(name, "社会组织", geo.grids[3 + k].at(0.5, 0.5), "社区党群服务中心", "协商议事、调解、志愿服务")
    west, east = geo.grids[6].at(0.1, 0.02), geo.grids[8].at(0.9, 0.02)
    return points, [geo.lonlat(west), geo.lonlat(east)]


def build_community(seed: int = SEED) -> Community:
    """Generate the demo community in memory (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    floors = [int(f) for f in rng.choice([5, 6, 6, 6, 7, 11, 18], size=175)]
    depths = [16.0 if f > 7 else 12.5 for f in floors]
    geo = layout_community(rng, depths)
    grids = _grids_frame(rng)
    compounds = _compounds_frame(rng, geo)
    buildings = _buildings_frame(rng, geo, compounds, floors)
    people = make_people(rng)
    households = _households_frame(rng, buildings, len(people))
    residents = resident_rows(rng, people, households["household_id"].tolist(), REFERENCE_DATE)
    households["size"] = [len(members) for _, members in people]
    households["kind"] = [kind for kind, _ in people]
    facilities, night_market = _facilities(rng, geo, buildings)
    return Community(geo, grids, compounds, buildings, households, residents, facilities, night_market)


def _household_details(rng: np.random.Generator, households: pd.DataFrame, residents: pd.DataFrame,
                       ages: pd.Series) -> None:
    """Fill 住房性质 and, for most rows, 居住状况 (the rest are derived by the pipeline)."""
    by_household = pd.DataFrame({"hh": residents["household_id"], "old": ages >= 60}).groupby("hh")["old"]
    all_old = by_household.all().reindex(households["household_id"]).to_numpy()
    any_old = by_household.any().reindex(households["household_id"]).to_numpy()
    size = households["size"].to_numpy()
    arrangement = np.where(size == 1, "独居", np.where(all_old, "空巢", np.where(any_old, "与子女同住", "其他")))
    arrangement = np.where(rng.random(len(households)) < 0.6, arrangement, "")
    renters = households["kind"].isin(["single", "couple"]).to_numpy() & (rng.random(len(households)) < 0.35)
    dorm = households["address"].str.contains("宿舍") | households["compound"].str.contains("宿舍")
    tenure = np.where(renters, "租赁", np.where(dorm & (rng.random(len(households)) < 0.4), "单位宿舍", "自有"))
    households["tenure"] = tenure
    households["living_arrangement"] = arrangement


def _to_headers(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Select the table's columns in order and rename them to their Chinese headers."""
    out = frame.reindex(columns=table.keys)
    return out.rename(columns={c.key: c.header for c in table.columns})


def _problem(table: Table, file: str, row: int, column: str, value: object, problem: str) -> dict[str, object]:
    return {"table": table.name_zh, "file": file, "row": row, "column": column, "value": str(value),
            "problem": problem}


def _inject_problems(out: dict[str, pd.DataFrame], files: dict[str, str]) -> list[dict[str, object]]:
    """Put the deliberate problems real tables have into the written frames.

    Row numbers are as the user sees them in Excel: data starts on row 3
    below the merged title row and the header.
    """
    problems = []
    res = out["residents"]
    i = 1234
    good = str(res.at[i, "身份证号"])
    res.at[i, "身份证号"] = good[:17] + ("0" if good[17] != "0" else "1")
    problems.append(_problem(TABLES["residents"], files["residents"], i + 3, "身份证号", res.at[i, "身份证号"],
                             "身份证号校验位错误（第18位）"))
    i = 4321
    res.at[i, "联系电话"] = "1381234567"
    problems.append(_problem(TABLES["residents"], files["residents"], i + 3, "联系电话", "1381234567",
                             "手机号只有10位"))
    hh = out["households"]
    dup = hh.iloc[[2000]].copy()
    dup["房号"], dup["住址"] = "602", str(dup["住址"].iloc[0]) + "（重复录入）"
    unknown = hh.iloc[[10]].copy()
    unknown[:] = None
    unknown["户编号"], unknown["住址"] = "HH99001", "广升泉小区5号楼1单元302"
    out["households"] = pd.concat([hh, dup, unknown], ignore_index=True)
    n = len(hh)
    problems.append(_problem(TABLES["households"], files["households"], n + 3, "户编号", dup["户编号"].iloc[0],
                             f"户编号重复（与第{2000 + 3}行相同）"))
    problems.append(_problem(TABLES["households"], files["households"], n + 4, "住址", "广升泉小区5号楼1单元302",
                             "小区名称不存在（应为 广生泉小区？）"))
    eld = out["elderly"]
    i = 500
    eld.at[i, "最近走访日期"] = date(2027, 2, 15)
    problems.append(_problem(TABLES["elderly"], files["elderly"], i + 3, "最近走访日期", "2027-02-15",
                             "日期晚于数据基准日 2026-11-28"))
    needs = out["needs"]
    extra = needs.iloc[[5]].copy()
    extra["需求编号"], extra["户编号"] = "XQ2026119999", "HH9O012"
    out["needs"] = pd.concat([needs, extra], ignore_index=True)
    problems.append(_problem(TABLES["needs"], files["needs"], len(needs) + 3, "户编号", "HH9O012",
                             "户编号在房屋住户表中不存在"))
    sg = out["special_groups"]
    i = 20
    sg.at[i, "类别"] = "孤寡老人"
    problems.append(_problem(TABLES["special_groups"], files["special_groups"], i + 3, "类别", "孤寡老人",
                             "类别不在允许值中"))
    return problems


def _feature_collection(frame: pd.DataFrame, table: Table, rings: list[list[list[float]]]) -> dict:
    features = []
    for record, ring in zip(_to_headers(frame, table).to_dict("records"), rings, strict=True):
        props = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in record.items()}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "name": table.key, "features": features}


def _write_geojson(path: Path, collection: dict) -> None:
    path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def _title(table: Table) -> str:
    return f"{COMMUNITY}{table.name_zh}（截至{REFERENCE_DATE.year}年{REFERENCE_DATE.month}月{REFERENCE_DATE.day}日）"


def generate(out_dir: Path, *, seed: int = SEED) -> dict[str, object]:
    """Write the demo community into ``out_dir`` and return its headline figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    com = build_community(seed)
    rng = np.random.default_rng(seed + 1)
    res = com.residents
    ages = ages_at(res["birth_date"], REFERENCE_DATE).astype(int)
    _household_details(rng, com.households, res, ages)
    person_building = res["household_id"].map(com.households.set_index("household_id")["building"])
    person_building.index = res["person_id"]
    grid_names = dict(zip(com.grids["grid_id"], com.grids["name"], strict=True))
    party = tables.party_table(rng, res, ages, com.buildings, grid_names, person_building)
    leaders = party[party["duty"] == "楼长"]
    for pid in leaders["person_id"]:
        com.buildings.loc[person_building[pid], "building_leader"] = res.set_index("person_id").at[pid, "name"]
    size = res["household_id"].map(com.households.set_index("household_id")["size"])
    first_worker = {g: w.split("、")[0] for g, w in zip(com.grids["grid_id"], com.grids["workers"], strict=True)}
    frames = {
        "residents": res,
        "households": com.households,
        "elderly": tables.elderly_table(rng, res, ages, REFERENCE_DATE),
        "special_groups": tables.special_groups_table(rng, res, ages, size, REFERENCE_DATE),
        "needs": tables.needs_table(rng, com.households, REFERENCE_DATE),
        "party_volunteers": party,
        "hazards": tables.hazards_table(rng, com.buildings, com.households, REFERENCE_DATE),
        "grid_work": tables.grid_work_table(rng, com.grids, REFERENCE_DATE),
        "resources": tables.resources_table(rng, com.facilities),
    }
    reports = tables.reports_table(rng, com.buildings.reset_index(drop=True), com.night_market, first_worker,
                                   REFERENCE_DATE)
    files = {key: f"{TABLES[key].name_zh}.xlsx" for key in TABLES}
    files["grid_work"] = f"{TABLES['grid_work'].name_zh}.csv"
    out = {key: _to_headers(frame, TABLES[key]) for key, frame in frames.items()}
    problems = _inject_problems(out, files)
    for key, frame in out.items():
        if key == "grid_work":
            write_csv(out_dir / files[key], frame, encoding="gb18030")
        else:
            write_office_xlsx(out_dir / files[key], frame, title=_title(TABLES[key]))
    write_office_xlsx(out_dir / f"{REPORTS.name_zh}.xlsx", _to_headers(reports, REPORTS), sheet="工单导出")
    geo = com.geometry
    _write_geojson(out_dir / "grids.geojson", _feature_collection(
        com.grids, LAYERS["grids"], [geo.ring_lonlat(q) for q in geo.grids]))
    _write_geojson(out_dir / "compounds.geojson", _feature_collection(
        com.compounds, LAYERS["compounds"], [geo.ring_lonlat(q) for q in com.compounds["quad"]]))
    _write_geojson(out_dir / "buildings.geojson", _feature_collection(
        com.buildings, LAYERS["buildings"], [geo.ring_lonlat(q) for q in com.buildings["quad"]]))
    (out_dir / PROBLEMS_FILE).write_text(json.dumps(problems, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    meta = {"community": COMMUNITY, "reference_date": REFERENCE_DATE.isoformat(), "seed": seed,
            "crs": "EPSG:4326", "synthetic": True,
            "note": "合成的示例社区，仿照广生泉社区的公开数字生成；不含任何真实个人信息。"}
    (out_dir / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {"households": len(com.households), "residents": len(res), "aged_60_plus": int((ages >= 60).sum()),
            "buildings": len(com.buildings), "compounds": len(com.compounds), "grids": len(com.grids),
            "reports": len(reports), "problems": len(problems)}
