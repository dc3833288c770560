"""The nine tables as people read them: names, not codes; clean cells; titles in one language.

Plain pandas, no Streamlit (the caching is in ``dashboard.data``).  The
Tables page shows, searches and exports exactly the frame made here, so
what is found and what is exported is what is on screen.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from dashboard.i18n import DERIVED_COLUMNS, column_title, flag_label, one_language, t, table_name
from pipelines.schema import all_tables

__all__ = ["PlaceNames", "building_codes_to_labels", "matches", "readable_quality", "readable_table"]

# columns holding a code of the geodata layers, shown by name (their titles say what they are)
_NAMED = ("building_id", "grid_id", "compound_id")
_YES_NO_DERIVED = frozenset({"visit_overdue"})
# what privacy.mask_frame writes in place of withheld values, in English
_MASK_EN = (("（个人信息，已隐藏）", "(withheld)"), ("（房号已隐藏）", " (room withheld)"))


@dataclass(frozen=True)
class PlaceNames:
    """Names of the geodata layers' codes: grid WG01 → 第一网格, compound XQ01 → its name, building → 小区 N号楼."""

    grids: dict[str, str] = field(default_factory=dict)
    compounds: dict[str, str] = field(default_factory=dict)
    buildings: dict[str, str] = field(default_factory=dict)

    def of(self, column: str) -> dict[str, str]:
        """The lookup for a code column (``grid_id``, ``compound_id``, ``building_id``)."""
        return {"grid_id": self.grids, "compound_id": self.compounds, "building_id": self.buildings}[column]


def building_codes_to_labels(values: pd.Series, names: PlaceNames) -> pd.Series:
    """A location written as a building code (XQ24-B3, any case or width) as that building's label."""
    codes = values.map(lambda v: unicodedata.normalize("NFKC", v).strip().upper() if isinstance(v, str) else v)
    labels = codes.map({code.upper(): label for code, label in names.buildings.items()})
    return labels.where(labels.notna(), values)


def readable_table(frame: pd.DataFrame, table_key: str, names: PlaceNames, lang: str) -> pd.DataFrame:
    """``frame`` (already masked) as the Tables page shows and exports it.

    Codes become names (grid, compound, building; a grid work row's grid
    written as a code), the colour reads 红色户 / Red, yes/no columns 是/否 /
    Yes/No, dates without midnight, empty cells blank (never None, nan or
    NaT), and every title is the office's header in Chinese or its English
    label, never an internal key.
    """
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        out[column_title(table_key, column, lang) if column not in _NAMED else _named_title(column, lang)] = \
            _cells(frame[column], table_key, column, names, lang)
    return out


def _named_title(column: str, lang: str) -> str:
    zh, en = DERIVED_COLUMNS[column]
    return en if lang == "en" else zh


def _cells(values: pd.Series, table_key: str, column: str, names: PlaceNames, lang: str) -> pd.Series:
    """One column's cells as shown."""
    if column in _NAMED:
        values = values.map(names.of(column)).where(values.map(names.of(column)).notna(), values)
    elif table_key == "grid_work" and column == "grid":
        values = values.map(names.grids).where(values.map(names.grids).notna(), values)
    if column == "flag":
        return values.map(lambda f: flag_label(f, lang))
    if _is_yes_no(table_key, column):
        yes, no = t("yes", lang), t("no", lang)
        return values.map(lambda v: "" if pd.isna(v) else (yes if bool(v) else no))
    if pd.api.types.is_datetime64_any_dtype(values):
        present = values.dropna()
        fmt = "%Y-%m-%d" if (present == present.dt.normalize()).all() else "%Y-%m-%d %H:%M"
        return values.dt.strftime(fmt).fillna("")
    if pd.api.types.is_numeric_dtype(values):
        if not values.isna().any():  # numbers stay numbers: they sort as numbers
            return values.astype("int64") if (values == values.round()).all() else values
        return values.map(lambda v: "" if pd.isna(v) else (f"{int(v)}" if float(v).is_integer() else repr(float(v))))
    text = values.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    if lang == "en":
        for zh, en in _MASK_EN:
            text = text.str.replace(zh, en, regex=False)
    return text


def _is_yes_no(table_key: str, column: str) -> bool:
    if column in _YES_NO_DERIVED:
        return True
    table = all_tables().get(table_key)
    return table is not None and any(c.key == column and c.type == "bool" for c in table.columns)


_SPACE = re.compile(r"\s+")


def matches(shown: pd.DataFrame, query: str) -> pd.Series:
    """Rows of the shown table where any cell contains ``query`` as displayed.

    Case-insensitive and blind to spacing (``3号楼 2单元`` finds
    ``3号楼2单元``): both sides are compared with whitespace removed.  Only
    displayed (translated, masked) values are searched, never stored ones.
    """
    needle = _SPACE.sub("", unicodedata.normalize("NFKC", query)).casefold()
    hit = pd.Series(False, index=shown.index)
    if not needle:
        return hit | True
    for column in shown.columns:  # one vectorised pass per column, not per row
        cells = shown[column].astype(str).str.normalize("NFKC").str.replace(_SPACE, "", regex=True).str.casefold()
        hit |= cells.str.contains(needle, regex=False)
    return hit


_QUALITY_COLUMNS = ("severity", "table", "file", "row", "column", "value", "problem", "suggestion")
_ROW_KINDS = frozenset({"excel", "csv", "feature"})


def readable_quality(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The quality report (values already masked) as the Data quality page shows and exports it.

    Severity as 拒绝/警告 (Rejected/Warning), the table by its name in
    ``lang``, the row as "Excel 第22行", "CSV 第22行" or "第3个要素" (an
    artifact built before ``row_kind`` existed counts Excel rows), problem and
    suggestion in ``lang`` only, empty cells blank.  Sorted by table and row.
    """
    kinds = quality["row_kind"] if "row_kind" in quality.columns else pd.Series("excel", index=quality.index)
    kinds = kinds.where(kinds.isin(_ROW_KINDS), "excel")
    ordered = quality.assign(_kind=kinds).sort_values(["table", "row"], kind="stable")
    rows = [t(f"row_{k}", lang).format(n=int(r)) if pd.notna(r) else "" for k, r in
            zip(ordered["_kind"], ordered["row"], strict=True)]
    shown = pd.DataFrame({
        "severity": ordered["severity"].map(lambda s: t(f"sev_{s}", lang) if s in ("error", "warning") else s),
        "table": ordered["table"].map(lambda n: table_name(n, lang) if isinstance(n, str) else ""),
        "file": ordered["file"], "row": rows, "column": ordered["column"], "value": ordered["value"],
        "problem": ordered["problem"].map(lambda v: one_language(v, lang)),
        "suggestion": ordered["suggestion"].map(lambda v: one_language(v, lang)),
    }, index=ordered.index)
    shown = shown.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
    return shown.rename(columns={k: t(f"q_{k}", lang) for k in _QUALITY_COLUMNS}).reset_index(drop=True)
