"""Chinese address → compound / building / unit / floor / room.

``parse_address`` works on the forms real community tables and courier
addresses use: ``X号楼Y单元Z室``, ``X栋/幢/座``, ``X#``, ``X-Y-Z``, ``X-Z``,
Chinese numerals (``三号楼二单元``), letters (``B2栋``), full-width characters
and spaces, with or without province/city/district/street/road prefixes.  A
number that follows a road name (``青年路15号``) is the road number, never a
building.  The result is normalised: Arabic digits, no suffix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ParsedAddress", "parse_address", "clean_number", "chinese_to_int", "compound_key"]

_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
       "九": 9}
_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十百]+")
_SUFFIXES = re.compile(r"(号楼|号院|幢|栋|懂|撞|座|楼|单元|层|室|房|号|#|F|f)$")


def chinese_to_int(text: str) -> int | None:
    """Chinese numeral (up to 999) to int: 三 → 3, 十二 → 12, 二十一 → 21, 一零一 → 101."""
    if not text:
        return None
    if all(c in _CN for c in text):
        return int("".join(str(_CN[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char in _CN:
            current = _CN[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def clean_number(text: str | None) -> str | None:
    """Normalise a building/unit/floor/room token: ``三号楼`` → ``3``, ``B2栋`` → ``B2``."""
    if text is None:
        return None
    if text.isdigit() and text.isascii():  # the common case (501, 2), three times faster this way
        return text
    token = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    for _ in range(2):
        token = _SUFFIXES.sub("", token)
    token = _CN_RUN.sub(lambda m: str(chinese_to_int(m.group()) or m.group()), token)
    token = token.strip("-_ ")
    return token.upper() or None


@dataclass(frozen=True)
class ParsedAddress:
    """Parts of one address; each normalised, or None when absent."""

    compound: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    room: str | None = None


_NUM = r"(?:\d+|[零〇一二两三四五六七八九十百]+)"
_BID = r"(?:[A-Za-z]{0,2}\d+[A-Za-z]?|[A-Za-z]|[零〇一二两三四五六七八九十百]+)"
_ADMIN = re.compile(r"^.+?(?:省|自治区|市(?![场委政])|自治州|(?<![小社园])区(?=.{2,})|县|旗|街道|镇|乡)")
_ROAD = re.compile(r"(?:路|街|大道|大街|巷|弄|道)(?:[东西南北中]段)?(\d+)(?:-(\d+))?(?:号|弄)(?!楼|院)")
_NOISE = re.compile(r"(电联|电话联系|收|转.*|\(.*\))$")
_BUILDING = re.compile(rf"({_BID})(号楼|号院|幢|栋|懂|撞|座|#|号(?=\s*{_NUM}\s*(?:单元|-|室|层|楼)))")
_BUILDING_LOU = re.compile(rf"({_BID})楼(?=\s*{_NUM}\s*单元)")
_UNIT = re.compile(rf"({_NUM})\s*单元")
_FLOOR = re.compile(r"(\d+|[零〇一二两三四五六七八九十]+)\s*(?:楼|层|F|f)(?!\d*单元|号)")
_ROOM = re.compile(r"(\d+)\s*(?:室|房|号)?$")
_DASH3 = re.compile(rf"({_BID})-(\d+)-(\d+)(?:室|房|号)?$")
_DASH2 = re.compile(rf"({_BID})-(\d+)(?:室|房|号)?$")
_COMPOUND = re.compile(r"^(.+?(?:小区|社区|花园|家园|宿舍|家属院|大院|新村|公寓|苑|园|院|里|城|庭|府|湾|村))")


def _strip_prefixes(text: str) -> str:
    """Drop province/city/district/street prefixes and everything up to a road number."""
    previous = None
    while previous != text:
        previous, text = text, _ADMIN.sub("", text, count=1)
    last = None
    for match in _ROAD.finditer(text):
        last = match
    if last is None:
        return text
    if last.group(2):  # 路10-7号: the second number is the building
        return f"{last.group(2)}号楼" + text[last.end():]
    return text[last.end():]


@lru_cache(maxsize=65536)
def parse_address(text: str) -> ParsedAddress:
    """Parse a Chinese address into compound, building, unit, floor and room.

    Examples
    --------
    >>> parse_address("广生泉小区3号楼2单元501")
    ParsedAddress(compound='广生泉小区', building='3', unit='2', floor=None, room='501')
    >>> parse_address("青年路15号阳光小区5栋").building
    '5'
    """
    raw = unicodedata.normalize("NFKC", text or "").replace(" ", "").replace("_", "")
    raw = re.sub(r"[—－~]+|-{2,}", "-", raw)
    raw = _NOISE.sub("", raw)
    tail = _strip_prefixes(raw)
    building = unit = floor = room = None
    rest = tail
    dash = _DASH3.search(rest) or None
    if dash:
        building, unit, room = dash.group(1), dash.group(2), dash.group(3)
        rest = rest[:dash.start()]
    else:
        match = _BUILDING.search(rest) or _BUILDING_LOU.search(rest)
        if match:
            building = match.group(1)
            after = rest[match.end():]
            rest = rest[:match.start()]
            unit_m = _UNIT.search(after)
            if unit_m:
                unit = unit_m.group(1)
                after = after[unit_m.end():]
            dash2 = re.match(r"^-?(\d+)-(\d+)", after)
            if dash2 and unit is None:
                unit, room = dash2.group(1), dash2.group(2)
            else:
                floor_m = _FLOOR.search(after)
                if floor_m:
                    floor = floor_m.group(1)
                    after = after[floor_m.end():]
                room_m = _ROOM.search(after)
                room = room_m.group(1) if room_m else None
        else:
            d2 = _DASH2.search(rest)
            if d2 and not re.search(r"\d$", rest[:d2.start()]):
                building, room = d2.group(1), d2.group(2)
                rest = rest[:d2.start()]
            else:
                unit_m = _UNIT.search(rest)
                if unit_m:
                    unit = unit_m.group(1)
                    room_m = _ROOM.search(rest[unit_m.end():])
                    room = room_m.group(1) if room_m else None
                    rest = rest[:unit_m.start()]
                room_m = None if room else re.search(r"(\d+)(?:室|房)$", rest)
                if room_m:
                    room = room_m.group(1)
                    rest = rest[:room_m.start()]
                bare = None if (room or unit) else re.search(r"(?:(\d+)(?:楼|层|F))?([A-Za-z]?\d{3,})$", rest)
                if bare and not re.search(r"\d-$|号$", rest[:bare.start()]):
                    floor, room = bare.group(1), bare.group(2)
                    rest = rest[:bare.start()]
    compound = rest.strip("-,，") or None
    return ParsedAddress(compound, clean_number(building), clean_number(unit), clean_number(floor),
                         clean_number(room))


_COMPOUND_SUFFIX = re.compile(r"(小区|社区|宿舍|花园|家园|家属院|大院|新村|院|苑|园)$")


def compound_key(name: str) -> str:
    """Key to compare compound names tolerant of 小区/社区/宿舍/花园/院 suffixes."""
    key = unicodedata.normalize("NFKC", name or "").replace(" ", "")
    previous = None
    while key and previous != key:
        previous = key
        key = _COMPOUND_SUFFIX.sub("", key)
    return key
