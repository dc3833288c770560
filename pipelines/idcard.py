"""Chinese resident ID numbers (GB 11643-1999): check digit, birth date, sex."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

__all__ = ["check_digit", "is_valid_id", "id_problems"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """The check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def is_valid_id(number: str) -> bool:
    """True when ``number`` is 18 characters with a correct GB 11643 check digit."""
    number = number.strip().upper()
    return bool(_ID_RE.match(number)) and check_digit(number[:17]) == number[17]


def id_problems(
    numbers: pd.Series, birth_dates: pd.Series, sexes: pd.Series
) -> pd.Series:
    """Problem text per row ('' when fine) for ID numbers against birth date and sex.

    Vectorised over the column; rows with an empty ID number have no problem
    (the column is optional).
    """
    ids = numbers.fillna("").astype(str).str.strip().str.upper()
    present = ids != ""
    shape_ok = ids.str.match(r"^\d{17}[\dX]$")
    digits = ids.where(shape_ok, "0" * 18).str[:17]
    raw = np.frombuffer("".join(digits).encode("ascii"), dtype=np.uint8)
    matrix = (raw.reshape(-1, 17).astype(np.int64) - 48) if len(digits) else np.zeros((0, 17), np.int64)
    totals = matrix @ np.array(_WEIGHTS)
    expected = pd.Series(np.array(list(_CHECK))[totals % 11], index=ids.index, dtype=object)
    check_ok = shape_ok & (ids.str[17] == expected)
    id_birth = pd.to_datetime(ids.str[6:14].where(shape_ok), format="%Y%m%d", errors="coerce")
    birth = pd.to_datetime(birth_dates, errors="coerce")
    birth_ok = id_birth.isna() | birth.isna() | (id_birth == birth)
    odd = ids.str[16].where(shape_ok).fillna("0").astype(int) % 2 == 1
    sex_ok = sexes.isna() | ~shape_ok | ((sexes == "男") == odd)
    problems = pd.Series("", index=ids.index, dtype=object)
    problems[present & ~sex_ok] = "身份证号第17位与性别不一致 / ID sex digit disagrees with 性别"
    problems[present & ~birth_ok] = "身份证号中的出生日期与出生日期列不一致 / ID birth date disagrees with 出生日期"
    problems[present & shape_ok & ~check_ok] = "身份证号校验位错误 / ID check digit wrong (GB 11643)"
    problems[present & ~shape_ok] = "身份证号应为18位（末位可为X）/ ID number must be 18 characters"
    return problems


def make_id(region: str, birth: date, sequence: int, *, male: bool) -> str:
    """Build a synthetic ID number with a valid check digit (demo data only)."""
    seq = sequence % 500 * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)
