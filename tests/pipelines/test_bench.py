"""The benchmark's district generator goes through the same build and places everyone."""

from __future__ import annotations

from pathlib import Path

import pyogrio

from pipelines.bench import make_district
from pipelines.build import run_build


def test_two_communities_build_with_double_figures(tmp_path: Path) -> None:
    make_district(2, tmp_path / "x2")
    summary = run_build(tmp_path / "x2", tmp_path / "out.gpkg", progress=False)
    households = pyogrio.read_dataframe(tmp_path / "out.gpkg", layer="households", read_geometry=False,
                                        columns=["household_id", "grid_id"])
    residents = pyogrio.read_dataframe(tmp_path / "out.gpkg", layer="residents", read_geometry=False,
                                       columns=["person_id"])
    assert len(households) == 2 * 3937 and len(residents) == 2 * 8202
    assert households["grid_id"].nunique() == 20
    assert sum(summary.flags.values()) == 2 * 3937
