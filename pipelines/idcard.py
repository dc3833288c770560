"""Chinese resident ID numbers (GB 11643-1999): check digit, birth date, sex."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    # pyarrow string kernels, then one uint8 matrix of the 18 characters: no per-row Python
    arr = pa.array(numbers.to_numpy(dtype=object), type=pa.string(), from_pandas=True).fill_null("")
    arr = pc.utf8_upper(pc.utf8_trim_whitespace(arr))
    present = pc.not_equal(arr, "").to_numpy(zero_copy_only=False)
    shape_ok = pc.match_substring_regex(arr, r"^\d{17}[\dX]$").to_numpy(zero_copy_only=False)
    fixed = pc.if_else(pa.array(shape_ok), arr, "0" * 18)
    n = len(fixed)
    data = np.frombuffer(fixed.buffers()[2], dtype=np.uint8) if n else np.zeros(0, np.uint8)
    start = int(np.frombuffer(fixed.buffers()[1], dtype=np.int32)[fixed.offset]) if n else 0
    chars = data[start:start + 18 * n].reshape(n, 18).astype(np.int64)
    digits = chars[:, :17] - 48
    expected = np.frombuffer(_CHECK.encode("ascii"), dtype=np.uint8)[(digits @ np.array(_WEIGHTS)) % 11]
    check_ok = shape_ok & (chars[:, 17] == expected)
    ymd = digits[:, 6:14] @ (10 ** np.arange(7, -1, -1))
    birth = pd.to_datetime(birth_dates, errors="coerce")
    birth_ymd = (birth.dt.year * 10000 + birth.dt.month * 100 + birth.dt.day).to_numpy(dtype=float)
    birth_ok = ~shape_ok | np.isnan(birth_ymd) | (ymd == birth_ymd)
    odd = digits[:, 16] % 2 == 1
    sex_known = sexes.notna().to_numpy()
    sex_ok = ~sex_known | ~shape_ok | ((sexes == "男").to_numpy() == odd)
    problems = pd.Series("", index=numbers.index, dtype=object)
    problems[present & ~sex_ok] = "身份证号第17位与性别不一致 / ID sex digit disagrees with 性别"
    problems[present & ~birth_ok] = "身份证号中的出生日期与出生日期列不一致 / ID birth date disagrees with 出生日期"
    problems[present & shape_ok & ~check_ok] = "身份证号校验位错误 / ID check digit wrong (GB 11643)"
    problems[present & ~shape_ok] = "身份证号应为18位（末位可为X） / ID number must be 18 characters"
    return problems


def make_id(region: str, birth: date, sequence: int, *, male: bool) -> str:
    """Build a synthetic ID number with a valid check digit (demo data only)."""
    seq = sequence % 500 * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)
