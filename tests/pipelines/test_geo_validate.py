"""GCJ-02 conversion, ID check digits, dates and yes/no forms."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.geo import gcj02_to_wgs84, wgs84_to_gcj02
from pipelines.idcard import check_digit, id_problems, is_valid_id
from pipelines.validate import parse_bool, parse_dates


def _metres(lon1, lat1, lon2, lat2):  # type: ignore[no-untyped-def]
    dy = (lat2 - lat1) * 111_320
    dx = (lon2 - lon1) * 111_320 * np.cos(np.radians(lat1))
    return np.hypot(dx, dy)


def test_gcj02_round_trip_within_a_metre() -> None:
    lon = np.array([117.12, 116.3912, 121.4737, 113.2644])
    lat = np.array([36.20, 39.9073, 31.2304, 23.1291])
    glon, glat = wgs84_to_gcj02(lon, lat)
    offset = _metres(lon, lat, glon, glat)
    assert ((offset > 100) & (offset < 700)).all()   # the national offset is a few hundred metres
    back = gcj02_to_wgs84(glon, glat)
    assert (_metres(lon, lat, *back) < 1.0).all()


# published WGS-84 → GCJ-02 pairs (lat, lon): the eviltransform project's test points for Shanghai,
# Shenzhen and Beijing, and one pair read from a map API (Tiananmen area)
KNOWN_PAIRS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((39.90734, 116.39089), (39.90874539, 116.39713623)),
]


def test_gcj02_matches_published_points_both_ways() -> None:
    wgs = np.array([w for w, _ in KNOWN_PAIRS])
    gcj = np.array([g for _, g in KNOWN_PAIRS])
    glon, glat = wgs84_to_gcj02(wgs[:, 1], wgs[:, 0])
    assert (_metres(gcj[:, 1], gcj[:, 0], glon, glat) < 1.0).all()
    wlon, wlat = gcj02_to_wgs84(gcj[:, 1], gcj[:, 0])
    assert (_metres(wgs[:, 1], wgs[:, 0], wlon, wlat) < 1.0).all()


def test_id_check_digit() -> None:
    assert check_digit("11010519491231002") == "X"   # the standard's own example
    assert is_valid_id("11010519491231002X")
    assert not is_valid_id("110105194912310021")


def test_id_agrees_with_birth_date_and_sex() -> None:
    ids = pd.Series(["11010519491231002X", "11010519491231002X", "110105194912310021", "", "1234"])
    births = pd.Series(["1949-12-31", "1950-01-01", "1949-12-31", "1949-12-31", "1949-12-31"])
    sexes = pd.Series(["女", "女", "女", "男", "男"])
    problems = id_problems(ids, births, sexes)
    assert problems[0] == "" and "出生日期" in problems[1] and "校验位" in problems[2]
    assert problems[3] == "" and "18位" in problems[4]


def test_date_forms() -> None:
    parsed = parse_dates(pd.Series(["2024-03-05", "2024/3/5", "2024年3月5日", "20240305", "45356", ""]))
    assert (parsed[:5] == pd.Timestamp("2024-03-05")).all() and pd.isna(parsed[5])


def test_yes_no_forms() -> None:
    values = parse_bool(pd.Series(["是", "否", "Y", "N", "1", "0", "√", "", "也许"]))
    assert values[:8].tolist() == [True, False, True, False, True, False, True, False]
    assert pd.isna(values[8])
