"""Filters on the demo artifact, checked against plain pandas computations on the same layers."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest

from pipelines import selection as sel
from pipelines.office_files import export_xlsx
from pipelines.privacy import mask_frame


@pytest.fixture(scope="module")
def facts(demo_artifact: Path) -> sel.CommunityFacts:
    return sel.load_facts(demo_artifact)


def _layer(path: Path, name: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=name, read_geometry=False)


def test_no_filter_gives_the_community(facts: sel.CommunityFacts) -> None:
    figures = sel.selection_figures(facts, sel.select(facts, sel.Selection()))
    assert figures["households"] == 3937 and figures["residents"] == 8202
    assert round(figures["share_60_plus"], 3) == 0.349
    assert figures["red"] + figures["yellow"] + figures["blue"] == 3937


def test_groups_match_their_source_tables(facts: sel.CommunityFacts, demo_artifact: Path) -> None:
    residents = _layer(demo_artifact, "residents")
    special = _layer(demo_artifact, "special_groups").merge(residents[["person_id", "household_id"]])
    elderly = _layer(demo_artifact, "elderly").merge(residents[["person_id", "household_id"]])
    households = _layer(demo_artifact, "households")
    expected = {
        "aged_80_plus": set(residents.loc[pd.to_numeric(residents["age"]) >= 80, "household_id"]),
        "dibao": set(special.loc[special["category"] == "低保", "household_id"]),
        "disability": set(special.loc[special["category"] == "残疾人", "household_id"]),
        "disabled": set(elderly.loc[elderly["self_care"].isin(["失能", "半失能"]), "household_id"]),
        "living_alone": set(households.loc[households["living_arrangement"] == "独居", "household_id"]),
        "party_member": set(residents.loc[residents["political_status"] == "中共党员", "household_id"]),
    }
    for group, ids in expected.items():
        selected = sel.select(facts, sel.Selection(groups=(group,)))
        got = set(facts.households.loc[selected.households, "household_id"])
        assert got == ids, group


def test_age_band_counts_only_members_in_the_band(facts: sel.CommunityFacts, demo_artifact: Path) -> None:
    residents = _layer(demo_artifact, "residents")
    age = pd.to_numeric(residents["age"])
    band = residents[(age >= 60) & (age < 80)]
    figures = sel.selection_figures(facts, sel.select(facts, sel.Selection(age_bands=("60-79",))))
    assert figures["residents"] == len(band)
    assert figures["households"] == band["household_id"].nunique()
    assert figures["share_60_plus"] == 1.0


def test_place_and_dates_select_reports(facts: sel.CommunityFacts, demo_artifact: Path) -> None:
    reports = _layer(demo_artifact, "reports")
    chosen = sel.Selection(grids=("WG02", "WG05"), start=date(2026, 6, 1), end=date(2026, 6, 30),
                           report_categories=("环境卫生", "物业维修"))
    selected = sel.select(facts, chosen)
    day = pd.to_datetime(reports["submitted_at"]).dt.normalize()
    expected = reports[reports["grid_id"].isin(["WG02", "WG05"]) & (day >= "2026-06-01") & (day <= "2026-06-30")
                       & reports["category"].isin(["环境卫生", "物业维修"])]
    assert int(selected.reports.sum()) == len(expected) > 0
    assert selected.days == 30
    grids = sel.grid_counts(facts, selected)
    households = _layer(demo_artifact, "households")
    wg02 = (households["grid_id"] == "WG02").sum()
    hazards = _layer(demo_artifact, "hazards")
    h_day = pd.to_datetime(hazards["found_on"]).dt.normalize()
    wg02_hazards = ((hazards["grid_id"] == "WG02") & (h_day >= "2026-06-01") & (h_day <= "2026-06-30")).sum()
    rate = ((expected["grid_id"] == "WG02").sum() + wg02_hazards) * 100 / wg02 * 30 / 30
    assert grids.loc["WG02", "hotspot_rate"] == pytest.approx(rate, abs=0.05)


def test_building_counts_sum_to_the_figures(facts: sel.CommunityFacts) -> None:
    selected = sel.select(facts, sel.Selection(flags=("red",), compounds=("XQ05",)))
    buildings = sel.building_counts(facts, selected)
    figures = sel.selection_figures(facts, selected)
    assert set(buildings.index.str[:4]) == {"XQ05"}
    assert buildings["households"].sum() == figures["households"] == buildings["red"].sum()
    assert (buildings.loc[buildings["households"] > 0, "worst"] == 3).all()


def test_table_rows_follow_the_selection_and_export_is_masked(facts: sel.CommunityFacts, demo_artifact: Path,
                                                              ) -> None:
    selected = sel.select(facts, sel.Selection(grids=("WG01",)))
    elderly = _layer(demo_artifact, "elderly")
    keep, flags = sel.table_rows(facts, selected, "elderly", elderly)
    residents = _layer(demo_artifact, "residents")
    households = _layer(demo_artifact, "households")
    in_grid = set(households.loc[households["grid_id"] == "WG01", "household_id"])
    people = set(residents.loc[residents["household_id"].isin(in_grid), "person_id"])
    assert set(elderly.loc[keep, "person_id"]) == people & set(elderly["person_id"])
    assert set(np.unique(flags[keep])) <= {1, 2, 3}
    shown = mask_frame(elderly[keep], "elderly")
    data = export_xlsx(shown, title="老年人关爱表")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "老年人关爱表" and len(rows) == 2 + int(keep.sum())
    phones = {str(v) for v in elderly.loc[keep, "emergency_phone"].dropna() if v}
    written = {str(v) for row in rows for v in row if v is not None}
    assert phones and not phones & written
    assert any("****" in v for v in written)


def test_grid_work_rows_with_grid_codes_or_names_all_appear(facts: sel.CommunityFacts, demo_artifact: Path) -> None:
    """The demo writes 网格 as WG01 on some rows and 第一网格 on others: every row belongs to its grid."""
    work = pyogrio.read_dataframe(demo_artifact, layer="grid_work", read_geometry=False)
    assert work["grid"].str.startswith("WG").any() and work["grid"].str.startswith("第").any()
    everything, _ = sel.table_rows(facts, sel.select(facts, sel.Selection()), "grid_work", work)
    assert everything.sum() == len(work) == 2982
    one, _ = sel.table_rows(facts, sel.select(facts, sel.Selection(grids=("WG01",))), "grid_work", work)
    assert set(work.loc[one, "grid"]) == {"WG01", "第一网格"}
    assert one.sum() == int(work["grid"].isin(["WG01", "第一网格"]).sum())
