"""Masking of personal data before anything reaches a browser (not CSS: the text itself).

姓名 → 张*明, 电话 → 138****5678, 身份证号 → 3709**********0017 (never whole),
free text (descriptions) → withheld.  Which columns are personal comes from
the schema's PII marks.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from pipelines.address import parse_address
from pipelines.schema import all_tables

__all__ = ["mask_address", "mask_frame", "mask_name", "mask_phone", "mask_id", "mask_value", "pii_headers",
           "mask_quality", "SMALL_COUNT", "suppress_small_counts"]


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; landlines keep the area code and the last 2 digits."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 6:
        return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]
    return "*" * len(digits)


def mask_id(number: str) -> str:
    """An ID number is never shown whole: the region's first 4 and the last 4 characters."""
    text = (number or "").strip()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


_ROOM_HIDDEN = "（房号已隐藏）"


def mask_address(text: str) -> str:
    """An address cut to building and unit: 广生泉小区3号楼2单元501 → 广生泉小区3号楼2单元（房号已隐藏）."""
    if not text:
        return text
    parsed = parse_address(text)
    if not parsed.room:
        return text
    at = text.rfind(parsed.room)
    if at > 0:
        return text[:at].rstrip("-－ ") + _ROOM_HIDDEN
    kept = (parsed.compound or "") + (f"{parsed.building}号楼" if parsed.building else "") + (
        f"{parsed.unit}单元" if parsed.unit else "")
    return kept + _ROOM_HIDDEN


# address columns: shown to building and unit, never to the flat
_ADDRESS_COLUMNS = frozenset({"住址", "地址", "位置", "address", "location"})

_MASKERS = {"姓名": mask_name, "name": mask_name, "联系电话": mask_phone, "phone": mask_phone,
            "紧急联系电话": mask_phone, "emergency_phone": mask_phone, "紧急联系人": mask_name,
            "emergency_contact": mask_name, "身份证号": mask_id, "id_number": mask_id}


@lru_cache(maxsize=1)
def pii_headers() -> frozenset[str]:
    """Chinese headers and English keys of every PII column in every table."""
    return frozenset(x for t in all_tables().values() for c in t.columns if c.pii for x in (c.header, c.key))


def mask_value(column: str, value: str) -> str:
    """Mask ``value`` if ``column`` (header or key) is personal data; free text is withheld."""
    if column in _ADDRESS_COLUMNS and value:
        return mask_address(value)
    if column not in pii_headers() or not value:
        return value
    masker = _MASKERS.get(column)
    return masker(value) if masker else _WITHHELD


def mask_quality(quality: pd.DataFrame) -> pd.DataFrame:
    """The quality report with personal values masked (the row number still finds the cell)."""
    out = quality.copy()
    out["value"] = [mask_value(c, v) for c, v in zip(out["column"], out["value"].fillna(""), strict=True)]
    return out


_WITHHELD = "（个人信息，已隐藏）"


def mask_frame(frame: pd.DataFrame, table_key: str, building_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """A table of the artifact as a browser may receive it: every personal column masked or withheld.

    Names, phones and ID numbers are masked; other personal columns (room,
    free-text descriptions, health conditions) are withheld; a household's
    address is cut to its building (``building_labels``: building_id → "小区 N号楼") and unit, and any
    other address or location loses its room number.
    """
    table = all_tables().get(table_key)
    out = frame.copy()
    if table is None:
        return out
    for column in table.columns:
        if not column.pii or column.key not in out.columns:
            continue
        masker = _MASKERS.get(column.key)
        values = out[column.key]
        if masker is None:
            out[column.key] = values.where(values.isna() | (values.astype(str) == ""), _WITHHELD)
        else:
            out[column.key] = [None if pd.isna(v) else masker(str(v)) for v in values]
    for key in ("address", "location"):
        if key in out.columns and table_key != "households":  # households get building + unit below
            out[key] = [v if pd.isna(v) else mask_address(str(v)) for v in out[key]]
    if table_key == "households" and "address" in out.columns:
        labels = building_labels or {}
        empty = pd.Series("", index=out.index)
        building = out["building_id"].map(labels).fillna("") if "building_id" in out.columns else empty
        unit = out["unit"].fillna("").astype(str) if "unit" in out.columns else empty
        out["address"] = building + unit.where(unit == "", unit + "单元")
    return out


SMALL_COUNT = 3


def suppress_small_counts(frame: pd.DataFrame, columns: list[str], *, threshold: int = SMALL_COUNT) -> pd.DataFrame:
    """Counts from 1 to ``threshold - 1`` become "<3" (a small count can identify a household).

    Used for what is shown in meeting mode on a projector; zero stays zero.
    """
    out = frame.copy()
    for col in columns:
        values = pd.to_numeric(out[col], errors="coerce")
        small = (values > 0) & (values < threshold)
        # text throughout: one column type for tables, and "<3" never next to a 1 or 2
        out[col] = values.astype("Int64").astype(str).replace("<NA>", "")
        out.loc[small, col] = f"<{threshold}"
    return out
