"""Meeting mode's figures cannot be combined to single out a household: on one screen or between filters.

Each shown figure is turned into the interval of true values it allows; a household is singled out
when a small count (0–4) is pinned down to one value by combining figures.  Only places filter on the
projector, so the filter states to compare are places (grids, compounds) and their unions.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.components.kpi import kpi_texts
from pipelines import selection as sel
from pipelines.build import run_build
from pipelines.privacy import MIN_GROUP, RATE_BASE, ROUND_TO
from tests.community import OPTIONAL, REQUIRED, write_community
from tests.dashboard.conftest import APP, kpis, login_as


def interval(text: str) -> tuple[float, float]:
    """The true counts a shown figure allows."""
    if text == "—":
        return 0, math.inf
    if text.startswith("<"):
        return 0, ROUND_TO - 1
    shown = int(text.replace(",", ""))
    return max(shown - ROUND_TO // 2, ROUND_TO), shown + ROUND_TO // 2


def _shown(facts: sel.CommunityFacts, selection: sel.Selection) -> tuple[dict[str, int], dict[str, str]]:
    figures = sel.selection_figures(facts, sel.select(facts, selection))
    return figures, kpi_texts(figures, meeting=True)


def _check_one_screen(facts: sel.CommunityFacts, selection: sel.Selection) -> None:
    figures, texts = _shown(facts, selection)
    total = interval(texts["households"])
    parts = {k: interval(texts[k]) for k in ("red", "yellow", "blue")}
    for key, (low, high) in parts.items():
        others = [parts[k] for k in parts if k != key]
        inferred_low = max(low, total[0] - sum(o[1] for o in others))
        inferred_high = min(high, total[1] - sum(o[0] for o in others))
        if figures[key] < ROUND_TO:
            assert inferred_low < inferred_high, (selection, key, texts)


def _check_two_states(facts: sel.CommunityFacts, wider: sel.Selection, narrower: sel.Selection) -> None:
    big, big_texts = _shown(facts, wider)
    small, small_texts = _shown(facts, narrower)
    for key in ("households", "residents", "red", "yellow"):
        difference = big[key] - small[key]
        if difference < ROUND_TO:
            a, b = interval(big_texts[key]), interval(small_texts[key])
            assert max(a[0] - b[1], 0) < a[1] - b[0], (wider, narrower, key)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("meeting")
    run_build(write_community(folder / "in", (*REQUIRED, *OPTIONAL)), folder / "c.gpkg", progress=False)
    return folder / "c.gpkg"


def test_the_reported_example_no_longer_gives_the_red_household(demo_artifact: Path) -> None:
    facts = sel.load_facts(demo_artifact)
    compound = facts.compound_ids[list(facts.compound_names).index("青年路小区")]
    place = sel.Selection(compounds=(compound,))
    figures, texts = _shown(facts, place)
    assert figures["red"] >= 1 and texts["red"] == f"<{ROUND_TO}"
    _check_one_screen(facts, place)


def test_no_place_combination_pins_down_a_small_count(small: Path, demo_artifact: Path) -> None:
    for facts in (sel.load_facts(small), sel.load_facts(demo_artifact)):
        places = [sel.Selection()] + [sel.Selection(grids=(g,)) for g in facts.grid_ids] + \
            [sel.Selection(compounds=(c,)) for c in facts.compound_ids[:20]]
        grids = list(facts.grid_ids)
        places += [sel.Selection(grids=tuple(pair)) for pair in itertools.combinations(grids[:5], 2)]
        for place in places:
            _check_one_screen(facts, place)
        masks = [sel.select(facts, place).households for place in places]
        for (wider, big), (narrower, little) in itertools.permutations(zip(places, masks, strict=True), 2):
            if not (little & ~big).any() and little.sum() < big.sum():  # a place inside another
                _check_two_states(facts, wider, narrower)


@pytest.fixture
def meeting(monkeypatch: pytest.MonkeyPatch, store: str):  # type: ignore[no-untyped-def]
    def open_at(artifact: Path) -> AppTest:
        login_as(monkeypatch, store, "leader")
        monkeypatch.setenv("COMMUNITY_GPKG", str(artifact))
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["mode"] = "meeting"
        return at

    return open_at


def test_household_filters_do_nothing_on_the_projector(small: Path, meeting) -> None:  # type: ignore[no-untyped-def]
    """The reported attack: the age bands without 80+ against none, on a compound with one 80+ household."""
    at = meeting(small)
    at.session_state["f_compounds"] = ["C1"]
    at.run()
    before = kpis(at)
    at.session_state["f_age_bands"] = ["0-17", "18-59", "60-79"]
    at.session_state["f_flags"] = ["blue"]
    at.run()
    assert kpis(at) == before


def test_a_handful_of_households_shows_no_figures(small: Path, meeting) -> None:  # type: ignore[no-untyped-def]
    facts = sel.load_facts(small)
    compound = next(c for c in facts.compound_ids
                    if sel.selection_figures(facts, sel.select(facts, sel.Selection(compounds=(c,))))["households"]
                    < MIN_GROUP)
    at = meeting(small)
    at.session_state["f_compounds"] = [compound]
    at.run()
    assert set(kpis(at).values()) == {"—"} and f"少于 {MIN_GROUP} 户" in at.info[0].value


def test_small_grids_are_not_coloured_by_their_households(small: Path, meeting) -> None:  # type: ignore[no-untyped-def]
    """Twenty households in two grids: a red rate per 100 of ten households would show 0, 1 or 2 of them."""
    facts = sel.load_facts(small)
    assert all(sel.grid_counts(facts, sel.select(facts, sel.Selection()))["households"] < RATE_BASE)
    at = meeting(small)
    at.run()
    script = json.loads(next(el.proto.json_args for el in at.main
                             if el.proto.__class__.__name__ == "ComponentInstance"))["script"]
    label = "户数太少，不着色"
    assert json.dumps(label)[1:-1] in script or label in script  # the grids' tooltips (folium escapes non-ASCII)
    assert label in " ".join(m.value for m in at.markdown)  # and the legend
