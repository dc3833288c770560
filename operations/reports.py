"""Resident reports, live: filing, the seven-step workflow, history, the grid worker's queue, duplicate hints.

Every move goes through :func:`act`, which asks the workflow file whether the
move is allowed, and writes it only if the report is still in the state (and
version) it was read in: of two grid workers taking the same report at once,
exactly one wins and the other is told who took it.  Every move is one
history entry (who, when, from, to, note).  The resident holds only a receipt
number; the store keeps its hash.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from operations.models import Report, ReportEvent, Submission, Visit, VisitNeed, utcnow
from operations.places import Place
from operations.workflow import Workflow, WorkflowError, workflow
from pipelines.privacy import mask_name, scrub_text

__all__ = ["Actor", "Conflict", "ReportError", "SYSTEM", "act", "allow_submission", "by_number", "by_receipt",
           "duplicate_hints", "histories", "history", "is_overdue", "live_revision", "masked_description", "numbers",
           "queue", "report_frame", "submit"]

_RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud on the phone
# control and direction characters, and the noncharacters no text holds (U+FFFE/U+FFFF would break XML)
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e"
                      r"\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")
MAX_DESCRIPTION = 2000


class ReportError(ValueError):
    """A report or a move that cannot be taken as given; the message says what to fix."""


class Conflict(ReportError):
    """Someone else changed the report first; ``by`` is who, ``state`` where it is now."""

    def __init__(self, message: str, by: str, state: str) -> None:
        super().__init__(message)
        self.by = by
        self.state = state


@dataclass(frozen=True)
class Actor:
    """Who makes a move: a user (with role and grids), the resident (with the receipt), the system or an API client."""

    name: str
    role: str
    grids: tuple[str, ...] = field(default_factory=tuple)


SYSTEM = Actor("系统", "system")


def clean_text(text: str, limit: int) -> str:
    """Text as typed, without control and direction characters, normalised, and at most ``limit`` characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).strip()[:limit]


def _receipt_chars(receipt: str) -> str:
    """The receipt's letters and digits, as typed on any keyboard (full-width ＡＢ１２ too), upper case."""
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", receipt).upper())


def _hash(receipt: str) -> str:
    normal = _receipt_chars(receipt)
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_receipt() -> str:
    chars = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def allow_submission(db: Session, address: str, kind: str, per_hour: int, now: datetime | None = None) -> bool:
    """Record one use of a public form by ``address``; False when it already used it ``per_hour`` times this hour."""
    now = now or utcnow()
    used = db.scalar(select(func.count()).select_from(Submission).where(
        Submission.address == address[:64], Submission.kind == kind, Submission.at >= now - timedelta(hours=1))) or 0
    if used >= per_hour:
        return False
    db.add(Submission(address=address[:64], kind=kind, at=now))
    db.flush()
    return True


def submit(db: Session, *, category: str, description: str, place: Place, actor: Actor, contact: str = "",
           photo: str = "", source: str = "public", channel: str = "网页", client: str = "",
           rules: Workflow | None = None, now: datetime | None = None) -> tuple[Report, str]:
    """File a new report; returns it and the resident's receipt number (shown once, stored as a hash).

    With ``auto_dispatch`` on and a place inside a grid, the system files it (案卷建立) and dispatches it to
    that grid (任务派遣) at once, and the time limit starts.
    """
    rules = rules or workflow()
    now = now or utcnow()
    if category not in rules.categories:
        msg = f"请选择问题类别（{'、'.join(rules.categories)}） / choose a category"
        raise ReportError(msg)
    text = clean_text(description, MAX_DESCRIPTION)
    if len(text) < 4:
        msg = "请用几句话描述问题（至少 4 个字） / describe the problem in a few words"
        raise ReportError(msg)
    if not (place.building_id or place.lat is not None):
        msg = "请选择楼栋，或在地图上点出位置 / choose a building or click the map"
        raise ReportError(msg)
    receipt = _new_receipt()
    report = Report(number=f"tmp-{secrets.token_hex(8)}", source=source, channel=channel, receipt_hash=_hash(receipt),
                    category=category, description=text, address=clean_text(place.address, 256),
                    compound_id=place.compound_id, building_id=place.building_id, grid_id=place.grid_id,
                    lat=place.lat, lon=place.lon, contact=clean_text(contact, 64), photo=photo, status="submitted",
                    client=client, version=1, submitted_at=now, updated_at=now)
    db.add(report)
    db.flush()
    report.number = f"QX{now:%y%m}{report.id:05d}"
    db.add(ReportEvent(report_id=report.id, at=now, actor=actor.name, role=actor.role, action="submit",
                       from_status="", to_status="submitted", note="", photo=photo))
    db.flush()
    if rules.auto_dispatch and place.grid_id:
        act(db, report.number, "accept", SYSTEM, rules=rules, now=now)
        act(db, report.number, "dispatch", SYSTEM, grid=place.grid_id, rules=rules, now=now)
        db.refresh(report)
    return report, receipt


def masked_description(report: Report) -> str:
    """The report's text for anyone but its own grid's worker, personal details masked.

    Phone, ID and room numbers, e-mail and chat accounts, and the submitter's own name (known from the
    private contact).
    """
    text = report.description or ""
    name = (report.contact or "").split(" ")[0]
    if len(name) >= 2 and not any(ch.isdigit() or ch == "@" for ch in name):
        text = text.replace(name, mask_name(name))
    return scrub_text(text)


def by_number(db: Session, number: str) -> Report | None:
    """The report with this number (工单编号), or None."""
    return db.scalar(select(Report).where(Report.number == number.strip()))


def by_receipt(db: Session, receipt: str) -> Report | None:
    """The report of a receipt number (case and dashes do not matter), or None."""
    if not receipt or len(_receipt_chars(receipt)) != 12:
        return None
    return db.scalar(select(Report).where(Report.receipt_hash == _hash(receipt)))


def is_overdue(report: Report, now: datetime | None = None, rules: Workflow | None = None) -> bool:
    """True when an open report is past its time limit."""
    rules = rules or workflow()
    state = rules.states.get(report.status)
    return bool(state and state.open and report.due_at is not None and (now or utcnow()) > report.due_at)


def _last_actor(db: Session, report_id: int) -> str:
    event = db.scalar(select(ReportEvent).where(ReportEvent.report_id == report_id)
                      .order_by(ReportEvent.id.desc()).limit(1))
    return event.actor if event else ""


def act(db: Session, number: str, action: str, actor: Actor, *, note: str = "", grid: str = "",
        duplicate_of: str = "", where: str = "", rating: int | None = None, photo: str = "",
        expected_version: int | None = None, rules: Workflow | None = None, now: datetime | None = None) -> Report:
    """Make one move on the report ``number`` (see workflow.toml), write its history entry, return the report.

    Raises :class:`~operations.workflow.WorkflowError` for a move the rules do not allow,
    :class:`ReportError` for a move missing what it needs, and :class:`Conflict` when someone else moved
    the report first (``expected_version`` is the version the person saw, when they saw one).
    """
    rules = rules or workflow()
    now = now or utcnow()
    report = by_number(db, number)
    if report is None:
        msg = f"没有工单 {number} / no such report"
        raise ReportError(msg)
    db.refresh(report)  # the current row, not one this session read earlier
    if expected_version is not None and report.version != expected_version:
        by = report.assignee or _last_actor(db, report.id)
        msg = (f"工单 {report.number} 刚被 {by} 改为“{rules.label(report.status)}”，请刷新后再操作 / "
               f"changed by {by} meanwhile")
        raise Conflict(msg, by, report.status)
    planned = rules.transitions.get(action)
    if planned and report.status not in planned.sources and report.status == planned.target:
        by = (report.assignee if action == "take" else "") or _last_actor(db, report.id)  # done by someone else
        msg = (f"工单 {report.number} 已被 {by} {planned.label}（现在是“{rules.label(report.status)}”） / "
               f"{by} did this first")
        raise Conflict(msg, by, report.status)
    move = rules.check(action, report.status, actor.role)
    if actor.role == "grid_worker" and report.grid_id not in actor.grids:
        msg = f"工单 {report.number} 不在您的网格 / not in your grid"
        raise WorkflowError(msg)
    text = clean_text(note, MAX_DESCRIPTION)
    values: dict[str, object] = {"status": move.target, "version": report.version + 1, "updated_at": now}
    if "note" in move.needs and not text:
        msg = f"“{move.label}”需要填写说明 / {action} needs a note"
        raise ReportError(msg)
    if "grid" in move.needs:
        if not grid:
            msg = "派遣需要选择网格 / dispatch needs a grid"
            raise ReportError(msg)
        if report.status == "dispatched" and grid == report.grid_id:  # to the same grid again: the clock runs on
            msg = f"工单已派遣至 {grid}，无需重复派遣（重复派遣不会重新计时） / already dispatched to {grid}"
            raise ReportError(msg)
        values.update(grid_id=grid, dispatched_at=now, due_at=now + timedelta(hours=rules.hours_for(report.category)),
                      assignee="")
        text = text or f"派遣至 {grid}"
    if "duplicate_of" in move.needs:
        original = by_number(db, duplicate_of) if duplicate_of else None
        if not duplicate_of.strip():
            msg = "请填写它重复的那张工单的编号 / name the report it repeats"
            raise ReportError(msg)
        if original is None:
            msg = f"没有编号为 {duplicate_of.strip()} 的工单，请核对 / no report {duplicate_of.strip()}"
            raise ReportError(msg)
        if original.id == report.id:
            msg = "不能标记为与自己重复，请填写另一张工单的编号 / a report cannot repeat itself"
            raise ReportError(msg)
        values["duplicate_of"] = original.number
        text = text or f"与 {original.number} 重复"
    if "where" in move.needs:
        target = clean_text(where, 128)
        if not target:
            msg = "请写明转给哪个单位 / say where it goes"
            raise ReportError(msg)
        values["transfer_to"] = target
        text = text or f"转派至 {target}"
    if "rating" in move.needs:
        if rating is None or not 1 <= int(rating) <= 5:
            msg = "评价请选 1 到 5 分 / a rating of 1 to 5"
            raise ReportError(msg)
        values["rating"] = int(rating)
    if action == "take":
        values["assignee"] = actor.name
    if move.target == "resolved":
        values["resolved_at"] = now
    if move.target == "closed":
        values["closed_at"] = now
    if action == "reopen":
        if actor.role == "resident" and (report.closed_at is None or
                                         now - report.closed_at > timedelta(days=rules.reopen_days)):
            msg = f"结案超过 {rules.reopen_days} 天，请重新提交诉求 / closed more than {rules.reopen_days} days ago"
            raise WorkflowError(msg)
        values.update(closed_at=None, resolved_at=None, rating=None)
        if report.rating:  # the rating given before goes into the history, not into thin air
            text = f"{text}（此前评价 {report.rating} 分）"
    # written only if nobody moved it since it was read: exactly one of two simultaneous moves wins
    done = db.execute(update(Report).where(and_(Report.id == report.id, Report.version == report.version,
                                                Report.status == report.status)).values(**values)
                      .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        current = by_number(db, number)
        by = (current.assignee if current else "") or (_last_actor(db, current.id) if current else "")
        state = current.status if current else ""
        msg = (f"工单 {number} 已被 {by} 抢先处理（现在是“{rules.label(state)}”） / "
               f"{by} moved this report first")
        raise Conflict(msg, by, state)
    db.add(ReportEvent(report_id=report.id, at=now, actor=actor.name, role=actor.role, action=action,
                       from_status=report.status, to_status=move.target, note=text, photo=photo))
    db.flush()
    db.refresh(report)
    return report


def history(db: Session, report: Report) -> list[ReportEvent]:
    """Every move of the report, oldest first."""
    return list(db.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)
                           .order_by(ReportEvent.at, ReportEvent.id)))


def histories(db: Session, found: list[Report]) -> dict[int, list[ReportEvent]]:
    """The history of each report in ``found`` (one query for all), oldest first, by report id."""
    out: dict[int, list[ReportEvent]] = {r.id: [] for r in found}
    if out:
        for event in db.scalars(select(ReportEvent).where(ReportEvent.report_id.in_(list(out)))
                                .order_by(ReportEvent.at, ReportEvent.id)):
            out[event.report_id].append(event)
    return out


def numbers(db: Session) -> set[str]:
    """The number of every report in the store."""
    return set(db.scalars(select(Report.number)))


def queue(db: Session, grids: tuple[str, ...] | None, *, now: datetime | None = None,
          rules: Workflow | None = None) -> list[Report]:
    """Open reports of ``grids`` (None: every grid), overdue first, then oldest first (我的工单)."""
    rules = rules or workflow()
    now = now or utcnow()
    query = select(Report).where(Report.status.in_(rules.open_states))
    if grids is not None:
        query = query.where(Report.grid_id.in_(grids))
    found = list(db.scalars(query))
    return sorted(found, key=lambda r: (not is_overdue(r, now, rules), r.submitted_at, r.id))


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(dlat, dlon)


def duplicate_hints(db: Session, report: Report, rules: Workflow | None = None) -> list[Report]:
    """Other reports that may be the same problem (a hint for the person who files it, not a rule).

    The same category within ``duplicate_days``, and the same building or within ``duplicate_metres``.
    """
    rules = rules or workflow()
    since = report.submitted_at - timedelta(days=rules.duplicate_days)
    candidates = db.scalars(select(Report).where(
        Report.id != report.id, Report.category == report.category, Report.submitted_at >= since,
        Report.submitted_at <= report.submitted_at + timedelta(days=rules.duplicate_days),
        Report.status.not_in(("duplicate", "cancelled", "transferred"))))
    hints = []
    for other in candidates:
        same_building = bool(report.building_id) and other.building_id == report.building_id
        near = (None not in (report.lat, report.lon, other.lat, other.lon) and
                _metres(report.lat, report.lon, other.lat, other.lon) <= rules.duplicate_metres)  # type: ignore[arg-type]
        if same_building or near:
            hints.append(other)
    return sorted(hints, key=lambda r: r.submitted_at)


def live_revision(db: Session) -> str:
    """Changes whenever a report, a visit or a need found on a visit changes: part of the dashboard's cache keys."""
    reports = db.execute(select(func.count(Report.id), func.max(Report.updated_at))).one()
    events = db.scalar(select(func.max(ReportEvent.id)))
    visits = db.scalar(select(func.max(Visit.id)))
    needs = db.execute(select(func.count(VisitNeed.id), func.max(VisitNeed.id))).one()
    return f"{reports[0]}:{reports[1]}:{events}:{visits}:{needs[0]}:{needs[1]}"


REPORT_COLUMNS = ["number", "source", "channel", "category", "description", "address", "compound_id", "building_id",
                  "grid_id", "lat", "lon", "status", "assignee", "rating", "submitted_at", "dispatched_at", "due_at",
                  "resolved_at", "closed_at", "overdue", "photo", "duplicate_of", "transfer_to", "version"]


def report_frame(db: Session, *, now: datetime | None = None, rules: Workflow | None = None) -> pd.DataFrame:
    """Every report of the store as a table (the dashboard's map, KPIs and tables read it beside the artifact)."""
    rules = rules or workflow()
    now = now or utcnow()
    rows = db.scalars(select(Report).order_by(Report.id)).all()
    return pd.DataFrame([{**{c: getattr(r, c) for c in REPORT_COLUMNS if c != "overdue"},
                          "overdue": is_overdue(r, now, rules)} for r in rows], columns=REPORT_COLUMNS)
