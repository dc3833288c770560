"""Red/yellow/blue household flags (红黄蓝三色管理) from a readable rules file.

The rules live in ``pipelines/rules/flags.toml``: each names a colour, the
reason text and one of the named checks below with its parameters.  Every
check is a vectorised function returning one boolean per household; the
worst colour wins and every matching reason is listed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_RULES", "FlagContext", "RulesError", "load_rules", "assign_flags", "CHECKS"]

DEFAULT_RULES = Path(__file__).with_name("rules") / "flags.toml"
COLOURS = ("red", "yellow", "blue")


class RulesError(ValueError):
    """The rules file names an unknown check or colour."""


@dataclass
class FlagContext:
    """What the checks look at, all keyed by English column names.

    ``members`` has one row per resident with ``household_id`` and ``age``;
    ``households`` has ``household_id`` and ``living_arrangement``; the other
    frames may be empty.
    """

    households: pd.DataFrame
    members: pd.DataFrame
    elderly: pd.DataFrame
    special_groups: pd.DataFrame
    needs: pd.DataFrame
    hazards: pd.DataFrame          # with household_id where located at a flat
    reference: date

    def per_household(self, person_mask_frame: pd.DataFrame) -> pd.Series:
        """True for households with at least one of the given persons."""
        ids = self.members.loc[self.members["person_id"].isin(person_mask_frame["person_id"]), "household_id"]
        return self.households["household_id"].isin(ids)

    @cached_property
    def oldest(self) -> pd.Series:
        """Age of each household's oldest member (computed once, used by several rules)."""
        return self.households["household_id"].map(self.members.groupby("household_id")["age"].max()).fillna(-1)

    @cached_property
    def elderly_only(self) -> pd.Series:
        """Households whose members are all 60+ (独居 or 空巢), or declared so (computed once)."""
        all_old = self.members.groupby("household_id")["age"].min() >= 60
        derived = self.households["household_id"].map(all_old).astype("boolean").fillna(False).astype(bool)
        declared = self.households["living_arrangement"].isin(["独居", "空巢"])
        return derived | declared


Check = Callable[..., pd.Series]


def _elderly_only_household(ctx: FlagContext, *, min_age: int) -> pd.Series:
    return (ctx.oldest >= min_age) & ctx.elderly_only


def _care_dependent_elderly_only(ctx: FlagContext) -> pd.Series:
    e = ctx.elderly
    dependent = e[(e["self_care"] == "失能") | (e["dementia"].fillna(False).astype(bool))]
    return ctx.per_household(dependent) & ctx.elderly_only


def _special_group(ctx: FlagContext, *, category: str) -> pd.Series:
    return ctx.per_household(ctx.special_groups[ctx.special_groups["category"] == category])


def _self_care(ctx: FlagContext, *, value: str) -> pd.Series:
    return ctx.per_household(ctx.elderly[ctx.elderly["self_care"] == value])


def _need_open_days(ctx: FlagContext, *, days: int) -> pd.Series:
    n = ctx.needs
    cutoff = pd.Timestamp(ctx.reference) - pd.Timedelta(days=days)
    late = n[(n["status"] != "已办结") & (pd.to_datetime(n["registered_on"]) < cutoff)]
    return ctx.households["household_id"].isin(late["household_id"])


def _open_hazard_at_dwelling(ctx: FlagContext, *, level: str) -> pd.Series:
    h = ctx.hazards
    if h.empty or "household_id" not in h:
        return pd.Series(False, index=ctx.households.index)
    open_ = h[(h["level"] == level) & (h["status"] != "已整改")]
    return ctx.households["household_id"].isin(open_["household_id"].dropna())


#: The checks a rule may name, with the parameters each takes.
CHECKS: dict[str, Check] = {
    "elderly_only_household": _elderly_only_household,
    "care_dependent_elderly_only": _care_dependent_elderly_only,
    "special_group": _special_group,
    "self_care": _self_care,
    "need_open_days": _need_open_days,
    "open_hazard_at_dwelling": _open_hazard_at_dwelling,
}


def load_rules(path: Path = DEFAULT_RULES) -> dict:
    """Read and check a rules file; raise RulesError naming what is wrong."""
    with path.open("rb") as fh:
        rules = tomllib.load(fh)
    for i, rule in enumerate(rules.get("rule", []), start=1):
        if rule.get("check") not in CHECKS:
            msg = f"{path.name} 第{i}条规则: 未知检查 {rule.get('check')!r}；可用: {', '.join(CHECKS)}"
            raise RulesError(msg)
        if rule.get("colour") not in COLOURS[:2]:
            msg = f"{path.name} 第{i}条规则: colour 应为 red 或 yellow"
            raise RulesError(msg)
    return rules


def _same_fact(rule: dict) -> tuple[object, ...]:
    """What a rule looks at, thresholds aside: its check and its non-numeric parameters.

    Two rules with the same key differ only in a number (``min_age = 80`` and
    ``min_age = 60``): the stronger one implies the weaker, so a household
    matched by both needs only the worse reason.  ``special_group`` with
    ``category = "特困"`` and ``"低保"`` are different facts and are both listed.
    """
    params = {k: v for k, v in rule.items() if k not in ("colour", "reason", "check")}
    kept = sorted((k, str(v)) for k, v in params.items() if isinstance(v, bool) or not isinstance(v, int | float))
    return (rule["check"], *kept)


def assign_flags(ctx: FlagContext, rules: dict) -> pd.DataFrame:
    """One colour and the reasons per household, plus last visit and overdue mark.

    Reasons are listed worst colour first, each once: a weaker colour's reason
    from the same check as a matched worse rule (60+ alone after 80+ alone) is
    left out, since it says the same thing less strongly.
    """
    hh = ctx.households
    reasons = pd.Series("", index=hh.index, dtype=object)
    flag = pd.Series("blue", index=hh.index, dtype=object)
    ordered = [r for c in ("red", "yellow") for r in rules["rule"] if r["colour"] == c]
    matched: dict[tuple[object, ...], tuple[str, np.ndarray]] = {}  # fact → (colour, households) of a worse rule
    for rule in ordered:  # red rules first, so red reasons are listed first
        params = {k: v for k, v in rule.items() if k not in ("colour", "reason", "check")}
        hit = CHECKS[rule["check"]](ctx, **params).to_numpy(dtype=bool)
        fact = _same_fact(rule)
        listed = hit
        if fact in matched and matched[fact][0] != rule["colour"]:
            listed = hit & ~matched[fact][1]
        reasons[listed] = reasons[listed] + rule["reason"] + "；"
        colour, before = matched.get(fact, (rule["colour"], np.zeros(len(hh), dtype=bool)))
        if colour == rule["colour"]:
            matched[fact] = (colour, before | hit)
        if rule["colour"] == "red":
            flag[hit] = "red"
        else:
            flag[hit & (flag != "red").to_numpy()] = "yellow"
    reasons = reasons.str.rstrip("；")
    last_visit = _last_visits(ctx)
    interval = flag.map(rules["visit_interval_days"]).astype(int)
    age_days = (pd.Timestamp(ctx.reference) - last_visit).dt.days
    overdue = (last_visit.isna() & (flag != "blue")) | (age_days > interval)
    return pd.DataFrame({"household_id": hh["household_id"], "flag": flag,
                         "flag_reasons": reasons, "visit_interval_days": interval,
                         "last_visit": last_visit, "visit_overdue": overdue.fillna(False)})


def _last_visits(ctx: FlagContext) -> pd.Series:
    parts = [f[["person_id", "last_visit"]].dropna() for f in (ctx.elderly, ctx.special_groups)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(pd.NaT, index=ctx.households.index, dtype="datetime64[ns]")
    visits = pd.concat(parts)
    visits = visits.merge(ctx.members[["person_id", "household_id"]], on="person_id")
    latest = pd.to_datetime(visits["last_visit"]).groupby(visits["household_id"]).max()
    return pd.to_datetime(ctx.households["household_id"].map(latest))
