"""A community's own files, as offices really send them: subsets, renamed headers, wrong files, messages.

Each test builds a small generated community (tests/community.py), not the demo.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from pipelines.build import BuildError, run_build
from pipelines.cli import main
from pipelines.office_files import write_csv
from pipelines.publish import ARTIFACT_LAYERS
from pipelines.schema import TABLES
from tests.community import OPTIONAL, REQUIRED, community_frames, write_community


def _quality(path: Path) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer="quality", read_geometry=False)


def _build(folder: Path, tmp_path: Path, **kwargs: object) -> tuple[Path, pd.DataFrame]:
    out = tmp_path / "out.gpkg"
    run_build(folder, out, progress=False, **kwargs)  # type: ignore[arg-type]
    return out, _quality(out)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("tables", [REQUIRED, *[(*REQUIRED, key) for key in OPTIONAL], (*REQUIRED, *OPTIONAL)],
                         ids=["required", *OPTIONAL, "all"])
def test_any_subset_builds_every_layer_with_its_full_schema(tmp_path: Path, tables: tuple[str, ...]) -> None:
    out, _ = _build(write_community(tmp_path / "in", tables), tmp_path)
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert set(ARTIFACT_LAYERS) <= layers
    full = tmp_path / "full.gpkg"
    run_build(write_community(tmp_path / "all", REQUIRED + OPTIONAL), full, progress=False)
    for name in ARTIFACT_LAYERS:  # an empty layer has the same columns as a full one
        assert list(pyogrio.read_info(out, layer=name)["fields"]) == list(pyogrio.read_info(full, layer=name)["fields"])
    assert pyogrio.read_info(out, layer="households")["features"] == 20


def test_header_aliases_are_read_and_checked(tmp_path: Path) -> None:
    frames = community_frames()
    residents = frames["residents"].copy()
    residents.loc[0, "id_number"] = "370902194001110018"  # wrong check digit: must still be checked
    residents.loc[1, "phone"] = "+86 138 0538 7777"
    renamed = residents.rename(columns={"id_number": "身份证号码", "phone": "手机号", "birth_date": "出生年月",
                                        "household_id": "户号"})
    folder = write_community(tmp_path / "in", REQUIRED, frames={"residents": renamed})
    out, quality = _build(folder, tmp_path)
    assert pyogrio.read_info(out, layer="residents")["features"] == len(residents)
    assert quality["problem"].str.contains("校验位").any()  # the renamed ID column was checked
    stored = pyogrio.read_dataframe(out, layer="residents", read_geometry=False).set_index("person_id")
    assert stored.at[residents.loc[1, "person_id"], "phone"] == "13805387777"
    assert not quality["problem"].str.contains("未识别").any()


def test_unknown_header_reported_once_with_the_closest_known_one(tmp_path: Path) -> None:
    residents = community_frames()["residents"].rename(columns={"relation": "与户主的关系", "phone": "联系电话号"})
    residents["备注信息"] = "x"
    folder = write_community(tmp_path / "in", REQUIRED, frames={"residents": residents})
    _, quality = _build(folder, tmp_path)
    unknown = quality[quality["problem"].str.contains("未识别的列")]
    assert sorted(unknown["column"]) == sorted(["与户主的关系", "联系电话号", "备注信息"])
    by_column = unknown.set_index("column")["suggestion"]
    assert "与户主关系" in by_column["与户主的关系"] and "联系电话" in by_column["联系电话号"]
    assert (unknown["row"] == 2).all() and (unknown["row_kind"] == "excel").all()  # the header row under the title
    # the optional columns it stood for are missing: said once each, by name
    missing = quality[quality["problem"].str.contains("没有「")]
    assert {"与户主关系", "联系电话"} <= set(missing["column"])


def test_missing_required_column_fails_and_keeps_the_last_good_artifact(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_community(tmp_path / "in", REQUIRED)
    out = tmp_path / "out.gpkg"
    assert main(["build", "--input", str(folder), "--out", str(out), "--quiet"]) == 0
    before = _digest(out)
    households = community_frames()["households"].rename(columns={"household_id": "住户代码"})
    write_community(folder, REQUIRED, frames={"households": households})
    capsys.readouterr()
    assert main(["build", "--input", str(folder), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "缺少必填列「户编号」" in err and "住户代码" in err and "房屋住户表.xlsx" in err
    assert err.lstrip("\n").startswith("构建失败") and "\n构建失败" in err  # on its own line
    assert _digest(out) == before


def test_every_problem_with_the_folder_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_community(folder, ("residents",))
    (folder / "buildings.geojson").unlink()
    (folder / "grids.geojson").unlink()
    with pytest.raises(BuildError) as caught:
        run_build(folder, tmp_path / "out.gpkg", progress=False)
    text = str(caught.value)
    assert "3 个问题" in text and "网格图层" in text and "楼栋图层" in text and "房屋住户表" in text
    assert not (tmp_path / "out.gpkg").exists()
    with pytest.raises(BuildError, match="输入文件夹不存在"):
        run_build(tmp_path / "nowhere", tmp_path / "out.gpkg", progress=False)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("房屋住户表.xlsx", b"<html><table><tr><td>x</td></tr></table></html>", "网页"),
    ("房屋住户表.xls", "户编号\t住址\nH1\t1-1-101\n".encode("gbk"), "文本"),
])
def test_a_file_that_is_not_what_its_extension_says(tmp_path: Path, name: str, content: bytes,
                                                    expected: str) -> None:
    folder = write_community(tmp_path / "in", ("residents",))
    (folder / name).write_bytes(content)
    with pytest.raises(BuildError) as caught:
        run_build(folder, tmp_path / "out.gpkg", progress=False)
    assert expected in str(caught.value) and "另存为 .xlsx" in str(caught.value) and name in str(caught.value)


def test_csv_in_another_encoding_is_refused(tmp_path: Path) -> None:
    folder = write_community(tmp_path / "in", ("residents",))
    rows = pd.DataFrame({"household_id": ["H1", "H2", "H3"], "building_id": ["C1-1", "C1-2", "C2-1"],
                         "address": ["東京都新宿区西新宿二丁目8番1号", "大阪府大阪市北区梅田三丁目", "京都市左京区"]})
    (folder / "households.csv").write_bytes(rows.to_csv(index=False).encode("shift_jis"))
    with pytest.raises(BuildError, match="编码"):
        run_build(folder, tmp_path / "out.gpkg", progress=False)


def test_two_files_for_one_table_name_both(tmp_path: Path) -> None:
    folder = write_community(tmp_path / "in", REQUIRED)
    shutil.copy(folder / "房屋住户表.xlsx", folder / "households.xlsx")
    with pytest.raises(BuildError) as caught:
        run_build(folder, tmp_path / "out.gpkg", progress=False)
    assert "房屋住户表.xlsx" in str(caught.value) and "households.xlsx" in str(caught.value)


def test_residents_of_a_rejected_household_are_told_why(tmp_path: Path) -> None:
    households = community_frames()["households"].copy()
    households.loc[3, ["address", "compound", "building_number", "building_id"]] = ["火星小区9号楼", "", "", ""]
    folder = write_community(tmp_path / "in", REQUIRED, frames={"households": households})
    _, quality = _build(folder, tmp_path)
    hid = households.loc[3, "household_id"]
    rejected_row = int(quality.loc[quality["value"].str.contains("火星"), "row"].iloc[0])
    assert rejected_row == 3 + 3  # title row, header row, then the fourth household
    residents = quality[(quality["table"] == "居民信息表") & (quality["value"] == hid)]
    assert len(residents) > 0
    assert residents["problem"].str.contains(f"所在户（房屋住户表第{rejected_row}行）被拒绝").all()
    assert not residents["problem"].str.contains("不存在").any()


def test_dates_phones_and_values_outside_the_list(tmp_path: Path) -> None:
    residents = community_frames()["residents"].copy()
    residents.loc[0, "birth_date"] = "1958-02-30"
    residents.loc[1, "birth_date"] = "1958年13月"
    residents.loc[2, "phone"] = "138-0538-8888"
    residents.loc[3, "phone"] = "(0538) 822 1234"
    residents.loc[4, "phone"] = "12345"
    residents.loc[5, "relation"] = "外甥"
    folder = write_community(tmp_path / "in", REQUIRED, frames={"residents": residents})
    out, quality = _build(folder, tmp_path)
    problem = quality.set_index("value")["problem"]
    assert "不存在" in problem["1958-02-30"] and "无法识别" not in problem["1958-02-30"]
    assert "无法识别" in problem["1958年13月"]
    stored = pyogrio.read_dataframe(out, layer="residents", read_geometry=False).set_index("person_id")
    ids = residents["person_id"]
    assert stored.at[ids[2], "phone"] == "13805388888" and stored.at[ids[3], "phone"] == "0538-8221234"
    assert stored.at[ids[4], "phone"] == "12345" and "电话号码格式不对" in problem["12345"]
    assert stored.at[ids[5], "relation"] == "外甥" and "已按原样保留" in problem["外甥"]
    assert not quality["value"].isin(["138-0538-8888", "(0538) 822 1234"]).any()


def test_year_and_month_birth_dates_take_the_day_from_the_id(tmp_path: Path) -> None:
    residents = community_frames()["residents"].copy()
    residents.loc[0, ["birth_date", "id_number", "sex"]] = ["1957.11", "370902195711300031", "男"]
    residents.loc[1, ["birth_date", "id_number"]] = ["1960年5月", ""]
    folder = write_community(tmp_path / "in", REQUIRED, frames={"residents": residents})
    out, quality = _build(folder, tmp_path)
    stored = pyogrio.read_dataframe(out, layer="residents", read_geometry=False).set_index("person_id")
    assert str(stored.at[residents.loc[0, "person_id"], "birth_date"])[:10] == "1957-11-30"
    assert str(stored.at[residents.loc[1, "person_id"], "birth_date"])[:10] == "1960-05-01"
    assert quality["problem"].str.contains("只有年月").sum() == 2


def test_near_miss_compound_is_placed_with_a_warning_naming_both(tmp_path: Path) -> None:
    households = community_frames()["households"].copy()
    households.loc[1, ["compound", "building_number"]] = ["岱宗花苑", "1"]
    households.loc[0, "address"] = "岱宗1号楼1单元101"  # the bare name: an alias, no warning
    folder = write_community(tmp_path / "in", REQUIRED, frames={"households": households})
    out, quality = _build(folder, tmp_path)
    placed = pyogrio.read_dataframe(out, layer="households", read_geometry=False).set_index("household_id")
    assert placed.at[households.loc[1, "household_id"], "building_id"] == "C1-1"
    near = quality[quality["problem"].str.contains("不完全一致")]
    assert len(near) == 1 and "岱宗花苑" in near["problem"].iloc[0] and "岱宗花园" in near["problem"].iloc[0]


def test_grid_work_grids_by_code_or_name_all_resolve(tmp_path: Path) -> None:
    folder = write_community(tmp_path / "in", (*REQUIRED, "grid_work"))
    out, quality = _build(folder, tmp_path)
    work = pyogrio.read_dataframe(out, layer="grid_work", read_geometry=False)
    assert list(work["grid_id"]) == ["G1", "G1", "G2", "G2"]
    assert len(quality) == 0
    assert (quality["row_kind"] == "csv").all()


def test_unknown_grid_in_grid_work_is_rejected_with_the_csv_line(tmp_path: Path) -> None:
    work = community_frames()["grid_work"].copy()
    work.loc[2, "grid"] = "第九网格"
    folder = write_community(tmp_path / "in", (*REQUIRED, "grid_work"), frames={"grid_work": work})
    _, quality = _build(folder, tmp_path)
    bad = quality[quality["value"] == "第九网格"]
    assert len(bad) == 1 and bad["row"].iloc[0] == 4 and bad["row_kind"].iloc[0] == "csv"
    assert "第一网格" in bad["suggestion"].iloc[0]


def _layer_folder(tmp_path: Path) -> Path:
    return write_community(tmp_path / "in", REQUIRED)


def test_layer_in_metres_without_crs_is_explained(tmp_path: Path) -> None:
    folder = _layer_folder(tmp_path)
    grids = gpd.read_file(folder / "grids.geojson").to_crs("EPSG:4548")
    (folder / "grids.geojson").unlink()
    grids = grids.set_crs(None, allow_override=True).rename(columns={"网格编号": "grid_id", "网格名称": "name"})
    with pytest.warns(UserWarning):
        grids[["grid_id", "name", "geometry"]].to_file(folder / "grids.shp")
    with pytest.raises(BuildError, match="米为单位"):
        run_build(folder, tmp_path / "out.gpkg", progress=False)


def test_swapped_lat_lon_is_explained(tmp_path: Path) -> None:
    folder = _layer_folder(tmp_path)
    grids = gpd.read_file(folder / "grids.geojson")
    import shapely

    grids["geometry"] = shapely.transform(grids.geometry.values, lambda xy: xy[:, ::-1])
    grids.to_file(folder / "grids.geojson", driver="GeoJSON")
    with pytest.raises(BuildError, match="经纬度顺序颠倒"):
        run_build(folder, tmp_path / "out.gpkg", progress=False)


def test_feature_without_geometry_is_left_out_and_reported(tmp_path: Path) -> None:
    folder = _layer_folder(tmp_path)
    buildings = gpd.read_file(folder / "buildings.geojson")
    extra = buildings.iloc[[0]].copy()
    extra["楼栋编码"] = "C1-9"
    extra["geometry"] = [None]
    pd.concat([buildings, extra]).to_file(folder / "buildings.geojson", driver="GeoJSON")
    out, quality = _build(folder, tmp_path)
    stored = pyogrio.read_dataframe(out, layer="buildings")
    assert "C1-9" not in set(stored["building_id"]) and stored.geometry.notna().all()
    row = quality[quality["value"] == "C1-9"]
    assert len(row) == 1 and row["row"].iloc[0] == 7 and row["row_kind"].iloc[0] == "feature"
    assert "没有图形" in row["problem"].iloc[0] and row["severity"].iloc[0] == "error"


def test_degrees_without_crs_are_read_as_wgs84_with_a_note(tmp_path: Path) -> None:
    folder = _layer_folder(tmp_path)
    grids = gpd.read_file(folder / "grids.geojson").rename(columns={"网格编号": "grid_id", "网格名称": "name"})
    (folder / "grids.geojson").unlink()
    with pytest.warns(UserWarning):
        grids[["grid_id", "name", "geometry"]].set_crs(None, allow_override=True).to_file(folder / "grids.shp")
    summary = run_build(folder, tmp_path / "out.gpkg", progress=False)
    assert any("未声明坐标系" in note for note in summary.notes)


def test_build_help_documents_every_option_and_community_json(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines at the terminal's width
    for option in ("--input", "--out", "--rules", "--quiet"):
        assert option in text
    assert "default: geodata/sample" in text and "default: build/community.gpkg" in text and "flags.toml" in text
    assert "reference_date" in text and "community" in text


def test_rules_option_changes_the_colours(tmp_path: Path) -> None:
    from pipelines.flags import DEFAULT_RULES

    folder = write_community(tmp_path / "in", REQUIRED)
    default = tmp_path / "default.gpkg"
    run_build(folder, default, progress=False)
    rules = tmp_path / "my_rules.toml"
    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace("min_age = 80", "min_age = 200"),
                     encoding="utf-8")
    custom = tmp_path / "custom.gpkg"
    assert main(["build", "--input", str(folder), "--out", str(custom), "--rules", str(rules), "--quiet"]) == 0

    def reds(path: Path) -> int:
        return int((pyogrio.read_dataframe(path, layer="households", read_geometry=False)["flag"] == "red").sum())

    assert reds(default) > reds(custom)
    assert main(["build", "--input", str(folder), "--out", str(custom), "--rules", str(tmp_path / "no.toml"),
                 "--quiet"]) == 2


def test_csv_lines_and_excel_rows_are_labelled(tmp_path: Path) -> None:
    folder = write_community(tmp_path / "in", REQUIRED)
    households = community_frames()["households"].copy()
    households.loc[0, "tenure"] = "借住"
    (folder / "房屋住户表.xlsx").unlink()
    write_csv(folder / "房屋住户表.csv", households.rename(columns={c.key: c.header
                                                                  for c in TABLES["households"].columns}))
    _, quality = _build(folder, tmp_path)
    row = quality[quality["value"] == "借住"]
    assert row["row"].iloc[0] == 2 and row["row_kind"].iloc[0] == "csv"


def test_household_layer_with_box_outside_china_is_explained(tmp_path: Path) -> None:
    folder = _layer_folder(tmp_path)
    gpd.GeoDataFrame({"网格编号": ["G1"], "网格名称": ["第一网格"]}, geometry=[box(0.1, 0.1, 0.2, 0.2)],
                     crs="EPSG:4326").to_file(folder / "grids.geojson", driver="GeoJSON")
    with pytest.raises(BuildError, match="不在中国境内"):
        run_build(folder, tmp_path / "out.gpkg", progress=False)



def test_a_build_from_the_command_line_is_in_the_audit_log(tmp_path: Path) -> None:
    from operations import audit
    from operations.store import db

    folder = write_community(tmp_path / "in", REQUIRED)
    assert main(["build", "--input", str(folder), "--out", str(tmp_path / "out.gpkg"), "--quiet"]) == 0
    with db() as session:
        builds = audit.entries(session, action="build")
    assert str(tmp_path / "out.gpkg") in set(builds["target"]) and builds["actor"].str.startswith("cli:").all()


def test_a_bad_birth_date_keeps_the_resident(tmp_path: Path) -> None:
    """1958-02-30 no longer takes a member from their household: the date from the ID, or an unknown age."""
    from pipelines.idcard import make_id
    from pipelines.privacy import mask_quality

    residents = community_frames()["residents"].copy()
    residents.loc[0, ["birth_date", "id_number", "sex"]] = ["1958-02-30", make_id("370902", date(1958, 2, 28), 7,
                                                                                  male=True), "男"]
    residents.loc[1, "birth_date"] = "1958-13-01"
    residents.loc[2, "birth_date"] = ""
    folder = write_community(tmp_path / "in", REQUIRED, frames={"residents": residents})
    out, quality = _build(folder, tmp_path)
    stored = pyogrio.read_dataframe(out, layer="residents", read_geometry=False).set_index("person_id")
    assert len(stored) == len(residents)
    assert str(stored.at[residents.loc[0, "person_id"], "birth_date"])[:10] == "1958-02-28"
    assert pd.isna(stored.at[residents.loc[1, "person_id"], "age"])
    assert (quality["severity"] == "warning").all()
    shown = mask_quality(quality)
    assert "1958-02-30" in set(shown["value"])  # the clerk sees what to correct (no one's real birth date)


def test_id_numbers_excel_turned_into_numbers_are_named_as_such(tmp_path: Path) -> None:
    residents = community_frames()["residents"].copy()
    residents.loc[0, "id_number"] = "3.70902E+17"
    residents.loc[1, "id_number"] = "370902195711300000"
    folder = write_community(tmp_path / "in", REQUIRED, frames={"residents": residents})
    _, quality = _build(folder, tmp_path)
    named = quality[quality["problem"].str.contains("存成了数字")]
    assert len(named) == 2 and not quality["problem"].str.contains("校验位").any()


def test_a_workbook_that_opens_on_its_instructions_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    folder = write_community(tmp_path / "in", ("residents",))
    households = community_frames()["households"].rename(columns={c.key: c.header
                                                                  for c in TABLES["households"].columns})
    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["请按下表填写，户编号不能重复。"])
    data = book.create_sheet("住户")
    data.append(list(households.columns))
    for row in households.itertuples(index=False):
        data.append(list(row))
    book.save(folder / "房屋住户表.xlsx")
    out, _ = _build(folder, tmp_path)
    assert pyogrio.read_info(out, layer="households")["features"] == 20


def test_hints_name_the_closest_compound_and_the_cell_to_correct(tmp_path: Path) -> None:
    households = community_frames()["households"].copy()
    households.loc[0, ["address", "compound", "building_number", "building_id"]] = ["", "青圆小区", "1", ""]
    households.loc[1, ["compound", "building_number", "building_id", "address"]] = ["青山小区", "9号楼二单元", "", ""]
    folder = write_community(tmp_path / "in", REQUIRED, frames={"households": households})
    _, quality = _build(folder, tmp_path)
    unknown = quality[quality["value"] == "青圆小区"]
    assert "青山小区" in unknown["suggestion"].iloc[0]
    no_building = quality[quality["problem"].str.contains("没有这个楼号")]
    assert list(no_building["column"]) == ["楼号"] and list(no_building["value"]) == ["9号楼二单元"]
