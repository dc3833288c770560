"""Ages at the data's reference date (so figures do not drift as the calendar moves)."""

from __future__ import annotations

from datetime import date

import pandas as pd

__all__ = ["ages_at"]


def ages_at(birth_dates: pd.Series, reference: date) -> pd.Series:
    """Completed years at ``reference`` for each birth date (vectorised; NaT gives NA)."""
    born = pd.to_datetime(birth_dates)
    before_birthday = (born.dt.month > reference.month) | (
        (born.dt.month == reference.month) & (born.dt.day > reference.day))
    return (reference.year - born.dt.year - before_birthday.astype(int)).astype("Int64")
