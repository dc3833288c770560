"""One test per colour rule, on tiny literal tables."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipelines.flags import FlagContext, RulesError, assign_flags, load_rules

REF = date(2026, 11, 28)
RULES = load_rules()


def _ctx(members: list[tuple[str, str, int]], *, elderly=None, groups=None, needs=None, hazards=None,
         arrangement: dict[str, str] | None = None) -> FlagContext:
    m = pd.DataFrame(members, columns=["person_id", "household_id", "age"])
    hh = pd.DataFrame({"household_id": sorted(m["household_id"].unique())})
    hh["living_arrangement"] = hh["household_id"].map(arrangement or {}).fillna("")
    return FlagContext(
        hh, m,
        pd.DataFrame(elderly or [], columns=["person_id", "self_care", "dementia", "last_visit"]),
        pd.DataFrame(groups or [], columns=["person_id", "category", "last_visit"]),
        pd.DataFrame(needs or [], columns=["household_id", "status", "registered_on"]),
        pd.DataFrame(hazards or [], columns=["household_id", "level", "status"]), REF)


def _flag(ctx: FlagContext, household: str = "H1") -> tuple[str, str]:
    out = assign_flags(ctx, RULES).set_index("household_id")
    return out.at[household, "flag"], out.at[household, "flag_reasons"]


def test_80_plus_living_alone_is_red() -> None:
    assert _flag(_ctx([("P1", "H1", 83)]))[0] == "red"


def test_80_plus_with_young_family_is_not_red() -> None:
    assert _flag(_ctx([("P1", "H1", 83), ("P2", "H1", 50)]))[0] == "blue"


def test_80_plus_in_empty_nest_couple_is_red() -> None:
    flag, reasons = _flag(_ctx([("P1", "H1", 81), ("P2", "H1", 77)]))
    assert flag == "red" and "80岁以上" in reasons


def test_disabled_elder_with_elderly_only_is_red() -> None:
    ctx = _ctx([("P1", "H1", 70), ("P2", "H1", 68)], elderly=[("P1", "失能", False, None)])
    assert _flag(ctx) == ("red", "失能或失智老人独居或仅与老人同住；60岁以上老人独居或空巢")


def test_dementia_alone_is_red() -> None:
    assert _flag(_ctx([("P1", "H1", 66)], elderly=[("P1", "自理", True, None)]))[0] == "red"


@pytest.mark.parametrize("category", ["特困", "困境儿童", "重病患者"])
def test_red_groups(category: str) -> None:
    ctx = _ctx([("P1", "H1", 40), ("P2", "H1", 10)], groups=[("P2", category, None)])
    assert _flag(ctx) == ("red", category if category != "特困" else "特困人员")


def test_open_major_hazard_at_dwelling_is_red() -> None:
    ctx = _ctx([("P1", "H1", 40)], hazards=[("H1", "重大", "整改中")])
    assert _flag(ctx)[0] == "red"
    fixed = _ctx([("P1", "H1", 40)], hazards=[("H1", "重大", "已整改")])
    assert _flag(fixed)[0] == "blue"


def test_60_plus_alone_is_yellow() -> None:
    assert _flag(_ctx([("P1", "H1", 65)])) == ("yellow", "60岁以上老人独居或空巢")


def test_declared_empty_nest_is_yellow() -> None:
    ctx = _ctx([("P1", "H1", 62), ("P2", "H1", 58)], arrangement={"H1": "空巢"})
    assert _flag(ctx)[0] == "yellow"


def test_half_disabled_is_yellow() -> None:
    ctx = _ctx([("P1", "H1", 70), ("P2", "H1", 40)], elderly=[("P1", "半失能", False, None)])
    assert _flag(ctx) == ("yellow", "半失能老人")


@pytest.mark.parametrize("category,reason", [("低保", "低保户"), ("残疾人", "残疾人"), ("留守儿童", "留守儿童"),
                                             ("计生特殊家庭", "计生特殊家庭"), ("优抚对象", "优抚对象")])
def test_yellow_groups(category: str, reason: str) -> None:
    ctx = _ctx([("P1", "H1", 40)], groups=[("P1", category, None)])
    assert _flag(ctx) == ("yellow", reason)


def test_need_open_over_30_days_is_yellow() -> None:
    old = _ctx([("P1", "H1", 40)], needs=[("H1", "办理中", pd.Timestamp("2026-10-01"))])
    assert _flag(old)[0] == "yellow"
    recent = _ctx([("P1", "H1", 40)], needs=[("H1", "待办", pd.Timestamp("2026-11-20"))])
    assert _flag(recent)[0] == "blue"


def test_worst_colour_wins_and_all_reasons_listed() -> None:
    ctx = _ctx([("P1", "H1", 85)], groups=[("P1", "低保", None)])
    flag, reasons = _flag(ctx)
    assert flag == "red" and "低保户" in reasons and reasons.startswith("80岁以上")


def test_overdue_by_colour_interval() -> None:
    ctx = _ctx([("P1", "H1", 85), ("P2", "H2", 40)], elderly=[("P1", "自理", False, pd.Timestamp("2026-11-10"))])
    out = assign_flags(ctx, RULES).set_index("household_id")
    assert bool(out.at["H1", "visit_overdue"]) is True      # red: weekly, last visit 18 days ago
    assert bool(out.at["H2", "visit_overdue"]) is False     # blue with no record is not overdue


def test_unknown_check_in_rules_file_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "rules.toml"
    bad.write_text('[visit_interval_days]\nred=7\nyellow=30\nblue=90\n[[rule]]\ncolour="red"\nreason="x"\n'
                   'check="nonsense"\n', encoding="utf-8")
    with pytest.raises(RulesError, match="nonsense"):
        load_rules(bad)


def test_a_reason_is_listed_once_worst_first() -> None:
    # 80+ alone implies 60+ alone: the yellow reason of the same check says the same thing less strongly
    assert _flag(_ctx([("P1", "H1", 85)])) == ("red", "80岁以上老人独居或空巢")
    couple = _ctx([("P1", "H1", 82), ("P2", "H1", 66)], groups=[("P2", "低保", None)])
    assert _flag(couple) == ("red", "80岁以上老人独居或空巢；低保户")


def test_different_facts_of_one_check_are_all_listed() -> None:
    ctx = _ctx([("P1", "H1", 40), ("P2", "H1", 12)], groups=[("P1", "低保", None), ("P2", "困境儿童", None)])
    assert _flag(ctx) == ("red", "困境儿童；低保户")
