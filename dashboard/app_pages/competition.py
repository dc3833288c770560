"""网格擂台比武 Grid competition: the month's ranking, readable from the back of a room, and why each score.

Rank, score, the change since last month (↑↓), the parts the score is made of (mainly problems solved and
satisfaction, weights in ``operations/rules/competition.toml``), the 12 aspects per 100 households, the
best improved grid, a month picker and an Excel export.  Grid figures only: no person is on this page, so
meeting mode shows it as it is.  Thin: the counting is in ``operations.competition``.
"""

from __future__ import annotations

import math
from functools import partial

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.i18n import t
from dashboard.safe_text import html_text
from dashboard.state import current_lang, meeting_mode
from operations import audit
from operations.access import Viewer
from operations.competition import ASPECTS, PARTS, competition_rules
from operations.meeting_pack import PackFontError, find_fonts, pack_bytes, packs_zip
from operations.settings import local_now
from operations.store import db

MONTH = "competition_month"
GRID = "competition_grid"

_CSS = """<style>
#ranking {width: 100%; border-collapse: collapse; color: #000;
  font-size: clamp(1rem, min(2.6vh, 1.5vw), 2.6rem);}
#ranking th {text-align: left; border-bottom: 3px solid #1f3b73; padding: .15em .5em; font-weight: 700;
  line-height: 1.25;}
#ranking td {border-bottom: 1px solid #ccd; padding: .12em .5em; white-space: nowrap; line-height: 1.25;}
#ranking td.num {text-align: right; font-variant-numeric: tabular-nums;}
#ranking td.score {font-weight: 700; font-size: 1.25em;}
#ranking tr.top td {background: #eef3fb;}
#ranking .up {color: #14632a; font-weight: 700;} #ranking .down {color: #b00020; font-weight: 700;}
#ranking .few {color: #666; font-size: .85em;}
</style>"""


def _change(rank_change: float) -> str:
    if rank_change is None or (isinstance(rank_change, float) and math.isnan(rank_change)):
        return "—"
    if rank_change > 0:
        return f'<span class="up">↑{int(rank_change)}</span>'
    if rank_change < 0:
        return f'<span class="down">↓{int(-rank_change)}</span>'
    return "—"


def _share(value: float, few: bool, lang: str) -> str:
    return f'<span class="few">{t("too_few_cases", lang)}</span>' if few else f"{value:.0%}"


def _table_html(frame: pd.DataFrame, lang: str, month: str) -> str:
    heads = [t("rank", lang), t("grid", lang), t("score", lang), t("vs_last_month", lang),
             *(PARTS[p][1 if lang == "en" else 0] for p in ("resolution_rate", "on_time_rate")),
             t("mean_rating", lang), PARTS["rated_share"][1 if lang == "en" else 0], t("activity_short", lang)]
    rows = []
    for grid_id, r in frame.iterrows():
        rating = (f'<span class="few">{t("too_few_cases", lang)}</span>' if pd.isna(r["mean_rating"])
                  else f"{r['mean_rating']:.1f}")
        cells = [f'<td class="num">{int(r["rank"])}</td>', f"<td>{html_text(r['name'])}</td>",
                 f'<td class="num score">{r["score"]:.1f}</td>', f'<td class="num">{_change(r["rank_change"])}</td>',
                 f'<td class="num">{_share(r["resolution_rate"], r["resolution_rate_few"], lang)}</td>',
                 f'<td class="num">{_share(r["on_time_rate"], r["on_time_rate_few"], lang)}</td>',
                 f'<td class="num">{rating}</td>',
                 f'<td class="num">{_share(r["rated_share"], r["rated_share_few"], lang)}</td>',
                 f'<td class="num">{r["activity"]:.0%}</td>']
        rows.append(f'<tr class="{"top" if r["rank"] == 1 else ""}" data-grid="{html_text(str(grid_id))}">'
                    f'{"".join(cells)}</tr>')
    head = "".join(f"<th>{html_text(h)}</th>" for h in heads)
    return (f'{_CSS}<table id="ranking" data-testid="ranking" data-month="{html_text(month)}"><tr>{head}</tr>'
            f'{"".join(rows)}</table>')


def _breakdown(frame: pd.DataFrame, grid_id: str, lang: str) -> pd.DataFrame:
    """Each part of one grid's score: its value, weight, the points it adds, and whether cases were too few."""
    rules = competition_rules()
    total = sum(rules.weights.values())
    row = frame.loc[grid_id]
    return pd.DataFrame([{
        t("part", lang): PARTS[p][1 if lang == "en" else 0],
        t("value", lang): t("too_few_cases_community", lang) if row[f"{p}_few"] else f"{row[p]:.0%}",
        t("weight", lang): f"{rules.weights.get(p, 0.0) / total:.0%}",
        t("points", lang): f"{row[f'{p}_points']:.1f}",
    } for p in PARTS])


def _aspects(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = frame[["name", *(f"{a}/100" for a in ASPECTS)]].copy()
    shown.columns = [t("grid", lang), *ASPECTS]
    return shown


def _export(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = pd.DataFrame({t("rank", lang): frame["rank"], t("grid", lang): frame["name"],
                        t("score", lang): frame["score"], t("vs_last_month", lang): frame["rank_change"],
                        t("households", lang): frame["households"]})
    for part in PARTS:
        out[PARTS[part][1 if lang == "en" else 0]] = frame[part].round(3)
        out[f"{PARTS[part][1 if lang == 'en' else 0]} · {t('points', lang)}"] = frame[f"{part}_points"]
    out[t("mean_rating", lang)] = frame["mean_rating"]
    for aspect in ASPECTS:
        out[f"{aspect}（{t('per_100', lang)}）"] = frame[f"{aspect}/100"]
    return out.reset_index(drop=True)


def _pack(viewer: Viewer, where: str, grid_id: str | None, month: str) -> bytes:
    """A download button's data: one grid's meeting pack (PDF) or every grid's (ZIP), logged as an export."""
    path = data.artifact_path()
    with db() as session:
        made = pack_bytes(path, grid_id, month, session) if grid_id else packs_zip(path, month, session)
        audit.record(session, "export", actor=viewer.username, role=viewer.role.value,
                     target=f"例会材料 {grid_id or '全部网格'} {month}", detail=f"{len(made)} bytes", address=where)
    return made


def _packs(viewer: Viewer, frame: pd.DataFrame, grid: str, month: str, lang: str) -> None:
    """The meeting pack: a printable A4 PDF of one grid (or a ZIP of all), for the grid's meeting."""
    st.subheader(t("meeting_pack", lang))
    try:
        find_fonts()
    except PackFontError as exc:  # say so plainly: without the font the PDF would show boxes
        st.warning(str(exc).split(" / ")[0 if lang == "zh" else -1])
        return
    st.caption(t("meeting_pack_help", lang))
    mine = [g for g in frame.index if not viewer.scoped or g in viewer.grids]
    chosen = grid if grid in mine else (mine[0] if mine else None)
    if chosen is None:
        return
    cols = st.columns(2)
    name = frame.loc[chosen, "name"]
    cols[0].download_button(t("meeting_pack_one", lang).format(name=name),
                            data=partial(_pack, viewer, auth.address(), chosen, month),
                            file_name=f"网格例会材料_{chosen}_{name}_{month}.pdf", mime="application/pdf",
                            key="pack_one", width="stretch")
    if not viewer.scoped:
        cols[1].download_button(t("meeting_pack_all", lang), data=partial(_pack, viewer, auth.address(), None, month),
                                file_name=f"网格例会材料_全部网格_{month}.zip", mime="application/zip",
                                key="pack_all", width="stretch")


def _default_month(months: list[str]) -> int:
    """Last month by default (a meeting looks back at the month just ended), else the latest."""
    previous = str(pd.Period(local_now().strftime("%Y-%m"), "M") - 1)
    return months.index(previous) if previous in months else len(months) - 1


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    viewer = auth.current_viewer()
    if viewer is None:
        return
    path = data.artifact_path()
    version = data.artifact_version(path)
    meeting = meeting_mode()
    st.title(t("page_competition", lang))
    months = data.competition_months(str(path), version)
    top = st.columns([1, 2]) if meeting else [st.container(), st.container()]  # one row on a projector
    month = top[0].selectbox(t("month", lang), months, index=_default_month(months), key=MONTH)
    frame, best = data.competition(str(path), version, month)
    if frame.empty:
        st.info(t("competition_empty", lang))
        return
    if not meeting:
        st.caption(t("competition_help", lang))
    if best is not None:
        top[1].success(t("best_improved", lang).format(name=frame.loc[best, "name"],
                                                       points=f"{frame.loc[best, 'score_change']:+.1f}"))
    st.markdown(_table_html(frame, lang, month), unsafe_allow_html=True)
    grid = st.selectbox(t("why_this_score", lang), list(frame.index), key=GRID,
                        format_func=lambda g: f"{frame.loc[g, 'name']}（{frame.loc[g, 'score']:.1f}）")
    st.dataframe(_breakdown(frame, grid, lang), hide_index=True, width="stretch")
    st.subheader(t("aspects_per_100", lang))
    st.dataframe(_aspects(frame, lang), hide_index=True, width="stretch")
    if not meeting:
        _packs(viewer, frame, grid, month, lang)
        title = f"{t('page_competition', lang)} {month}"
        export = partial(auth.audited_export, viewer, auth.address(), title, _export(frame, lang), title=title,
                         yes_no=(t("yes", lang), t("no", lang)))
        st.download_button(t("export", lang), data=export, file_name=f"{title}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="competition_export")


render()
