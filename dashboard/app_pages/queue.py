"""我的工单 / 工单 — the report queue: a grid worker's open reports in their grids, a leader's in every grid.

Overdue first, then oldest.  Each card offers exactly the moves workflow.toml allows this person from
the report's state (接单, 添加进展, 处理反馈, for a leader 受理, 派遣, 核查结案, 退回, 重复, 转派, 撤销),
with what each needs.  A move is written only if nobody moved the report since this page was drawn;
otherwise the page says who did.  Thin: the rules and the writing are in ``operations.reports``.
"""

from __future__ import annotations

import base64

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.i18n import one_language, t
from dashboard.readable import PlaceNames
from dashboard.report_routes import local_time
from dashboard.safe_text import md
from dashboard.state import current_lang
from operations import photos, reports
from operations.access import Viewer
from operations.models import Report, ReportEvent, utcnow
from operations.reports import Actor, Conflict, ReportError
from operations.store import db
from operations.workflow import ROLE_NAMES, Workflow, WorkflowError, workflow

FLASH = "queue_flash"
STATE_FILTER = "queue_states"


def _actor(viewer: Viewer) -> Actor:
    return Actor(viewer.username, viewer.role.value, viewer.grids)


def _history(events: list[ReportEvent], rules: Workflow, lang: str) -> None:
    rows = pd.DataFrame([{t("when", lang): local_time(e.at), t("step", lang): rules.label(e.to_status, lang),
                          t("handled_by", lang): f"{e.actor}（{ROLE_NAMES.get(e.role, e.role)}）",
                          t("note", lang): e.note}
                         for e in events])
    st.dataframe(rows, hide_index=True, width="stretch")


def _act(viewer: Viewer, number: str, version: int, action: str, lang: str) -> None:
    """A move button's callback: runs before the page is drawn again, with the version this person saw.

    So a stale page (a colleague took the report meanwhile) is told who did, instead of its click
    vanishing; the outcome is shown at the top of the page.
    """
    rules = workflow()
    state = st.session_state
    move = rules.transitions[action]
    values: dict[str, object] = {}
    for need, key in (("note", "note"), ("grid", "grid"), ("duplicate_of", "dup"), ("where", "where")):
        typed = state.get(f"{key}-{number}")
        if typed and (need in move.needs or need == "note"):  # a note typed goes with any move
            values[need] = typed
    photo = state.get(f"photo-{number}") if action == "resolve" else None
    try:
        stored = photos.save_photo(photo.getvalue(), max_mb=rules.photo_max_mb,
                                   max_side=rules.photo_max_side) if photo is not None else ""
        with db() as session:
            done = reports.act(session, number, action, _actor(viewer), expected_version=version, photo=stored,
                               **values)  # type: ignore[arg-type]
        state[FLASH] = ("success", t("queue_done", lang).format(number=done.number,
                                                                step=rules.label(done.status, lang)))
    except Conflict as exc:
        state[FLASH] = ("warning", one_language(str(exc), lang))
    except (ReportError, WorkflowError) as exc:
        state[FLASH] = ("error", one_language(str(exc), lang))


def _card(viewer: Viewer, report: Report, events: list[ReportEvent], rules: Workflow, names: PlaceNames,
          lang: str, now: object) -> None:
    late = reports.is_overdue(report, now, rules)  # type: ignore[arg-type]
    with st.container(border=True, key=f"report-{report.number}"):  # .st-key-report-<number> in the page
        badge = f" · :red[**{t('report_overdue', lang)}**]" if late else ""
        st.markdown(f"**{report.number}** · {md(report.category)} · {md(rules.label(report.status, lang))}{badge}")
        place = names.buildings.get(report.building_id) or report.address or t("place_on_map", lang)
        grid = names.grids.get(report.grid_id, report.grid_id or "—")
        st.caption(f"{md(place)} · {md(grid)} · {t('submitted_at', lang)} {local_time(report.submitted_at)}"
                   + (f" · {t('due', lang)} {local_time(report.due_at)}" if report.due_at else "")
                   + (f" · {t('assignee', lang)} {md(report.assignee)}" if report.assignee else ""))
        # a grid worker calls the resident back: their own grid's reports in full; others see them masked
        text = report.description if viewer.sees_names else reports.masked_description(report)
        st.markdown(md(text))
        if report.contact:
            contact = report.contact if viewer.sees_names else t("contact_for_worker", lang)
            st.caption(f"{t('contact', lang)}：{md(contact)}")
        taken = [report.photo, *(e.photo for e in events if e.photo)]
        shown = list(dict.fromkeys(p for p in taken if p))
        if shown:
            with st.expander(t("photos_n", lang).format(n=len(shown))):
                for name in shown:  # inline, never a /media address that would open without a login
                    picture = photos.read_photo(name)
                    if picture:
                        st.html(f'<img src="data:image/jpeg;base64,{base64.b64encode(picture).decode()}" '
                                f'style="max-width:100%;width:320px;margin:0 .5rem .5rem 0" alt="">')
        if report.status in ("submitted", "accepted") and not viewer.scoped:
            with db() as session:
                similar = [r.number for r in reports.duplicate_hints(session, report, rules)]
            if similar:
                st.info(t("maybe_duplicate", lang).format(numbers="、".join(similar[:5])))
        with st.expander(t("history", lang)):
            _history(events, rules, lang)
        moves = [m for m in rules.actions_for(report.status, viewer.role.value) if m.action != "rate"]
        if not moves:
            return
        needs = {n for m in moves for n in m.needs}
        with st.form(f"act-{report.number}", clear_on_submit=True, border=False):
            if "note" in needs:
                st.text_area(t("note", lang), key=f"note-{report.number}", height=80, help=t("note_help", lang))
            if "grid" in needs:
                grids = list(names.grids)
                st.selectbox(t("grid", lang), grids, format_func=lambda g: names.grids.get(g, g),
                             index=grids.index(report.grid_id) if report.grid_id in grids else 0,
                             key=f"grid-{report.number}")
            if "duplicate_of" in needs:
                st.text_input(t("duplicate_of", lang), key=f"dup-{report.number}")
            if "where" in needs:
                st.text_input(t("transfer_to", lang), key=f"where-{report.number}")
            if any(m.action == "resolve" for m in moves):
                st.file_uploader(t("photo_optional", lang), type=["jpg", "jpeg", "png"], key=f"photo-{report.number}")
            columns = st.columns(min(len(moves), 3))
            for index, move in enumerate(moves):
                columns[index % len(columns)].form_submit_button(
                    move.label if lang == "zh" else move.action.replace("_", " ").capitalize(),
                    key=f"{move.action}-{report.number}", type="primary" if index == 0 else "secondary",
                    width="stretch", on_click=_act, args=(viewer, report.number, report.version, move.action, lang))

def _open_on_map_only(viewer: Viewer) -> int:
    """Open reports the map counts for the viewer's grids that are only in the build's export, not in the store."""
    path = data.artifact_path()
    facts = data.load_facts(str(path), data.artifact_version(path))
    points = facts.reports
    grids = facts.grid_ids[points["grid"].clip(lower=0).to_numpy()]
    mine = points["is_open"].to_numpy() & (points["grid"].to_numpy() >= 0)
    if viewer.scoped:
        mine &= pd.Series(grids).isin(viewer.grids).to_numpy()
    with db() as session:
        stored = reports.numbers(session)
    return int((mine & ~points["report_id"].isin(stored).to_numpy()).sum())


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    viewer = auth.current_viewer()
    if viewer is None or viewer.meeting_only:
        return
    rules = workflow()
    path = data.artifact_path()
    names = data.place_names(str(path), data.artifact_version(path))
    st.title(t("page_my_queue" if viewer.scoped else "page_queue", lang))
    flash = st.session_state.pop(FLASH, None)
    if flash:
        getattr(st, flash[0])(flash[1])
    now = utcnow()
    with db() as session:
        items = reports.queue(session, viewer.grids if viewer.scoped else None, now=now, rules=rules)
    states = [s for s in rules.open_states if any(r.status == s for r in items)]
    chosen = st.multiselect(t("queue_states", lang), states, format_func=lambda s: rules.label(s, lang),
                            key=STATE_FILTER, placeholder=t("all", lang), select_all=False)
    if chosen:
        items = [r for r in items if r.status in chosen]
    late = sum(reports.is_overdue(r, now, rules) for r in items)
    st.caption(t("queue_summary", lang).format(n=len(items), late=late))
    on_map = _open_on_map_only(viewer)
    if on_map:  # the map also counts the export's open reports, which are handled here once imported
        st.caption(t("queue_map_only", lang).format(n=on_map))
    if viewer.scoped:
        st.page_link("app_pages/visits.py", label=t("to_visits", lang))
    if not items:
        st.success(t("queue_empty", lang))
    shown = items[:200]
    with db() as session:  # every card's history in one query
        events = reports.histories(session, shown)
    for report in shown:
        _card(viewer, report, events[report.id], rules, names, lang, now)
    if len(items) > 200:
        st.info(t("queue_more", lang).format(n=len(items) - 200))


render()
