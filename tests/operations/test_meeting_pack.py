"""The meeting pack: real PDFs from the demo build and a real store, read back with poppler (no mocks).

Every figure printed is checked against a count made here from the artifact's layers; every resident's
name, phone and ID number is checked to be absent; each page is saved as a PNG to look at.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from operations.live_view import EXPORT_STATUS
from operations.meeting_pack import (
    FOOTER,
    PackError,
    PackFontError,
    find_fonts,
    make_all,
    make_pack,
    pack_bytes,
    packs_zip,
)
from operations.places import load_places
from operations.reports import SYSTEM, Actor, submit
from operations.store import db
from operations.visits import log_visit
from operations.workflow import workflow
from tests.conftest import ROOT, SAMPLE
from tests.store import store_with_users

SCREENSHOTS = ROOT / "build" / "screenshots"
LIVE_DESCRIPTION = "楼下住的张三丰老人摔倒了，电话13912345678"  # a resident's words: must never reach the pack
LIVE_CONTACT = "13987654321"


def _layer(path: Path, name: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=name, read_geometry=False)


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def _figure(text: str, label: str) -> int:
    found = re.search(rf"(?<![\u4e00-\u9fff]){label}\s+(\d+)", text)
    assert found, f"{label} not in the pack"
    return int(found.group(1))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, demo_artifact: Path) -> dict[str, object]:
    """A store with one live report in WG03 (a name and phones in its text) and one visit to an overdue household."""
    url = store_with_users(tmp_path_factory.mktemp("pack-store"))
    places = load_places(demo_artifact)
    buildings = _layer(demo_artifact, "buildings")
    building = str(buildings.loc[buildings["grid_id"] == "WG03", "building_id"].iloc[0])
    place = places.building(building)
    assert place is not None
    households = _layer(demo_artifact, "households")
    late = households[(households["grid_id"] == "WG03") & (households["visit_overdue"] == 1)].iloc[0]
    reference = date.fromisoformat(_layer(demo_artifact, "meta").set_index("key").loc["reference_date", "value"])
    with db(url) as session:
        report, _ = submit(session, category=workflow().categories[0], description=LIVE_DESCRIPTION, place=place,
                           actor=SYSTEM, contact=LIVE_CONTACT)
        log_visit(session, Actor("grid03", "leader"), household_id=str(late["household_id"]), grid_id="WG03",
                  visited_on=reference, way="入户")
        number = report.number
    return {"url": url, "number": number, "visited": str(late["household_id"])}


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory, demo_artifact: Path, store: dict[str, object]) -> dict[str, Path]:
    """Every grid's pack, made with the store."""
    out = tmp_path_factory.mktemp("packs")
    with db(str(store["url"])) as session:
        written = make_all(demo_artifact, None, out, session)
    return {re.search(r"_(WG\d+)_", p.name).group(1): p for p in written}  # type: ignore[union-attr]


def _expected(artifact: Path, store: dict[str, object]) -> pd.DataFrame:
    """Each grid's figures counted here from the layers (and the store's one report and one visit)."""
    households = _layer(artifact, "households")
    grids = _layer(artifact, "grids").set_index("grid_id")
    out = pd.DataFrame(index=grids.index)
    by_grid = households.groupby("grid_id")
    out["住户"] = by_grid.size()
    for flag, label in (("red", "红色户"), ("yellow", "黄色户"), ("blue", "蓝色户")):
        out[label] = households[households["flag"] == flag].groupby("grid_id").size()
    out["走访超期"] = by_grid["visit_overdue"].sum()
    out.loc["WG03", "走访超期"] -= 1  # visited on the reference day: no longer overdue
    needs = _layer(artifact, "needs").merge(households[["household_id", "grid_id"]], on="household_id")
    out["未办结需求"] = needs[needs["status"] != "已办结"].groupby("grid_id").size()
    hazards = _layer(artifact, "hazards")
    out["未整改隐患"] = hazards[hazards["status"] != "已整改"].groupby("grid_id").size()
    rules = workflow()
    reports = _layer(artifact, "reports")
    state = reports["status"].map(EXPORT_STATUS)
    open_ = reports[state.isin(rules.open_states)]
    due = pd.to_datetime(open_["submitted_at"]) + pd.to_timedelta(open_["category"].map(rules.hours_for), unit="h")
    now = pd.Timestamp.utcnow().tz_localize(None) + timedelta(hours=8)
    out["未办结工单"] = open_.groupby("grid_id").size()
    out["其中超时工单"] = open_[due < now].groupby("grid_id").size()
    out.loc["WG03", "未办结工单"] = out["未办结工单"].fillna(0)["WG03"] + 1  # the live one, just dispatched
    return out.fillna(0).astype(int)


def test_every_grid_has_a_searchable_chinese_pack(packs: dict[str, Path], demo_artifact: Path,
                                                  store: dict[str, object]) -> None:
    from operations import competition

    grids = _layer(demo_artifact, "grids").set_index("grid_id")
    assert set(packs) == set(grids.index)
    with db(str(store["url"])) as session:
        found = competition.months(competition.load_inputs(demo_artifact, session))
    this_month = f"{pd.Timestamp.utcnow() + timedelta(hours=8):%Y-%m}"
    month = [m for m in found if m < this_month][-1]  # the latest month that has ended (the live report: now)
    assert found[-1] == this_month
    for grid_id, pdf in packs.items():
        text = _text(pdf)
        assert grids.loc[grid_id, "name"] in text
        assert "广生泉社区" in text
        assert "网格擂台比武" in text
        assert month in text
        assert FOOTER in text
        assert "样本不足" in text or "得分" in text
        assert 1 <= _pages(pdf) <= 3
    fonts = subprocess.run(["pdffonts", str(packs["WG01"])], check=True, capture_output=True, text=True).stdout
    assert "NotoSansCJKSC" in fonts.replace("-", "").replace(" ", "")  # the SC face, embedded as a subset
    size = subprocess.run(["pdfinfo", str(packs["WG01"])], check=True, capture_output=True, text=True).stdout
    assert "595.28 x 841.89" in size or "595.276 x 841.89" in size  # A4 portrait


def test_figures_equal_the_layers(packs: dict[str, Path], demo_artifact: Path, store: dict[str, object]) -> None:
    expected = _expected(demo_artifact, store)
    for grid_id, pdf in packs.items():
        text = _text(pdf)
        for label in expected.columns:
            assert _figure(text, label) == expected.loc[grid_id, label], (grid_id, label)


def test_open_items_and_score(packs: dict[str, Path], demo_artifact: Path, store: dict[str, object]) -> None:
    from operations import competition

    text = _text(packs["WG03"])
    assert str(store["number"]) in text  # the live report is listed by its number
    with db(str(store["url"])) as session:
        inputs = competition.load_inputs(demo_artifact, session)
    month = competition.months(inputs)[-2]  # the default: the latest month that has ended
    frame, _ = competition.ranking(inputs, month)
    row = frame.loc["WG03"]
    assert f"得分 {row['score']:.1f} 分" in text
    assert f"第 {int(row['rank'])} 名（共 {len(frame)} 个网格）" in text
    assert re.search(r"比上月 [↑↓→]", text)
    for aspect in competition.ASPECTS:
        assert re.search(rf"{aspect} {int(row[aspect])} {row[aspect + '/100']:.1f}", text), aspect
    hazards = _layer(demo_artifact, "hazards")
    open_ = hazards[(hazards["status"] != "已整改") & (hazards["grid_id"] == "WG01")]
    text_wg01 = _text(packs["WG01"])
    assert f"未整改的安全隐患（{len(open_)} 处）" in text_wg01
    for kind in open_["hazard_type"]:
        assert kind in text_wg01


def test_no_personal_data(packs: dict[str, Path], demo_artifact: Path) -> None:
    residents = _layer(demo_artifact, "residents")
    elderly = _layer(demo_artifact, "elderly")
    households = _layer(demo_artifact, "households")
    grids = _layer(demo_artifact, "grids")
    reports = _layer(demo_artifact, "reports")
    staff = {n for names in grids["leader"].tolist() + grids["workers"].tolist() for n in re.split(r"[、,，]", names)}
    texts = {g: _text(p) for g, p in packs.items()}
    everything = "\n".join(texts.values())
    names = set(residents["name"].dropna()) | set(elderly["emergency_contact"].dropna()) | staff
    secrets = {str(v) for v in [*residents["phone"], *residents["id_number"], *elderly["emergency_phone"]]
               if v and str(v).strip()}
    secrets |= {LIVE_DESCRIPTION, "张三丰", "13912345678", LIVE_CONTACT}
    for column in ("phone", "contact", "mobile"):
        for layer in ("households", "needs"):
            frame = _layer(demo_artifact, layer)
            if column in frame.columns:
                secrets |= {str(v) for v in frame[column].dropna() if str(v).strip()}
    leaked = sorted(n for n in names if n and len(n) >= 2 and n in everything)
    assert not leaked, leaked
    assert not [s for s in secrets if s in everything]
    # no room: no address, no "1单元502" or "502室"; no report text
    assert not re.search(r"\d+\s*单元|\d+\s*室|\d+栋", everything)
    assert not [a for a in households["address"].dropna() if len(a) > 3 and a in everything]
    assert not [d for d in set(reports["description"].dropna()) if len(d) > 4 and d in everything]


def test_screenshots_for_review(packs: dict[str, Path]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for grid_id, pdf in sorted(packs.items()):
        for old in SCREENSHOTS.glob(f"meeting_pack_{grid_id}_p*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(SCREENSHOTS / f"meeting_pack_{grid_id}_p")],
                       check=True)
        shots = sorted(SCREENSHOTS.glob(f"meeting_pack_{grid_id}_p*.png"))
        for shot in shots:  # pdftoppm names them _p-1.png: make them _p1.png
            shot.rename(shot.with_name(re.sub(r"_p-0*(\d+)\.png$", r"_p\1.png", shot.name)))
        assert [p.name for p in sorted(SCREENSHOTS.glob(f"meeting_pack_{grid_id}_p*.png"))] == \
            [f"meeting_pack_{grid_id}_p{n}.png" for n in range(1, _pages(pdf) + 1)]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory, demo_artifact: Path) -> Path:
    """The demo built again a few months later over the first build: households change colour."""
    from pipelines.build import run_build

    source = tmp_path_factory.mktemp("later") / "input"
    shutil.copytree(SAMPLE, source)
    meta = json.loads((source / "community.json").read_text(encoding="utf-8"))
    meta["reference_date"] = "2027-08-28"
    (source / "community.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    out = tmp_path_factory.mktemp("later-artifact") / "community.gpkg"
    shutil.copy(demo_artifact, out)
    run_build(source, out, progress=False)
    return out


def test_changes_are_counted_per_grid(rebuilt: Path, tmp_path: Path) -> None:
    changes = _layer(rebuilt, "changes")
    assert len(changes)
    grid_of = _layer(rebuilt, "households").set_index("household_id")["grid_id"]
    grid = changes["household_id"].map(grid_of)
    mine = changes[grid == "WG01"]
    text = _text(make_pack(rebuilt, "WG01", None, tmp_path, None))
    moved = int((mine["change"] == "flag_changed").sum())
    to_red = int(((mine["change"] == "flag_changed") & (mine["new_flag"] == "red")).sum())
    assert re.search(rf"0 户 0 户 {moved} 户 {to_red} 户 \d+ 户", text), text
    assert "HH0" not in text  # counts only, never a household


def test_bytes_and_zip_for_the_dashboard(demo_artifact: Path) -> None:
    pdf = pack_bytes(demo_artifact, "WG02", None, None)
    assert pdf.startswith(b"%PDF")
    with zipfile.ZipFile(io.BytesIO(packs_zip(demo_artifact, None, None))) as archive:
        names = archive.namelist()
    assert len(names) == 10 and all(n.endswith(".pdf") for n in names)
    assert any("WG02" in n and "第二网格" in n for n in names)


def test_missing_font_is_a_named_error(demo_artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PackFontError, match="fonts-noto-cjk") as caught:
        find_fonts(tmp_path / "no-fonts")
    assert str(tmp_path / "no-fonts") in str(caught.value)
    monkeypatch.setenv("PACK_FONT_DIR", str(tmp_path / "no-fonts"))
    with pytest.raises(PackFontError):
        make_pack(demo_artifact, "WG01", None, tmp_path / "out", None)
    assert not (tmp_path / "out").exists()


def test_unknown_grid_or_month(demo_artifact: Path, tmp_path: Path) -> None:
    with pytest.raises(PackError, match="WG99"):
        make_pack(demo_artifact, "WG99", None, tmp_path, None)
    with pytest.raises(PackError, match="2019-01"):
        make_pack(demo_artifact, "WG01", "2019-01", tmp_path, None)
    with pytest.raises(PackError, match="找不到地图数据包"):
        make_pack(tmp_path / "none.gpkg", "WG01", None, tmp_path, None)


def _cli(args: list[str], folder: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'store.sqlite'}", **extra}
    return subprocess.run([sys.executable, "-m", "operations", "meeting-pack", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli(demo_artifact: Path, tmp_path: Path) -> None:
    folder = tmp_path / "var"
    folder.mkdir()
    one = _cli(["--grid", "WG03", "--month", "2026-11", "--out", str(tmp_path / "one"),
                "--artifact", str(demo_artifact)], folder)
    assert one.returncode == 0, one.stderr
    written = [Path(line) for line in one.stdout.splitlines() if line.endswith(".pdf")]
    assert len(written) == 1 and written[0].is_file() and "第三网格" in _text(written[0])
    every = _cli(["--out", str(tmp_path / "all"), "--artifact", str(demo_artifact)], folder)
    assert every.returncode == 0, every.stderr
    assert len(list((tmp_path / "all").glob("*.pdf"))) == 10
    for args, words in ((["--grid", "WG99"], "WG99"), (["--month", "2019-01"], "2019-01")):
        bad = _cli([*args, "--out", str(tmp_path / "bad"), "--artifact", str(demo_artifact)], folder)
        assert bad.returncode == 2 and words in bad.stderr and "Traceback" not in bad.stderr
    missing = _cli(["--out", str(tmp_path / "bad"), "--artifact", str(tmp_path / "none.gpkg")], folder)
    assert missing.returncode == 2 and "找不到地图数据包" in missing.stderr
    no_font = _cli(["--out", str(tmp_path / "bad"), "--artifact", str(demo_artifact)], folder,
                   PACK_FONT_DIR=str(tmp_path / "no-fonts"))
    assert no_font.returncode == 2 and "fonts-noto-cjk" in no_font.stderr and "Traceback" not in no_font.stderr
    assert not (tmp_path / "bad").exists()
