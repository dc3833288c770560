"""网格擂台比武 scoring: weights, per 100 households, ties, small samples, empty months, the month before, and
the live store (a report resolved and rated here moves its grid's score)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from operations import competition, reports
from operations.competition import ASPECTS, PARTS, CompetitionRules, Inputs, competition_rules, month_scores, ranking
from operations.places import load_places
from operations.reports import Actor
from operations.store import db
from tests.store import store_with_users

RULES = competition_rules()


def _inputs(households: dict[str, int], reports_rows: list[dict[str, object]] | None = None,
            work: list[tuple[str, str, str, float]] | None = None) -> Inputs:
    grids = pd.DataFrame({"name": [f"第{g}网格" for g in households], "households": list(households.values())},
                         index=pd.Index(list(households), name="grid_id"))
    rows = pd.DataFrame(reports_rows or [], columns=["number", "grid_id", "category", "state", "submitted", "closed",
                                                     "due", "rating"])
    for column in ("submitted", "closed", "due"):
        rows[column] = pd.to_datetime(rows[column])
    rows["rating"] = pd.to_numeric(rows["rating"])
    rows["on_time_by"], rows["building_id"] = rows["due"], None  # the limit in force when each was closed
    return Inputs(grids, pd.DataFrame(work or [], columns=["grid_id", "month", "aspect", "count"]), rows,
                  pd.DataFrame(columns=["grid_id", "month"]), pd.DataFrame(columns=["grid_id", "month", "special"]))


def _report(number: int, grid: str, *, day: int = 3, closed_after_h: float | None = 10, rating: float | None = None,
            limit_h: float = 48) -> dict[str, object]:
    submitted = datetime(2026, 11, day, 9)
    closed = submitted + timedelta(hours=closed_after_h) if closed_after_h is not None else None
    state = "rated" if rating else ("closed" if closed else "in_progress")
    return {"number": f"R{number}", "grid_id": grid, "category": "环境卫生", "state": state, "submitted": submitted,
            "closed": closed, "due": submitted + timedelta(hours=limit_h), "rating": rating}


def test_an_empty_month_and_an_empty_grid_score_without_dividing_by_zero() -> None:
    frame = month_scores(_inputs({"A": 300, "B": 0}), "2026-11", RULES)
    assert np.isfinite(frame["score"]).all() and (frame["score"] == 0).all()
    assert list(frame["rank"]) == [1, 1]  # nothing to tell them apart: the same rank
    assert frame["mean_rating"].isna().all()


def test_solving_and_satisfaction_weigh_most() -> None:
    solved = [_report(i, "A", rating=5) for i in range(6)]
    unsolved = [_report(10 + i, "B", closed_after_h=None) for i in range(6)]
    busy = [("B", "2026-11", aspect, 50.0) for aspect in ASPECTS]  # B works hard on all 12 aspects but solves nothing
    frame = month_scores(_inputs({"A": 300, "B": 300}, solved + unsolved, busy), "2026-11", RULES)
    assert frame.loc["A", "score"] > frame.loc["B", "score"] and frame.loc["A", "rank"] == 1
    assert frame.loc["A", "resolution_rate"] == 1.0 and frame.loc["B", "resolution_rate"] == 0.0
    parts = sum(frame.loc["A", f"{p}_points"] for p in PARTS)
    assert abs(parts - frame.loc["A", "score"]) < 0.3  # the breakdown adds up to the score
    only_work = replace(RULES, weights={"activity": 1.0})  # weights are the file's: all on work, and B leads
    assert month_scores(_inputs({"A": 300, "B": 300}, solved + unsolved, busy), "2026-11", only_work).loc[
        "B", "rank"] == 1


def test_aspects_are_compared_per_100_households() -> None:
    same_work = [(g, "2026-11", "入户走访", 30.0) for g in ("S", "L")]
    frame = month_scores(_inputs({"S": 150, "L": 600}, work=same_work), "2026-11", RULES)
    assert frame.loc["S", "入户走访/100"] == 20.0 and frame.loc["L", "入户走访/100"] == 5.0
    assert frame.loc["S", "activity"] > frame.loc["L", "activity"]  # the same count means more in a small grid


def test_ties_share_a_rank() -> None:
    rows = [_report(i, g, rating=4) for g in ("A", "B") for i in range(5 * (g == "A"), 5 * (g == "A") + 5)]
    rows += [_report(20 + i, "C", rating=2) for i in range(5)]
    frame = month_scores(_inputs({"A": 300, "B": 300, "C": 300}, rows), "2026-11", RULES)
    assert frame.loc["A", "score"] == frame.loc["B", "score"]
    assert (frame.loc["A", "rank"], frame.loc["B", "rank"], frame.loc["C", "rank"]) == (1, 1, 3)


def test_too_few_ratings_is_not_a_perfect_score() -> None:
    rows = [_report(1, "A", rating=5), _report(2, "A", rating=5)]  # two perfect ratings only
    rows += [_report(10 + i, "B", rating=3) for i in range(8)]
    frame = month_scores(_inputs({"A": 300, "B": 300}, rows), "2026-11", RULES)
    assert pd.isna(frame.loc["A", "mean_rating"]) and frame.loc["A", "satisfaction_few"]  # 样本不足, not 5.0
    community = ((2 * 5 + 8 * 3) / 10 - 1) / 4
    assert frame.loc["A", "satisfaction"] == pytest.approx(community)  # neither reward nor penalty
    assert frame.loc["B", "mean_rating"] == 3.0 and not frame.loc["B", "satisfaction_few"]
    assert frame.loc["A", "resolution_rate_few"]  # 2 reports < min_reports: the community's rate


def test_on_time_counts_the_category_limit() -> None:
    rows = [_report(i, "A", closed_after_h=10) for i in range(4)] + [_report(9, "A", closed_after_h=60)]
    frame = month_scores(_inputs({"A": 300}, rows), "2026-11", RULES)
    assert frame.loc["A", "on_time"] == 4 and frame.loc["A", "on_time_rate"] == pytest.approx(0.8)


def test_the_change_since_last_month_and_the_best_improved_grid() -> None:
    october = [dict(_report(i, g, rating=3), submitted=datetime(2026, 10, 5), closed=datetime(2026, 10, 6),
                    due=datetime(2026, 10, 8)) for i, g in enumerate(["A"] * 5 + ["B"] * 5)]
    november = [_report(20 + i, "A", rating=5) for i in range(5)] + [_report(30 + i, "B", rating=2) for i in range(5)]
    frame, best = ranking(_inputs({"A": 300, "B": 300}, october + november), "2026-11", RULES)
    assert best == "A" and frame.loc["A", "score_change"] > 0 > frame.loc["B", "score_change"]
    first, none = ranking(_inputs({"A": 300}, october), "2026-10", RULES)
    assert none is None and first["score_change"].isna().all()


def test_the_demo_has_twelve_months_of_scores(demo_artifact: Path) -> None:
    inputs = competition.load_inputs(demo_artifact)
    months = competition.months(inputs)
    assert len(months) >= 12
    for month in months[-12:]:
        frame, _ = ranking(inputs, month)
        assert len(frame) == 10 and frame["score"].between(0, 100).all()
        assert frame[[f"{a}/100" for a in ASPECTS]].to_numpy().sum() > 0


def test_a_report_resolved_and_rated_here_moves_its_grids_score(demo_artifact: Path, tmp_path: Path) -> None:
    store = store_with_users(tmp_path / "store")
    places = load_places(demo_artifact)
    building = next(b for _, _, items in places.compounds() for b, _ in items
                    if places.building(b).grid_id == "WG01")  # type: ignore[union-attr]
    month = "2026-12"
    with db(store) as session:
        before = month_scores(competition.load_inputs(demo_artifact, session), month).loc["WG01", "score"]
        now = datetime(2026, 12, 10, 2)
        report, _ = reports.submit(session, category="环境卫生", description="垃圾桶满了",
                                   actor=Actor("居民", "resident"), place=places.building(building),  # type: ignore[arg-type]
                                   now=now)
        for action, actor, extra in (("take", Actor("w", "grid_worker", ("WG01",)), {}),
                                     ("resolve", Actor("w", "grid_worker", ("WG01",)), {"note": "已清运"}),
                                     ("close", Actor("l", "leader"), {}), ("rate", Actor("居民", "resident"),
                                                                            {"rating": 5})):
            reports.act(session, report.number, action, actor, now=now + timedelta(hours=2), **extra)
        after = month_scores(competition.load_inputs(demo_artifact, session), month)
    assert after.loc["WG01", "收集居民诉求"] == 1 and after.loc["WG01", "办结居民诉求"] == 1
    assert after.loc["WG01", "score"] > before


def test_the_rules_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "competition.toml"
    bad.write_text('[weights]\nluck = 1.0\n', encoding="utf-8")
    with pytest.raises(competition.CompetitionConfigError, match="weights"):
        competition_rules(bad)
    assert isinstance(RULES, CompetitionRules) and set(RULES.aspects) == set(ASPECTS)
