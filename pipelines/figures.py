"""Headline figures of a community (the dashboard's KPI strip), from artifact layers."""

from __future__ import annotations

import pandas as pd

__all__ = ["community_figures"]


def community_figures(households: pd.DataFrame, residents: pd.DataFrame, buildings: pd.DataFrame) -> dict[str, float]:
    """Households, residents, share aged 60+, households per colour, overdue visits, open items.

    ``buildings`` carries the per-building aggregates written by the build;
    the open needs, hazards and reports are summed from it.
    """
    ages = pd.to_numeric(residents["age"], errors="coerce")
    flags = households["flag"].value_counts()
    return {
        "households": int(len(households)),
        "residents": int(len(residents)),
        "share_60_plus": float((ages >= 60).mean()) if len(ages) else 0.0,
        "red": int(flags.get("red", 0)),
        "yellow": int(flags.get("yellow", 0)),
        "blue": int(flags.get("blue", 0)),
        "overdue_visits": int(households["visit_overdue"].fillna(0).astype(int).sum()),
        "open_needs": int(buildings["open_needs"].sum()),
        "open_hazards": int(buildings["open_hazards"].sum()),
        "open_reports": int(buildings["reports_open"].sum()),
    }
