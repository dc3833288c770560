"""Failed or hostile input never replaces the last good artifact, and leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from pipelines.build import BuildError, run_build
from pipelines.office_files import write_csv
from pipelines.readers import Limits
from pipelines.schema import TABLES
from tests.community import REQUIRED, community_frames, write_community

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_control_characters_are_removed_and_reported(tmp_path: Path) -> None:
    residents = community_frames()["residents"].copy()
    residents.loc[0, "name"] = "王\x00建国"
    residents.loc[1, "name"] = "李\u202e英秀"  # right-to-left override: shows reversed on screen
    residents.loc[2, "relation"] = "子\x07女"
    folder = write_community(tmp_path / "in", ("households",))  # Excel cannot hold them: a CSV export can
    headers = {c.key: c.header for c in TABLES["residents"].columns}
    write_csv(folder / "居民信息表.csv", residents.rename(columns=headers), encoding="utf-8")
    out = tmp_path / "out.gpkg"
    run_build(folder, out, progress=False)
    stored = pyogrio.read_dataframe(out, layer="residents", read_geometry=False)
    assert {"王建国", "李英秀"} <= set(stored["name"]) and "子女" in set(stored["relation"])
    quality = pyogrio.read_dataframe(out, layer="quality", read_geometry=False)
    controls = quality[quality["problem"].str.contains("控制字符")]
    assert sorted(controls["row"]) == [2, 3, 4] and (controls["row_kind"] == "csv").all()


def _zip_bomb(path: Path, megabytes: int) -> None:
    """An xlsx whose one sheet expands to ``megabytes`` of repeated rows (a few kB on disk)."""
    head = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>")
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head.encode())
            chunk = (row * 20_000).encode()
            for _ in range(megabytes * 1024 * 1024 // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")


def test_a_zip_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    folder = write_community(tmp_path / "in", REQUIRED)
    good = tmp_path / "out.gpkg"
    run_build(folder, good, progress=False)
    before = _digest(good)
    (folder / "居民信息表.xlsx").unlink()
    _zip_bomb(folder / "居民信息表.xlsx", 40)
    assert (folder / "居民信息表.xlsx").stat().st_size < 2_000_000
    with pytest.raises(BuildError, match="解压后"):
        run_build(folder, good, progress=False, limits=Limits(max_megabytes=20))
    assert _digest(good) == before


def test_too_many_rows_are_refused(tmp_path: Path) -> None:
    folder = write_community(tmp_path / "in", REQUIRED)
    with pytest.raises(BuildError, match="超过 30 行"):
        run_build(folder, tmp_path / "out.gpkg", progress=False, limits=Limits(max_rows=30))


def test_zero_usable_rows_or_a_sharp_drop_never_replaces_the_artifact(tmp_path: Path) -> None:
    folder = write_community(tmp_path / "in", REQUIRED)
    good = tmp_path / "out.gpkg"
    run_build(folder, good, progress=False)
    before = _digest(good)
    residents = community_frames()["residents"].copy()
    residents["household_id"] = "H99"  # every resident points nowhere
    write_community(folder, REQUIRED, frames={"residents": residents})
    with pytest.raises(BuildError, match="没有一行可用"):
        run_build(folder, good, progress=False)
    assert _digest(good) == before
    households = community_frames()["households"].copy()
    households.loc[5:, ["address", "compound", "building_number", "building_id"]] = ["火星1号楼", "", "", ""]
    write_community(folder, REQUIRED, frames={"households": households})
    with pytest.raises(BuildError, match="--force"):
        run_build(folder, good, progress=False)
    assert _digest(good) == before
    run_build(folder, good, progress=False, force=True)
    assert pyogrio.read_info(good, layer="households")["features"] == 5


def test_artifact_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "out.gpkg"
    run_build(write_community(tmp_path / "in", REQUIRED), out, progress=False)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_kill_9_during_the_build_leaves_the_good_artifact_and_no_leftover(tmp_path: Path,
                                                                          sample_dir: Path) -> None:
    out = tmp_path / "community.gpkg"
    run_build(sample_dir, out, progress=False)
    before = _digest(out)
    for grown in (0, 200_000, 2_000_000):  # killed as the temporary appears, early and late in the write
        proc = subprocess.Popen([sys.executable, "-m", "pipelines", "build", "--input", str(sample_dir), "--out",
                                 str(out), "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        killed = False
        while proc.poll() is None and time.monotonic() < deadline:
            sizes = [_size(p) for p in tmp_path.glob(".community-*.gpkg")]
            if sizes and max(sizes) >= grown:
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                break
        proc.wait()
        assert killed, f"the build finished before its temporary file reached {grown} bytes"
        assert _digest(out) == before
    assert list(tmp_path.glob(".community-*"))  # what a killed build leaves …
    leftover = next(tmp_path.glob(".community-*.gpkg"), None)
    if leftover is not None:
        assert stat.S_IMODE(leftover.stat().st_mode) & 0o077 == 0  # … is not readable by others either
    run_build(sample_dir, out, progress=False)
    assert not list(tmp_path.glob(".community-*"))  # … and the next build removes it
    assert pyogrio.read_info(out, layer="households")["features"] == 3937


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed into place or removed while we looked
        return -1


def test_quality_rows_are_kept_for_a_huge_bad_table(tmp_path: Path) -> None:
    """Every bad row is still reported (the page pages through them; see the dashboard tests)."""
    residents = community_frames()["residents"].copy()
    many = pd.concat([residents] * 50, ignore_index=True)
    many["person_id"] = [f"X{i}" for i in range(len(many))]
    many["sex"] = "未知"
    folder = write_community(tmp_path / "in", REQUIRED, frames={"residents": pd.concat([residents, many])})
    out = tmp_path / "out.gpkg"
    run_build(folder, out, progress=False)
    assert pyogrio.read_info(out, layer="quality")["features"] >= len(many)


def test_a_refused_build_lists_its_problems_for_the_office(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from pipelines.build import refused_problems_path

    folder = write_community(tmp_path / "in", REQUIRED)
    good = tmp_path / "out.gpkg"
    run_build(folder, good, progress=False)
    households = community_frames()["households"].copy()
    households.loc[5:, ["address", "compound", "building_number", "building_id"]] = ["火星1号楼", "", "", ""]
    write_community(folder, REQUIRED, frames={"households": households})
    with pytest.raises(BuildError) as caught:
        run_build(folder, good, progress=False)
    listed = refused_problems_path(good)
    assert "小区名称无法匹配" in str(caught.value) and str(listed) in str(caught.value)
    rows = list(load_workbook(listed).active.iter_rows(values_only=True))
    assert sum("火星1号楼" in " ".join(str(v) for v in row) for row in rows) == 15
    assert stat.S_IMODE(listed.stat().st_mode) == 0o600
