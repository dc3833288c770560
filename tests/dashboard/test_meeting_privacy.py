"""Meeting mode's figures cannot be subtracted to single out a household: on one screen or between filters.

Each shown figure is turned into the interval of true values it allows; a household is singled out
when a small count (1–4) is pinned down to one value by combining figures.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from dashboard.components.kpi import kpi_texts
from pipelines import selection as sel
from pipelines.build import run_build
from pipelines.privacy import ROUND_TO
from tests.community import OPTIONAL, REQUIRED, write_community


def interval(text: str) -> tuple[float, float]:
    """The true counts a shown figure allows."""
    if text == "—":
        return 0, math.inf
    if text == "0":
        return 0, 0
    if text.startswith("<"):
        return 1, ROUND_TO - 1
    shown = int(text.replace(",", ""))
    return max(shown - ROUND_TO // 2, ROUND_TO), shown + ROUND_TO // 2


def _shown(facts: sel.CommunityFacts, selection: sel.Selection) -> tuple[dict[str, int], dict[str, str]]:
    figures = sel.selection_figures(facts, sel.select(facts, selection))
    return figures, kpi_texts(figures, meeting=True)


def _pinned(low: float, high: float) -> bool:
    return low == high


def _check_one_screen(facts: sel.CommunityFacts, selection: sel.Selection) -> None:
    figures, texts = _shown(facts, selection)
    total = interval(texts["households"])
    parts = {k: interval(texts[k]) for k in ("red", "yellow", "blue")}
    for key, (low, high) in parts.items():
        others = [parts[k] for k in parts if k != key]
        inferred_low = max(low, total[0] - sum(o[1] for o in others))
        inferred_high = min(high, total[1] - sum(o[0] for o in others))
        if 1 <= figures[key] < ROUND_TO:
            assert not _pinned(inferred_low, inferred_high), (selection, key, texts)


def _check_two_states(facts: sel.CommunityFacts, wider: sel.Selection, narrower: sel.Selection) -> None:
    big, big_texts = _shown(facts, wider)
    small, small_texts = _shown(facts, narrower)
    for key in ("households", "residents"):
        difference = big[key] - small[key]
        if 1 <= difference < ROUND_TO:
            a, b = interval(big_texts[key]), interval(small_texts[key])
            assert not _pinned(max(a[0] - b[1], 0), a[1] - b[0]), (wider, narrower, key)


def test_the_reported_example_no_longer_gives_the_red_household(demo_artifact: Path) -> None:
    facts = sel.load_facts(demo_artifact)
    compound = facts.compound_ids[list(facts.compound_names).index("青年路小区")]
    place = sel.Selection(compounds=(compound,))
    figures, texts = _shown(facts, place)
    assert figures["red"] >= 1 and texts["red"] == f"<{ROUND_TO}"
    _check_one_screen(facts, place)
    _check_two_states(facts, sel.Selection(compounds=(compound,), flags=("blue", "red")),
                      sel.Selection(compounds=(compound,), flags=("blue",)))


@pytest.fixture(scope="module")
def small_facts(tmp_path_factory: pytest.TempPathFactory) -> sel.CommunityFacts:
    folder = tmp_path_factory.mktemp("meeting")
    run_build(write_community(folder / "in", (*REQUIRED, *OPTIONAL)), folder / "c.gpkg", progress=False)
    return sel.load_facts(folder / "c.gpkg")


def test_no_filter_combination_pins_down_a_small_count(small_facts: sel.CommunityFacts,
                                                       demo_artifact: Path) -> None:
    for facts in (small_facts, sel.load_facts(demo_artifact)):
        places = [sel.Selection()] + [sel.Selection(grids=(g,)) for g in facts.grid_ids] + \
            [sel.Selection(compounds=(c,)) for c in facts.compound_ids[:20]]
        colours = [()] + [tuple(c) for n in (1, 2) for c in itertools.combinations(("red", "yellow", "blue"), n)]
        for place in places:
            states = [sel.Selection(grids=place.grids, compounds=place.compounds, flags=c) for c in colours]
            for state in states:
                _check_one_screen(facts, state)
            for wider, narrower in itertools.permutations(states, 2):
                if set(narrower.flags or ("red", "yellow", "blue")) < set(wider.flags or ("red", "yellow", "blue")):
                    _check_two_states(facts, wider, narrower)
