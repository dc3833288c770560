"""Masking of personal data before anything reaches a browser or an export (not CSS: the text itself).

What each column becomes is declared in the schema (``Column.privacy``):

* ``name`` 张小明 → 张*明 (residents, emergency contacts, grid workers, building leaders, facility contacts);
* ``phone`` 13812345678 → 138****5678, landlines to the area code and the last two digits;
  ``mobile``: the same for a mobile, while an organisation's landline stays (it is published anyway);
* ``id`` 370902195711300031 → 37**************31: with the birth year shown beside it, the hidden
  region, month, day and sequence leave thousands of candidates, where the old 3709…0031 next to a full
  birth date left a single one (the check digit does the rest);
* ``birth`` 1957-11-30 → 1957 (the year; the age is shown anyway);
* ``address`` cut to building and unit: 广生泉小区3号楼2单元501 → 广生泉小区3号楼2单元（房号已隐藏）;
* ``withhold`` free text people fill with names, numbers and illnesses (帮扶措施, 说明, 描述 …) is not shown;
* every other text is shown with any phone number, ID number or room address inside it masked
  (a compound written as a full address, ``A1-1-203`` in 楼号).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import pandas as pd

from pipelines.address import parse_address
from pipelines.schema import Column, all_tables

__all__ = ["EVERYTHING", "MIN_GROUP", "RATE_BASE", "ROUND_TO", "WITHHELD", "column_masker", "mask_address",
           "mask_birth", "mask_frame", "mask_id", "mask_mobile", "mask_name", "mask_phone", "mask_quality",
           "meeting_count", "scrub_text"]

WITHHELD = "（个人信息，已隐藏）"
#: every kind of personal data: one household unmasked in full (with a reason, logged)
EVERYTHING = frozenset({"name", "phone", "mobile", "id", "birth", "address", "withhold"})
_ROOM_HIDDEN = "（房号已隐藏）"
_SEPARATORS = re.compile(r"([、,，;；/]+)")


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明; several names (张三、李四) each.

    Spaces inside a name (王　芳, typed to line up two-character names) do not make two names:
    they are dropped first, or 王 芳 would come out as 王* 芳*, the whole name.
    """
    if not name:
        return ""
    parts = _SEPARATORS.split(name)
    if len(parts) > 1:
        return "".join(p if _SEPARATORS.fullmatch(p) else mask_name(p) for p in parts)
    name = "".join(name.split())
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; landlines keep the area code and the last 2 digits; several numbers each."""
    if "、" in (phone or ""):
        return "、".join(mask_phone(p) for p in phone.split("、"))
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 6:
        return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]
    return "*" * len(digits)


def mask_mobile(phone: str) -> str:
    """A mobile masked; a landline (an organisation's public number) left as written."""
    if "、" in (phone or ""):
        return "、".join(mask_mobile(p) for p in phone.split("、"))
    digits = re.sub(r"\D", "", phone or "")
    return phone if digits.startswith("0") else mask_phone(phone)


def mask_id(number: str) -> str:
    """An ID number is never shown whole: the province (2 characters) and the last 2 characters only."""
    text = (number or "").strip()
    if len(text) <= 6:
        return "*" * len(text)
    return text[:2] + "*" * (len(text) - 4) + text[-2:]


def mask_birth(value: object) -> str:
    """A birth date as its year only (with the ID's last characters, a full date helps rebuild the number)."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    found = re.match(r"\s*((?:19|20)\d{2})", text)
    return f"{found.group(1)}年" if found else ("" if not text else WITHHELD)


def mask_address(text: str) -> str:
    """An address cut to building and unit: 广生泉小区3号楼2单元501 → 广生泉小区3号楼2单元（房号已隐藏）."""
    if not text:
        return text
    parsed = parse_address(text)
    if not parsed.room:
        return scrub_text(text)
    at = text.rfind(parsed.room)
    if at > 0:
        return scrub_text(text[:at].rstrip("-－ ")) + _ROOM_HIDDEN
    kept = (parsed.compound or "") + (f"{parsed.building}号楼" if parsed.building else "") + (
        f"{parsed.unit}单元" if parsed.unit else "")
    return scrub_text(kept) + _ROOM_HIDDEN


# numbers people type into free text; longest first so an ID number is not taken for a phone
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d(?:[- ]?\d){8})(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)(0\d{2,3}[- ]?\d{7,8})(?!\d)")
# a flat: …单元501, …单元501室, 3-2-501, A1-1-203, 501室
_ROOM_IN_TEXT = re.compile(r"(单元|(?<![\d-])(?!(?:19|20)\d\d-\d{1,2}-\d{1,2}(?!\d))[A-Za-z]{0,2}\d{1,3}-\d{1,2}-)"
                           r"(\d{2,4})(室|号|房)?|(?<![\d-])(\d{3,4})(室|房)")


# an e-mail address; a WeChat or QQ account written after its name (微信号 zhangjg1950, QQ:12345678)
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ACCOUNT_IN_TEXT = re.compile(r"(微信号?|微信ID|VX|vx|WX|wx|QQ号?|qq号?)([:：\s]*)([A-Za-z0-9_.-]{5,30})")
# a flat written after its building or door: 3号楼402, A1号楼3门402, 5栋1203
_ROOM_AFTER_BUILDING = re.compile(r"(号楼|门|栋|幢)(\d{3,4})(?![\d号])(室|号|房)?")
ACCOUNT_HIDDEN = "（账号已隐藏）"


def _mask_email(address: str) -> str:
    user, _, domain = address.partition("@")
    return f"{user[:1]}***@{domain}"


def scrub_text(text: str) -> str:
    """Any text shown or exported: phone, ID and room numbers, e-mail addresses and WeChat/QQ accounts masked."""
    if not text:
        return text
    if "@" in text:
        text = _EMAIL_IN_TEXT.sub(lambda m: _mask_email(m.group(0)), text)
    text = _ACCOUNT_IN_TEXT.sub(lambda m: m.group(1) + ACCOUNT_HIDDEN, text)
    if not any(ch.isdigit() for ch in text):
        return text
    text = _ROOM_AFTER_BUILDING.sub(lambda m: m.group(1) + _ROOM_HIDDEN, text)
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(1)), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)
    text = _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)
    return _ROOM_IN_TEXT.sub(lambda m: (m.group(1).rstrip("-") if m.group(1) else "") + _ROOM_HIDDEN, text)


def _withhold(value: str) -> str:
    return WITHHELD


_MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name, "phone": mask_phone, "mobile": mask_mobile, "id": mask_id, "birth": mask_birth,
    "address": mask_address, "withhold": _withhold, "": scrub_text,
}


def column_masker(column: Column) -> Callable[[str], str]:
    """What a column's values become in a browser or an export (see the module docstring)."""
    return _MASKERS[column.privacy]


@lru_cache(maxsize=1)
def _columns_by_header() -> dict[tuple[str, str], Column]:
    """(table name, header) → column, for the quality report, which names both."""
    return {(t.name_zh, c.header): c for t in all_tables().values() for c in t.columns}


def _is_date(value: str) -> bool:
    try:
        return not pd.isna(pd.Timestamp(value))
    except (ValueError, TypeError):
        return False


def mask_quality(quality: pd.DataFrame) -> pd.DataFrame:
    """The quality report with every value masked as its column is elsewhere (the row number finds the cell)."""
    out = quality.copy()
    columns = _columns_by_header()
    tables = out["table"] if "table" in out else pd.Series("", index=out.index)
    values = []
    for table, column, value in zip(tables, out["column"], out["value"].fillna(""), strict=True):
        col = columns.get((table, column))
        if col is not None and col.privacy == "birth" and not _is_date(value):
            values.append(value)  # 1958-02-30 is no one's birth date: the clerk must see what to correct
            continue
        values.append(column_masker(col)(value) if col is not None and value else scrub_text(value))
    out["value"] = values
    return out


def mask_frame(frame: pd.DataFrame, table_key: str, building_labels: dict[str, str] | None = None, *,
               reveal: frozenset[str] = frozenset()) -> pd.DataFrame:
    """A table of the artifact as a browser may receive it: every column masked as the schema says.

    A household's address is rebuilt from its building (``building_labels``: building_id → "小区 N号楼")
    and unit, so no room reaches the page even where the office wrote one.  ``reveal`` names the kinds
    shown in full for this viewer (``{"name", "phone", "mobile"}`` for a grid worker's own households;
    every kind when one household is unmasked with a reason).
    """
    table = all_tables().get(table_key)
    out = frame.copy()
    if table is None:
        return out
    for column in table.columns:
        if column.key not in out.columns or column.type in ("int", "float", "bool"):
            continue
        if column.type in ("date", "datetime") and column.privacy != "birth":
            continue
        if column.privacy and column.privacy in reveal:
            continue
        out[column.key] = _mask_values(out[column.key], column_masker(column))
    if table_key == "households" and "address" in out.columns and "address" not in reveal:
        labels = building_labels or {}
        empty = pd.Series("", index=out.index)
        building = out["building_id"].map(labels).fillna("") if "building_id" in out.columns else empty
        unit = out["unit"].fillna("").astype(str) if "unit" in out.columns else empty
        out["address"] = building + unit.where(unit == "", unit + "单元")
    return out


def _mask_values(values: pd.Series, masker: Callable[[str], str]) -> pd.Series:
    """``masker`` on every present value, once per distinct value (categories and names repeat)."""
    present = values.notna() & (values.astype(str) != "")
    text = values[present].astype(str)
    distinct = text.unique()
    masked = dict(zip(distinct, map(masker, distinct), strict=True))
    out = values.astype(object).where(~values.isna(), None)
    out[present] = text.map(masked)
    return out


#: Meeting mode: counts are rounded to this, and a view of fewer households than MIN_GROUP shows none.
ROUND_TO = 5
MIN_GROUP = 10
#: Meeting mode: a grid is coloured by a rate of its households (red per 100) only with at least this many
#: households, so that one household moves the rate by less than the narrowest colour band (2 per 100)
RATE_BASE = 50


def meeting_count(value: int) -> str:
    """A count as a projector may show it: 0–4 is "<5" (zero too), the rest rounded to the nearest 5.

    Rounded figures cannot be subtracted to single out a household: between two figures on one
    screen, or between two filter states, the difference is only known to within ±5; and a zero is
    not told apart from one, so "this filter leaves no red household" says nothing either.
    """
    number = int(value)
    if number < ROUND_TO:
        return f"<{ROUND_TO}"
    return f"{int(ROUND_TO * round(number / ROUND_TO)):,}"
