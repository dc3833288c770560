"""The meeting pack: one printable A4 PDF per grid for the grid meeting (网格例会材料).

Each pack holds the grid's map (drawn offline with geopandas/matplotlib: no browser, no tiles), its
figures, its open hazards and reports, its 网格擂台比武 score for the month with the breakdown, and the
changes since the last build.  It is read on paper by volunteers, many of them elderly: large type, few
words, one idea per block.

Nothing personal is printed: no name, phone, ID number, room or report text (a description may hold a
name or a phone); a building is named as people name it ("广生泉小区 A1号楼"), and households are only
counted per grid (the map shows each building's colour, never its count).  Chinese text is embedded with
Noto Sans CJK SC (Debian ``fonts-noto-cjk``) and stays searchable.  No Streamlit here: the dashboard's
download button calls :func:`pack_bytes` or :func:`packs_zip`.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from sqlalchemy.orm import Session

from operations import competition as comp
from operations.live_view import overlay_visits
from operations.settings import local_now
from operations.visits import last_visits, open_needs
from operations.workflow import Workflow, workflow

__all__ = ["FLAG_COLOURS", "FONT_DIR", "FOOTER", "PackError", "PackFontError", "PackFonts", "find_fonts",
           "make_all", "make_pack", "pack_bytes", "packs_zip"]

#: where Debian's fonts-noto-cjk puts the fonts; ``$PACK_FONT_DIR`` names another folder
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
FOOTER = "内部资料 不含个人信息"
#: a building's worst household flag → fill colour (the dashboard's "by_worst" colours)
FLAG_COLOURS: dict[str, str] = {"red": "#d7301f", "yellow": "#fdd835", "blue": "#2c7fb8", "none": "#d9d9d9"}
FLAG_NAMES = {"red": "红色户", "yellow": "黄色户", "blue": "蓝色户", "none": "无住户"}
_FLAG_RANK = {"blue": 1, "yellow": 2, "red": 3}
GRID_LINE = "#1f3b73"
COMPOUND_LINE = "#6b6b6b"
MAP_DPI = 200
MAX_ITEMS = 14  # rows per list: beyond them the pack says how many more, to stay within three pages


class PackError(ValueError):
    """A pack that cannot be made as asked (unknown grid or month, missing artifact): the message says why."""


class PackFontError(PackError):
    """The Chinese font is missing: the message says where it looked and to install fonts-noto-cjk."""


@dataclass(frozen=True)
class PackFonts:
    """The Noto Sans CJK files and the index of their Simplified Chinese (SC) face."""

    regular: Path
    bold: Path
    regular_index: int
    bold_index: int


def _sc_index(path: Path) -> int:
    """The index of the "Noto Sans CJK SC" face in a collection (0 for a single font)."""
    from fontTools.ttLib import TTCollection, TTLibError

    try:
        collection = TTCollection(str(path), lazy=True)
    except (TTLibError, OSError) as exc:
        if path.suffix.lower() != ".ttc":
            return 0
        msg = f"字体文件 {path} 无法读取（{exc}）：请重新安装 fonts-noto-cjk / cannot read the font {path}"
        raise PackFontError(msg) from exc
    for index, font in enumerate(collection.fonts):
        name = str(font["name"].getDebugName(4) or "")
        if "CJK SC" in name and "Mono" not in name:
            return index
    msg = f"字体文件 {path} 中没有简体中文（SC）字形：请安装 fonts-noto-cjk / no SC face in {path}"
    raise PackFontError(msg)


def find_fonts(font_dir: Path | None = None) -> PackFonts:
    """The fonts in ``font_dir`` (default ``$PACK_FONT_DIR`` or :data:`FONT_DIR`), or :class:`PackFontError`."""
    folder = Path(font_dir or os.environ.get("PACK_FONT_DIR") or FONT_DIR)
    regular, bold = (folder / name for name in FONT_FILES)
    missing = [str(p) for p in (regular, bold) if not p.is_file()]
    if missing:
        msg = (f"找不到中文字体 {'、'.join(missing)}。请安装 fonts-noto-cjk（sudo apt-get install fonts-noto-cjk），"
               f"或用环境变量 PACK_FONT_DIR 指定字体所在的文件夹 / Chinese font not found at {', '.join(missing)}: "
               f"install fonts-noto-cjk")
        raise PackFontError(msg)
    return PackFonts(regular, bold, _sc_index(regular), _sc_index(bold))


# ---------------------------------------------------------------------------------------------- the facts


@dataclass
class Community:
    """Everything the packs are made from, read once for all grids."""

    artifact: Path
    community: str
    meta: dict[str, str]
    grids: gpd.GeoDataFrame  # grid_id (index), name, geometry (EPSG:4326)
    compounds: gpd.GeoDataFrame  # compound_id, name, geometry
    buildings: gpd.GeoDataFrame  # building_id, compound_id, number, grid_id, worst, label, geometry
    figures: pd.DataFrame  # grid_id (index): households, red, yellow, blue, overdue_visits, open_needs, ...
    hazards: pd.DataFrame  # open hazards: grid_id, hazard_type, level, building, found_on, deadline, overdue
    reports: pd.DataFrame  # open reports: grid_id, number, category, building, submitted, overdue
    changes: pd.DataFrame  # grid_id (index): added, removed, flag_changed, to_red, ...
    inputs: comp.Inputs
    months: list[str]
    now: datetime
    ranked: dict[str, tuple[pd.DataFrame, str | None]] = field(default_factory=dict)

    def ranking(self, month: str) -> tuple[pd.DataFrame, str | None]:
        """:func:`operations.competition.ranking` for ``month``, computed once for all grids."""
        if month not in self.ranked:
            self.ranked[month] = comp.ranking(self.inputs, month)
        return self.ranked[month]


def _read(artifact: Path, layer: str, columns: list[str] | None = None) -> pd.DataFrame:
    if layer not in {name for name, _ in pyogrio.list_layers(artifact)}:
        return pd.DataFrame(columns=columns or [])
    return pyogrio.read_dataframe(artifact, layer=layer, columns=columns, read_geometry=False)


def _open_reports(inputs: comp.Inputs, rules: Workflow, labels: pd.Series, building_grid: pd.Series,
                  now: datetime) -> pd.DataFrame:
    """The open reports of the artifact and the store (as the competition reads them), overdue first."""
    frame = inputs.reports[inputs.reports["state"].isin(rules.open_states)].copy()
    frame["grid_id"] = frame["grid_id"].fillna(frame["building_id"].map(building_grid))
    frame["overdue"] = (pd.to_datetime(frame["due"]) < pd.Timestamp(now)).fillna(False).astype(bool)
    frame["building"] = frame["building_id"].map(labels).fillna("—")
    return frame.sort_values(["overdue", "submitted"], ascending=[False, True]).reset_index(drop=True)


def load_community(artifact: Path, db: Session | None = None, *, now: datetime | None = None,
                   rules: Workflow | None = None) -> Community:
    """Read the artifact (and the store, when given) once: the facts of every grid.

    Raises :class:`PackError` when the artifact is missing or cannot be read.
    """
    from pipelines.publish import ArtifactError, read_meta

    if not Path(artifact).is_file():
        msg = (f"找不到地图数据包 {artifact}：请先运行 make run 或 python -m pipelines build，或用 --artifact 指定 / "
               f"no artifact at {artifact}")
        raise PackError(msg)
    try:
        meta = read_meta(Path(artifact))
    except ArtifactError as exc:
        raise PackError(str(exc)) from exc
    rules = rules or workflow()
    now = now or local_now()
    grids = gpd.read_file(artifact, layer="grids", columns=["grid_id", "name"]).set_index("grid_id")
    compounds = gpd.read_file(artifact, layer="compounds", columns=["compound_id", "name"])
    buildings = gpd.read_file(artifact, layer="buildings", columns=["building_id", "compound_id", "number", "grid_id"])
    compound_names = dict(zip(compounds["compound_id"], compounds["name"], strict=True))
    buildings["label"] = [f"{compound_names.get(c, c)} {n}号楼" for c, n in
                          zip(buildings["compound_id"], buildings["number"], strict=True)]
    labels = buildings.set_index("building_id")["label"]
    building_grid = buildings.set_index("building_id")["grid_id"]

    households = _read(artifact, "households", ["household_id", "building_id", "grid_id", "flag", "visit_overdue",
                                                "last_visit", "visit_interval_days"])
    worst = households["flag"].map(_FLAG_RANK).groupby(households["building_id"]).max()
    names = {v: k for k, v in _FLAG_RANK.items()}
    buildings["worst"] = buildings["building_id"].map(worst).map(names).fillna("none")

    overdue = households["visit_overdue"].fillna(0).astype(bool)
    needs_open = pd.Series(0, index=households.index)
    needs = _read(artifact, "needs", ["household_id", "status"])
    built_needs = needs.loc[needs["status"] != "已办结", "household_id"].value_counts()
    needs_open += households["household_id"].map(built_needs).fillna(0).astype(int)
    if db is not None:
        logged = last_visits(db)
        if len(logged):
            reference = pd.Timestamp(meta.get("reference_date") or now.date())
            _, overdue = overlay_visits(pd.to_datetime(households["last_visit"], errors="coerce"),
                                        pd.to_numeric(households["visit_interval_days"], errors="coerce")
                                        .fillna(0).astype(int), overdue, households["household_id"], logged,
                                        reference)
        needs_open += households["household_id"].map(open_needs(db)).fillna(0).astype(int)
    by_grid = households.assign(overdue=overdue.to_numpy(), needs=needs_open.to_numpy()).groupby("grid_id")
    figures = pd.DataFrame({
        "households": by_grid.size(),
        "red": by_grid["flag"].apply(lambda f: int((f == "red").sum())),
        "yellow": by_grid["flag"].apply(lambda f: int((f == "yellow").sum())),
        "blue": by_grid["flag"].apply(lambda f: int((f == "blue").sum())),
        "overdue_visits": by_grid["overdue"].sum(), "open_needs": by_grid["needs"].sum(),
    }).reindex(grids.index).fillna(0).astype(int)

    raw = _read(artifact, "hazards", ["hazard_type", "level", "found_on", "deadline", "status", "building_id",
                                      "grid_id"])
    hazards = raw[raw["status"] != "已整改"].copy()
    hazards["building"] = hazards["building_id"].map(labels).fillna("—")
    hazards["overdue"] = (pd.to_datetime(hazards["deadline"], errors="coerce") < pd.Timestamp(now)).astype(bool)
    hazards = hazards.sort_values(["overdue", "found_on"], ascending=[False, True]).reset_index(drop=True)
    inputs = comp.load_inputs(Path(artifact), db, rules)
    reports = _open_reports(inputs, rules, labels, building_grid, now)
    figures["open_hazards"] = hazards.groupby("grid_id").size().reindex(grids.index).fillna(0).astype(int)
    figures["open_reports"] = reports.groupby("grid_id").size().reindex(grids.index).fillna(0).astype(int)
    figures["overdue_reports"] = reports[reports["overdue"]].groupby("grid_id").size() \
        .reindex(grids.index).fillna(0).astype(int)

    changes = _read(artifact, "changes")
    if "grid_id" not in changes.columns:  # an artifact built before the change log named grids
        changes["grid_id"] = changes["household_id"].map(households.set_index("household_id")["grid_id"])
    kinds = pd.DataFrame({
        "added": changes["change"] == "added", "removed": changes["change"] == "removed",
        "flag_changed": changes["change"] == "flag_changed",
        "to_red": (changes["change"] == "flag_changed") & (changes["new_flag"] == "red"),
        "from_red": (changes["change"] == "flag_changed") & (changes["old_flag"] == "red"),
    }).astype(int)
    counted = kinds.groupby(changes["grid_id"]).sum().reindex(grids.index).fillna(0).astype(int)
    counted.attrs["unplaced"] = int(kinds[changes["grid_id"].isna()].sum().sum())

    return Community(Path(artifact), meta.get("community", ""), meta, grids,
                     compounds, buildings, figures, hazards, reports, counted, inputs, comp.months(inputs), now)


def _check(community: Community, grid_id: str | None, month: str) -> None:
    if grid_id is not None and grid_id not in community.grids.index:
        known = "、".join(community.grids.index)
        msg = f"没有网格 {grid_id}（数据包中的网格：{known}） / unknown grid {grid_id}"
        raise PackError(msg)
    if month not in community.months:
        known = "、".join(community.months[-6:]) or "无"
        msg = f"没有 {month} 月的记录（最近的月份：{known}），月份格式如 2026-11 / no records for month {month}"
        raise PackError(msg)


# ---------------------------------------------------------------------------------------------- the map


def _map_png(community: Community, grid_id: str, fonts: PackFonts, width_mm: float, max_height_mm: float) -> bytes:
    """The grid's buildings coloured by their worst household flag, outlines, names, legend and scale: a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager, patheffects
    from matplotlib.patches import Patch, Rectangle

    for path in {fonts.regular, fonts.bold}:
        if not any(Path(f.fname) == path for f in font_manager.fontManager.ttflist):
            font_manager.fontManager.addfont(str(path))
    family = next((f.name for f in font_manager.fontManager.ttflist
                   if Path(f.fname) == fonts.regular and getattr(f, "index", fonts.regular_index)
                   == fonts.regular_index), "Noto Sans CJK SC")

    grid = community.grids.loc[[grid_id]]
    crs = grid.estimate_utm_crs()
    outline = grid.to_crs(crs)
    buildings = community.buildings[community.buildings["grid_id"] == grid_id].to_crs(crs)
    box = outline.total_bounds
    pad = max(box[2] - box[0], box[3] - box[1]) * 0.04
    x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    legend_mm = 16.0
    aspect = (y1 - y0) / (x1 - x0)
    map_w = width_mm
    map_h = map_w * aspect
    if map_h > max_height_mm - legend_mm:
        map_h = max_height_mm - legend_mm
        map_w = map_h / aspect
    inch = 25.4
    fig = plt.figure(figsize=(width_mm / inch, (map_h + legend_mm) / inch), dpi=MAP_DPI)
    ax = fig.add_axes((0.5 - map_w / width_mm / 2, legend_mm / (map_h + legend_mm), map_w / width_mm,
                       map_h / (map_h + legend_mm)))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="#fbfbf8", edgecolor="#999999", lw=0.8, zorder=0))
    compounds = community.compounds[community.compounds["compound_id"].isin(set(buildings["compound_id"]))]
    compounds = compounds.to_crs(crs)
    if len(compounds):
        compounds.plot(ax=ax, facecolor="#ffffff", edgecolor=COMPOUND_LINE, linewidth=1.0, zorder=1)
    if len(buildings):
        buildings.plot(ax=ax, color=buildings["worst"].map(FLAG_COLOURS).tolist(), edgecolor="#444444",
                       linewidth=0.6, zorder=2)
    outline.boundary.plot(ax=ax, color=GRID_LINE, linewidth=2.4, linestyle=(0, (6, 3)), zorder=3)

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    taken: list[Any] = []
    area = outline.geometry.iloc[0]
    built = buildings.geometry.buffer(4).union_all() if len(buildings) else None
    # compound names first (largest compounds first), in the open ground farthest from the buildings,
    # each clear of the names already placed
    for _, row in compounds.assign(size=compounds.area).sort_values("size", ascending=False).iterrows():
        inside = row.geometry.intersection(area)
        if inside.is_empty:
            continue
        point = _open_ground(inside, built)
        (cx0, _), (cx1, _) = ax.transData.transform([inside.bounds[:2], inside.bounds[2:]])
        placed = False
        for size in (11, 9.5):  # smaller where the name is wider than its compound
            for dy_pt in (0, 16, -16, 32, -32):
                name = ax.annotate(str(row["name"]), (point.x, point.y), xytext=(0, dy_pt),
                                   textcoords="offset points", ha="center", va="center", fontsize=size,
                                   fontweight="bold", family=family, color="#222222", zorder=6, path_effects=halo)
                box_ = name.get_window_extent(renderer).expanded(1.1, 1.1)
                fits = box_.width <= (cx1 - cx0) * 0.95 or size < 11
                if fits and not any(box_.overlaps(other) for other in taken):
                    taken.append(box_)
                    placed = True
                    break
                name.remove()
            if placed:
                break
    # building numbers where they fit inside the building and clear of the names
    to_px = ax.transData
    for _, row in buildings.iterrows():
        minx, miny, maxx, maxy = row.geometry.bounds
        (px0, py0), (px1, py1) = to_px.transform([(minx, miny), (maxx, maxy)])
        label = str(row["number"])
        point = row.geometry.representative_point()
        text = ax.text(point.x, point.y, label, ha="center", va="center", fontsize=9, family=family,
                       color="#000000" if row["worst"] != "blue" else "#ffffff", zorder=5)
        extent = text.get_window_extent(renderer)
        if extent.width > (px1 - px0) * 0.95 or extent.height > (py1 - py0) * 0.95 or \
                any(extent.overlaps(other) for other in taken):
            text.remove()

    # scale bar (lower left) and north (upper right)
    span = (x1 - x0) / 5
    length = next(v for v in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000) if v >= span * 0.6)
    sx, sy = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    ax.add_patch(Rectangle((sx - (x1 - x0) * 0.015, sy - (y1 - y0) * 0.02), length + (x1 - x0) * 0.03,
                           (y1 - y0) * 0.085, facecolor="white", edgecolor="#888888", lw=0.6, alpha=0.9, zorder=7))
    ax.plot([sx, sx + length], [sy, sy], color="#000000", lw=3, solid_capstyle="butt", zorder=8)
    ax.text(sx + length / 2, sy + (y1 - y0) * 0.015, f"{length} 米", ha="center", va="bottom", fontsize=10,
            family=family, zorder=8)
    ax.annotate("北", xy=(0.96, 0.97), xytext=(0.96, 0.86), xycoords="axes fraction", ha="center", va="center",
                fontsize=12, fontweight="bold", family=family, zorder=8,
                arrowprops={"arrowstyle": "-|>", "color": "#000000", "lw": 1.5}, path_effects=halo)

    handles = [Patch(facecolor=FLAG_COLOURS[k], edgecolor="#444444", label=FLAG_NAMES[k])
               for k in ("red", "yellow", "blue", "none")]
    handles += [Patch(facecolor="none", edgecolor=GRID_LINE, linestyle="--", linewidth=2, label="网格边界"),
                Patch(facecolor="white", edgecolor=COMPOUND_LINE, label="小区")]
    fig.legend(handles=handles, loc="lower center", ncol=6, frameon=False, fontsize=11,
               prop={"family": family, "size": 11}, handlelength=1.6, columnspacing=1.2,
               title="楼栋颜色＝楼内最需关注的住户", title_fontproperties={"family": family, "size": 10})
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=MAP_DPI)
    plt.close(fig)
    return out.getvalue()


def _open_ground(area: Any, built: Any) -> Any:
    """The point of ``area`` farthest from its edges and from the buildings (where a name reads best)."""
    from shapely.geometry import MultiPolygon, Polygon
    from shapely.ops import polylabel

    free = area.difference(built) if built is not None else area
    parts = [g for g in getattr(free, "geoms", [free]) if isinstance(g, (Polygon, MultiPolygon)) and not g.is_empty]
    if not parts:
        return area.representative_point()
    largest = max(parts, key=lambda g: g.area)
    if isinstance(largest, MultiPolygon):
        largest = max(largest.geoms, key=lambda g: g.area)
    return polylabel(largest, tolerance=1.0)


# ---------------------------------------------------------------------------------------------- the PDF


def _pdf_class() -> type:
    from fpdf import FPDF

    class PackPDF(FPDF):  # type: ignore[misc]
        """A4 portrait with the page number and the privacy line in every footer."""

        def footer(self) -> None:
            self.set_y(-13)
            self.set_font("cjk", size=11)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, f"第 {self.page_no()} 页 / 共 {{nb}} 页　　{FOOTER}", align="C")
            self.set_text_color(0, 0, 0)

    return PackPDF


def _new_pdf(fonts: PackFonts, title: str) -> Any:
    pdf = _pdf_class()(orientation="P", unit="mm", format="A4")
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font("cjk", "", str(fonts.regular), collection_font_number=fonts.regular_index)
    pdf.add_font("cjk", "B", str(fonts.bold), collection_font_number=fonts.bold_index)
    pdf.set_title(title)
    pdf.set_creator("泉心社区可视化地图")
    return pdf


def _heading(pdf: Any, text: str, size: int = 18) -> None:
    pdf.set_font("cjk", "B", size)
    pdf.set_fill_color(31, 59, 115)
    pdf.set_text_color(255, 255, 255)
    pdf.cell(0, size * 0.55, f" {text}", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2.5)


def _line(pdf: Any, text: str, size: int = 14, style: str = "", height: float | None = None) -> None:
    pdf.set_font("cjk", style, size)
    pdf.multi_cell(0, height or size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def _tiles(pdf: Any, tiles: list[tuple[str, int, tuple[int, int, int]]], per_row: int) -> None:
    """Figures as boxes: a coloured bar, the label and the number on one line (large)."""
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / per_row
    height = 15.0
    for start in range(0, len(tiles), per_row):
        y = pdf.get_y()
        for i, (label, value, colour) in enumerate(tiles[start:start + per_row]):
            x = pdf.l_margin + i * width
            pdf.set_draw_color(180, 180, 180)
            pdf.rect(x + 0.8, y, width - 1.6, height)
            pdf.set_fill_color(*colour)
            pdf.rect(x + 0.8, y, 2.2, height, style="F")
            pdf.set_xy(x + 4, y + 1.5)
            pdf.set_font("cjk", "", 13)
            pdf.cell(width - 20, 12, label)
            pdf.set_xy(x + width - 22, y + 1.5)
            pdf.set_font("cjk", "B", 20)
            pdf.cell(20, 12, str(value), align="R")
        pdf.set_y(y + height + 2)


def _table(pdf: Any, headings: list[str], rows: list[list[str]], widths: list[float],
           aligns: list[str] | None = None, size: int = 13, marks: list[bool] | None = None) -> None:
    """A plain table with a grey heading row; ``marks`` shades rows (overdue) in light red."""
    from fpdf.fonts import FontFace

    pdf.set_font("cjk", "", size)
    pdf.set_draw_color(170, 170, 170)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_text_color(0, 0, 0)
    heading = FontFace(emphasis="BOLD", fill_color=(225, 229, 238))
    with pdf.table(col_widths=widths, line_height=size * 0.55, headings_style=heading, first_row_as_headings=True,
                   text_align=tuple(aligns or ["LEFT"] * len(widths)), padding=1.2, borders_layout="HORIZONTAL_LINES",
                   width=pdf.w - pdf.l_margin - pdf.r_margin) as table:
        table.row(headings)
        for i, values in enumerate(rows):
            style = FontFace(fill_color=(253, 228, 225)) if marks and marks[i] else None
            table.row(values, style=style)
    pdf.ln(2)


def _date(value: object) -> str:
    stamp = pd.to_datetime(value, errors="coerce")
    return "—" if pd.isna(stamp) else f"{stamp:%Y-%m-%d}"


def _change_text(score: float, rank: float) -> str:
    if pd.isna(score):
        return "上月无记录，无法比较"
    arrow = "↑" if score > 0 else ("↓" if score < 0 else "→")
    rank_text = "名次不变" if rank == 0 else f"名次{'上升' if rank > 0 else '下降'} {abs(int(rank))} 位"
    return f"比上月 {arrow} {abs(score):.1f} 分，{rank_text}"


def _part_value(part: str, row: pd.Series) -> str:
    if part == "satisfaction":
        rating = row.get("mean_rating")
        return "—" if pd.isna(rating) else f"平均 {rating:.2f} 分"
    if part == "activity":
        return f"为最佳的 {row[part]:.0%}"
    counts = {"resolution_rate": ("solved", "reports"), "on_time_rate": ("on_time", "closed"),
              "rated_share": ("rated", "closed")}[part]
    return f"{row[part]:.0%}（{int(row[counts[0]])}/{int(row[counts[1]])}）"


def _render(community: Community, grid_id: str, month: str, fonts: PackFonts) -> bytes:
    grid_name = str(community.grids.loc[grid_id, "name"])
    title = f"{community.community} {grid_name} 网格例会材料 {month}"
    pdf = _new_pdf(fonts, title)
    pdf.alias_nb_pages()
    pdf.add_page()
    figures = community.figures.loc[grid_id]
    # --- page 1: title, figures, map
    pdf.set_font("cjk", "B", 24)
    pdf.cell(0, 12, f"{community.community}　{grid_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 15)
    built = community.meta.get("reference_date", "")
    pdf.cell(0, 8, f"网格例会材料　{month}　（数据截至 {built}，{community.now:%Y-%m-%d %H:%M} 生成）",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    grey, red, yellow, blue = (120, 120, 120), (215, 48, 31), (230, 190, 20), (44, 127, 184)
    _tiles(pdf, [("住户", int(figures["households"]), grey), ("红色户", int(figures["red"]), red),
                 ("黄色户", int(figures["yellow"]), yellow), ("蓝色户", int(figures["blue"]), blue)], 4)
    _tiles(pdf, [("走访超期", int(figures["overdue_visits"]), red), ("未办结需求", int(figures["open_needs"]), grey),
                 ("未整改隐患", int(figures["open_hazards"]), red)], 3)
    _tiles(pdf, [("未办结工单", int(figures["open_reports"]), grey),
                 ("其中超时工单", int(figures["overdue_reports"]), red)], 2)
    pdf.ln(1)
    top = pdf.get_y()
    room = pdf.h - 18 - top
    width = pdf.w - pdf.l_margin - pdf.r_margin
    png = _map_png(community, grid_id, fonts, width, room)
    pdf.image(io.BytesIO(png), x=pdf.l_margin, y=top, w=width)

    # --- page 2: competition and changes
    pdf.add_page()
    frame, best = community.ranking(month)
    row = frame.loc[grid_id]
    _heading(pdf, f"网格擂台比武　{month}")
    pdf.set_font("cjk", "B", 22)
    pdf.cell(0, 12, f"得分 {row['score']:.1f} 分　　第 {int(row['rank'])} 名（共 {len(frame)} 个网格）",
             new_x="LMARGIN", new_y="NEXT")
    change = _change_text(row.get("score_change", float("nan")), row.get("rank_change", float("nan")))
    _line(pdf, change + ("　★ 本月进步最大" if best == grid_id else ""), size=15)
    if pd.Period(month, "M").end_time >= pd.Timestamp(community.now):
        _line(pdf, "本月尚未结束，得分会变化。", size=13)
    pdf.ln(1.5)
    rules = comp.competition_rules()
    total = sum(rules.weights.values())
    rows, marks = [], []
    for part, (label, _) in _weighted_parts(rules):
        few = bool(row.get(f"{part}_few", False))
        full = 100.0 * rules.weights.get(part, 0.0) / total
        rows.append([label, _part_value(part, row), f"{row[f'{part}_points']:.1f} / {full:.0f}",
                     "样本不足，按社区水平计" if few else ""])
        marks.append(False)
    _table(pdf, ["评分项", "本网格", "得分 / 满分", "说明"], rows, [44, 46, 32, 58],
           ["LEFT", "LEFT", "CENTER", "LEFT"], size=13)
    _line(pdf, "十二项工作（本月次数，每百户）", size=15, style="B", height=8)
    aspects = [[a, f"{row[a]:.0f}", f"{row[f'{a}/100']:.1f}"] for a in comp.ASPECTS]
    half = (len(aspects) + 1) // 2
    paired = [[*aspects[i], "", *(aspects[i + half] if i + half < len(aspects) else ["", "", ""])]
              for i in range(half)]
    _table(pdf, ["工作", "次数", "每百户", "", "工作", "次数", "每百户"], paired, [38, 18, 28, 12, 38, 18, 28],
           ["LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT"], size=13)
    pdf.ln(2)
    _heading(pdf, "住户变化（与上次数据更新相比，只计户数）")
    if community.meta.get("previous_build") != "True":
        _line(pdf, "这是第一次生成数据包，还没有可比较的上一版。", size=14)
    else:
        c = community.changes.loc[grid_id]
        before = community.meta.get("previous_built_at", "")[:10]
        _line(pdf, f"上次更新 {before} → 本次 {community.meta.get('built_at', '')[:10]}", size=13)
        _table(pdf, ["新增住户", "减少住户", "颜色变化", "其中变为红色", "其中不再是红色"],
               [[f"{int(c['added'])} 户", f"{int(c['removed'])} 户", f"{int(c['flag_changed'])} 户",
                 f"{int(c['to_red'])} 户", f"{int(c['from_red'])} 户"]], [34, 34, 34, 39, 39], ["CENTER"] * 5)

    # --- page 3: open items
    pdf.add_page()
    hazards = community.hazards[community.hazards["grid_id"] == grid_id]
    _heading(pdf, f"未整改的安全隐患（{len(hazards)} 处）")
    if hazards.empty:
        _line(pdf, "无。", size=14)
        pdf.ln(3)
    else:
        shown = hazards.head(MAX_ITEMS)
        _table(pdf, ["隐患", "等级", "楼栋", "发现", "整改期限"],
               [[str(h.hazard_type), str(h.level), str(h.building), _date(h.found_on),
                 _date(h.deadline) + ("（逾期）" if h.overdue else "")] for h in shown.itertuples()],
               [40, 14, 50, 28, 48], size=13, marks=shown["overdue"].tolist())
        if len(hazards) > MAX_ITEMS:
            _line(pdf, f"另有 {len(hazards) - MAX_ITEMS} 处未列出，请在系统中查看。", size=13)
        pdf.ln(3)
    reports = community.reports[community.reports["grid_id"] == grid_id]
    late = int(reports["overdue"].sum())
    _heading(pdf, f"未办结的居民诉求工单（{len(reports)} 件，其中超时 {late} 件）")
    if reports.empty:
        _line(pdf, "无。", size=14)
    else:
        shown = reports.head(MAX_ITEMS)
        _table(pdf, ["工单编号", "类别", "楼栋", "提交", "超时"],
               [[str(r.number), str(r.category), str(r.building), _date(r.submitted), "超时" if r.overdue else ""]
                for r in shown.itertuples()], [44, 30, 56, 30, 20],
               ["LEFT", "LEFT", "LEFT", "LEFT", "CENTER"], size=13, marks=shown["overdue"].tolist())
        if len(reports) > MAX_ITEMS:
            _line(pdf, f"另有 {len(reports) - MAX_ITEMS} 件未列出，请在系统“我的工单”中查看。", size=13)
    pdf.ln(2)
    _line(pdf, "本材料只列数量、楼栋和类别，不含姓名、电话、身份证号、房号和诉求原文。会后请收回或销毁。",
          size=12)
    return bytes(pdf.output())


def _weighted_parts(rules: comp.CompetitionRules) -> list[tuple[str, tuple[str, str]]]:
    """The parts of the score that carry weight, heaviest first."""
    return sorted(((p, names) for p, names in comp.PARTS.items() if rules.weights.get(p, 0) > 0),
                  key=lambda item: -rules.weights.get(item[0], 0))


# ---------------------------------------------------------------------------------------------- entry points


def _month_or_latest(community: Community, month: str | None) -> str:
    """``month``, or the latest month with records that has ended (the one a meeting reviews).

    A month still running (a report filed this morning makes this month the latest with records) is only
    chosen when no month before it has records.
    """
    if month:
        return month
    if not community.months:
        msg = "数据包中没有任何月份的工作记录或工单 / no month with records in the artifact"
        raise PackError(msg)
    ended = [m for m in community.months if pd.Period(m, "M").end_time < pd.Timestamp(community.now)]
    return (ended or community.months)[-1]


def pack_bytes(artifact: Path, grid_id: str, month: str | None, db: Session | None, *,
               font_dir: Path | None = None) -> bytes:
    """One grid's pack as PDF bytes (the latest month when ``month`` is None)."""
    fonts = find_fonts(font_dir)
    community = load_community(Path(artifact), db)
    chosen = _month_or_latest(community, month)
    _check(community, grid_id, chosen)
    return _render(community, grid_id, chosen, fonts)


def _file_name(community: Community, grid_id: str, month: str) -> str:
    return f"网格例会材料_{grid_id}_{community.grids.loc[grid_id, 'name']}_{month}.pdf"


def make_pack(artifact: Path, grid_id: str, month: str | None, out_dir: Path, db: Session | None, *,
              font_dir: Path | None = None) -> Path:
    """Write one grid's pack into ``out_dir``; return its path."""
    fonts = find_fonts(font_dir)
    community = load_community(Path(artifact), db)
    chosen = _month_or_latest(community, month)
    _check(community, grid_id, chosen)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / _file_name(community, grid_id, chosen)
    path.write_bytes(_render(community, grid_id, chosen, fonts))
    return path


def make_all(artifact: Path, month: str | None, out_dir: Path, db: Session | None, *,
             font_dir: Path | None = None) -> list[Path]:
    """Write every grid's pack into ``out_dir`` (the artifact is read once); return the paths."""
    fonts = find_fonts(font_dir)
    community = load_community(Path(artifact), db)
    chosen = _month_or_latest(community, month)
    _check(community, None, chosen)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for grid_id in community.grids.index:
        path = out_dir / _file_name(community, str(grid_id), chosen)
        path.write_bytes(_render(community, str(grid_id), chosen, fonts))
        written.append(path)
    return written


def packs_zip(artifact: Path, month: str | None, db: Session | None, *, font_dir: Path | None = None) -> bytes:
    """Every grid's pack in one ZIP (file names in UTF-8), for a download button."""
    fonts = find_fonts(font_dir)
    community = load_community(Path(artifact), db)
    chosen = _month_or_latest(community, month)
    _check(community, None, chosen)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for grid_id in community.grids.index:
            archive.writestr(_file_name(community, str(grid_id), chosen),
                             _render(community, str(grid_id), chosen, fonts))
    return out.getvalue()
