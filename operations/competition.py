"""网格擂台比武: each grid's month on the 12 aspects, and a score mainly on problems solved and satisfaction.

Counted from the build's grid work records (网格工作记录表), its reports export and hazards, and the live
store (reports filed and handled here, visits logged here), as ``rules/competition.toml`` says.  Every
aspect is compared per 100 households, so a grid of 550 households and one of 260 compare fairly.  The
score is explainable: :func:`month_scores` returns each part (a share between 0 and 1) and the points it
adds; a part a grid has too few cases for is scored at the community's value and marked.  No Streamlit
here: the ranking page, its export and the meeting pack read the same tables.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
from sqlalchemy import select
from sqlalchemy.orm import Session

from operations.live_view import EXPORT_STATUS
from operations.models import Visit
from operations.reports import report_frame
from operations.settings import UTC_TO_LOCAL
from operations.workflow import Workflow, workflow

__all__ = ["ASPECTS", "COMPETITION_RULES", "PARTS", "CompetitionRules", "Inputs", "competition_rules",
           "load_inputs", "month_scores", "months", "ranking"]

COMPETITION_RULES = Path(__file__).with_name("rules") / "competition.toml"
#: the 12 aspects of 表8, in the community's order
ASPECTS = ("入户走访", "下沉网格", "发现安全隐患", "收集居民诉求", "办结居民诉求", "化解矛盾纠纷", "特殊群体走访",
           "组织协商议事", "开展志愿服务", "政策宣传", "信息采集更新", "满意度回访")
#: the parts of the score → (Chinese, English)
PARTS: dict[str, tuple[str, str]] = {
    "resolution_rate": ("办结率", "Resolution rate"), "on_time_rate": ("按时办结率", "On-time rate"),
    "satisfaction": ("满意度", "Satisfaction"), "rated_share": ("评价率", "Share rated"),
    "activity": ("工作量（每百户）", "Work per 100 households"),
}
SOURCES = ("table", "visits", "special_visits", "reports_collected", "reports_resolved", "hazards_found")
CLOSED = ("closed", "rated")
LEFT = ("duplicate", "transferred", "cancelled")  # not the community's to solve: out of the rates


class CompetitionConfigError(ValueError):
    """competition.toml cannot be used: the message names the entry."""


@dataclass(frozen=True)
class CompetitionRules:
    """Weights, sample minimums and where each aspect is counted from."""

    weights: dict[str, float]
    min_rated: int = 5
    min_reports: int = 3
    aspects: dict[str, tuple[str, ...]] = field(default_factory=dict)


def competition_rules(path: Path | None = None) -> CompetitionRules:
    """Read and check ``competition.toml`` (``$COMPETITION_RULES`` names another file)."""
    source = path or Path(os.environ.get("COMPETITION_RULES") or COMPETITION_RULES)
    with source.open("rb") as fh:
        data = tomllib.load(fh)
    weights = {str(k): float(v) for k, v in data.get("weights", {}).items()}
    unknown = set(weights) - set(PARTS)
    if unknown or not weights or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        msg = (f"competition.toml [weights]：只能是 {', '.join(PARTS)}，且不能为负、不能全为 0 / "
               f"weights must be among {', '.join(PARTS)}, non-negative, not all zero")
        raise CompetitionConfigError(msg)
    aspects = {str(k): tuple(v) for k, v in data.get("aspects", {}).items()}
    bad = [k for k, v in aspects.items() if k not in ASPECTS or not v or set(v) - set(SOURCES)]
    if bad:
        msg = f"competition.toml [aspects] 中 {bad}：方面须为表8的 12 项之一，来源只能是 {', '.join(SOURCES)}"
        raise CompetitionConfigError(msg)
    samples = data.get("samples", {})
    return CompetitionRules(weights, int(samples.get("min_rated", 5)), int(samples.get("min_reports", 3)),
                            {a: aspects.get(a, ("table",)) for a in ASPECTS})


@dataclass
class Inputs:
    """Everything the scores are counted from, in Beijing time."""

    grids: pd.DataFrame  # grid_id (index), name, households
    work: pd.DataFrame  # grid_id, month, aspect, count
    # number, grid_id, building_id, category, state, submitted, closed, rating; due: the running time limit
    # (NaT for a live report not dispatched yet); on_time_by: the limit an on-time close is measured against
    reports: pd.DataFrame
    hazards: pd.DataFrame  # grid_id, month
    visits: pd.DataFrame  # grid_id, month, special


def _read(path: Path, layer: str, columns: list[str] | None = None) -> pd.DataFrame:
    if layer not in {name for name, _ in pyogrio.list_layers(path)}:
        return pd.DataFrame(columns=columns or [])
    return pyogrio.read_dataframe(path, layer=layer, columns=columns, read_geometry=False)


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m")


def load_inputs(artifact: Path, db: Session | None = None, rules: Workflow | None = None) -> Inputs:
    """Read the artifact's grids, households, grid work, reports and hazards, and the store's reports and visits."""
    rules = rules or workflow()
    grids = _read(artifact, "grids", ["grid_id", "name"]).set_index("grid_id")
    households = _read(artifact, "households", ["household_id", "grid_id"])
    grids["households"] = households["grid_id"].value_counts().reindex(grids.index).fillna(0).astype(int)
    work = _read(artifact, "grid_work", ["date", "aspect", "count", "grid_id"])
    work = pd.DataFrame({"grid_id": work["grid_id"], "month": _month(work["date"]), "aspect": work["aspect"],
                         "count": pd.to_numeric(work["count"], errors="coerce").fillna(0)})
    built = _read(artifact, "reports", ["report_id", "submitted_at", "category", "status", "closed_at",
                                        "satisfaction", "grid_id", "building_id"])
    submitted = pd.to_datetime(built["submitted_at"], errors="coerce")
    limit = submitted + pd.to_timedelta(built["category"].map(rules.hours_for).astype(float), unit="h")
    reports = pd.DataFrame({
        "number": built["report_id"].astype(str), "grid_id": built["grid_id"], "building_id": built["building_id"],
        "category": built["category"], "state": built["status"].map(lambda s: EXPORT_STATUS.get(s, s)),
        "submitted": submitted, "closed": pd.to_datetime(built["closed_at"], errors="coerce"), "due": limit,
        "on_time_by": limit, "rating": pd.to_numeric(built["satisfaction"], errors="coerce")})
    visits = pd.DataFrame(columns=["grid_id", "month", "special"])
    if db is not None:
        live = report_frame(db, rules=rules)
        if len(live):
            live_submitted = pd.to_datetime(live["submitted_at"]) + UTC_TO_LOCAL
            due = pd.to_datetime(live["due_at"]) + UTC_TO_LOCAL
            hours = pd.to_timedelta(live["category"].map(rules.hours_for).astype(float), unit="h")
            stored = pd.DataFrame({
                "number": live["number"].astype(str), "grid_id": live["grid_id"].replace("", None),
                "building_id": live["building_id"].replace("", None), "category": live["category"],
                "state": live["status"], "submitted": live_submitted,
                "closed": pd.to_datetime(live["closed_at"]) + UTC_TO_LOCAL, "due": due,
                "on_time_by": due.fillna(live_submitted + hours),
                "rating": pd.to_numeric(live["rating"], errors="coerce")})
            reports = pd.concat([reports[~reports["number"].isin(set(stored["number"]))].dropna(axis=1, how="all"),
                                 stored.dropna(axis=1, how="all")], ignore_index=True).reindex(columns=stored.columns)
        for column in ("submitted", "closed", "due", "on_time_by"):  # an empty export leaves them untyped
            reports[column] = pd.to_datetime(reports[column], errors="coerce")
        reports["rating"] = pd.to_numeric(reports["rating"], errors="coerce")
        special = set(_read(artifact, "special_groups", ["person_id"])["person_id"]) | set(
            _read(artifact, "elderly", ["person_id"])["person_id"])
        members = _read(artifact, "residents", ["person_id", "household_id"])
        special_households = set(members.loc[members["person_id"].isin(special), "household_id"])
        rows = db.execute(select(Visit.grid_id, Visit.visited_on, Visit.household_id)).all()
        frame = pd.DataFrame(rows, columns=["grid_id", "visited_on", "household_id"])
        visits = pd.DataFrame({"grid_id": frame["grid_id"], "month": _month(frame["visited_on"]),
                               "special": frame["household_id"].isin(special_households)})
    hazards = _read(artifact, "hazards", ["found_on", "grid_id"])
    return Inputs(grids, work, reports, pd.DataFrame({"grid_id": hazards["grid_id"],
                                                      "month": _month(hazards["found_on"])}), visits)


def months(inputs: Inputs) -> list[str]:
    """Every month with grid work or reports, oldest first."""
    found = set(inputs.work["month"].dropna()) | set(_month(inputs.reports["submitted"]).dropna())
    return sorted(found)


def _aspect_counts(inputs: Inputs, month: str, rules: CompetitionRules) -> pd.DataFrame:
    index = inputs.grids.index
    reports = inputs.reports
    work = inputs.work[inputs.work["month"] == month]
    table = work.pivot_table(index="grid_id", columns="aspect", values="count", aggfunc="sum", fill_value=0)
    visits = inputs.visits[inputs.visits["month"] == month]
    counted = {
        "visits": visits.groupby("grid_id").size(),
        "special_visits": visits[visits["special"].astype(bool)].groupby("grid_id").size(),
        "reports_collected": reports[(_month(reports["submitted"]) == month) & ~reports["state"].isin(LEFT)]
        .groupby("grid_id").size(),
        "reports_resolved": reports[_month(reports["closed"]) == month].groupby("grid_id").size(),
        "hazards_found": inputs.hazards[inputs.hazards["month"] == month].groupby("grid_id").size(),
    }
    out = pd.DataFrame(index=index)
    for aspect in ASPECTS:
        total = pd.Series(0.0, index=index)
        for source in rules.aspects[aspect]:
            part = table[aspect] if source == "table" and aspect in table.columns else counted.get(source)
            if part is not None:
                total = total.add(part.reindex(index).fillna(0), fill_value=0)
        out[aspect] = total.astype(float)
    return out


def month_scores(inputs: Inputs, month: str, rules: CompetitionRules | None = None) -> pd.DataFrame:
    """One row per grid for ``month`` (``YYYY-MM``): aspects, the parts of the score, points, score and rank.

    Columns: ``name``, ``households``; each aspect and ``<aspect>/100``; the cases ``reports`` (filed in the
    month), ``solved`` (of those, closed by the month's end), ``closed`` (closed in the month), ``on_time``,
    ``rated``; each part (0–1), ``<part>_points`` and ``<part>_few`` (True where the community's value was
    used); ``mean_rating`` (NaN with too few ratings: 样本不足); ``score`` (0–100); ``rank`` (ties share one).
    """
    rules = rules or competition_rules()
    grids = inputs.grids
    out = grids[["name", "households"]].copy()
    counts = _aspect_counts(inputs, month, rules)
    per_100 = 100.0 / grids["households"].where(grids["households"] > 0)
    for aspect in ASPECTS:
        out[aspect] = counts[aspect]
        out[f"{aspect}/100"] = (counts[aspect] * per_100).fillna(0.0).round(1)
    reports = inputs.reports
    month_end = pd.Period(month, "M").end_time
    cohort = reports[(_month(reports["submitted"]) == month) & ~reports["state"].isin(LEFT)]
    closed_in = reports[_month(reports["closed"]) == month]
    solved = cohort["closed"].notna() & (cohort["closed"] <= month_end)
    on_time = closed_in["closed"] <= closed_in["on_time_by"]
    rated = closed_in["rating"].notna()

    def by_grid(values: pd.Series, frame: pd.DataFrame, how: str) -> pd.Series:
        grouped = values.groupby(frame["grid_id"])
        return (grouped.sum() if how == "sum" else grouped.size()).reindex(grids.index).fillna(0)

    out["reports"] = by_grid(solved, cohort, "size").astype(int)
    out["solved"] = by_grid(solved.astype(int), cohort, "sum").astype(int)
    out["closed"] = by_grid(on_time, closed_in, "size").astype(int)
    out["on_time"] = by_grid(on_time.astype(int), closed_in, "sum").astype(int)
    out["rated"] = by_grid(rated.astype(int), closed_in, "sum").astype(int)
    rating_sum = closed_in["rating"].fillna(0).groupby(closed_in["grid_id"]).sum().reindex(grids.index).fillna(0)

    def share(part: str, hits: pd.Series, base: pd.Series, minimum: int, pooled: float) -> None:
        few = base < minimum
        value = (hits / base.where(base > 0)).where(~few)
        out[part] = value.fillna(pooled).clip(0, 1)
        out[f"{part}_few"] = few

    def pooled(hits: float, base: float) -> float:
        return hits / base if base > 0 else 0.0

    share("resolution_rate", out["solved"], out["reports"], rules.min_reports,
          pooled(out["solved"].sum(), out["reports"].sum()))
    share("on_time_rate", out["on_time"], out["closed"], rules.min_reports,
          pooled(out["on_time"].sum(), out["closed"].sum()))
    share("rated_share", out["rated"], out["closed"], rules.min_reports,
          pooled(out["rated"].sum(), out["closed"].sum()))
    mean_rating = rating_sum / out["rated"].where(out["rated"] > 0)
    few_rated = out["rated"] < rules.min_rated
    out["mean_rating"] = mean_rating.where(~few_rated).round(2)  # NaN: 样本不足, never shown as 5.0
    pooled_rating = pooled(rating_sum.sum(), out["rated"].sum())
    community_satisfaction = (pooled_rating - 1) / 4 if out["rated"].sum() else 0.0
    out["satisfaction"] = ((mean_rating - 1) / 4).where(~few_rated).fillna(community_satisfaction).clip(0, 1)
    out["satisfaction_few"] = few_rated
    best = out[[f"{a}/100" for a in ASPECTS]].max()
    relative = out[[f"{a}/100" for a in ASPECTS]] / best.where(best > 0)
    out["activity"] = relative.fillna(0.0).mean(axis=1).clip(0, 1)
    out["activity_few"] = False
    total = sum(rules.weights.values())
    score = pd.Series(0.0, index=out.index)
    for part in PARTS:
        points = 100.0 * rules.weights.get(part, 0.0) * out[part] / total
        out[f"{part}_points"] = points.round(1)
        score += points
    out["score"] = score.round(1)
    out["rank"] = out["score"].rank(method="min", ascending=False).astype(int)
    return out.sort_values(["rank", "name"])


def ranking(inputs: Inputs, month: str, rules: CompetitionRules | None = None) -> tuple[pd.DataFrame, str | None]:
    """:func:`month_scores` with the change since the month before, and the best improved grid's id.

    ``score_change`` and ``rank_change`` are positive when better, NaN for the first month; the best improved
    grid is None without a month before (or when no grid improved).
    """
    rules = rules or competition_rules()
    now = month_scores(inputs, month, rules)
    previous = str(pd.Period(month, "M") - 1)
    if previous not in months(inputs):
        now["score_change"], now["rank_change"] = np.nan, np.nan
        return now, None
    before = month_scores(inputs, previous, rules)
    now["score_change"] = (now["score"] - before["score"].reindex(now.index)).round(1)
    now["rank_change"] = before["rank"].reindex(now.index) - now["rank"]
    best = now["score_change"].idxmax() if now["score_change"].notna().any() else None
    return now, (str(best) if best is not None and now.loc[best, "score_change"] > 0 else None)
