"""Household visits logged by grid workers, and the needs found on them.

A visit changes the household's last visit (and so its overdue mark) at once:
the dashboard reads :func:`last_visits` and :func:`open_needs` beside the
artifact, with no rebuild.  Visits count in the grid's work record
(:func:`visits_per_grid`).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operations.models import Visit, VisitNeed, utcnow
from operations.reports import Actor, ReportError, clean_text

__all__ = ["NEED_CATEGORIES", "WAYS", "last_visits", "log_visit", "open_needs", "visits_of", "visits_per_grid"]

WAYS = ("入户", "电话", "视频")
#: the need types of 居民需求表 (TABLES.md 表5)
NEED_CATEGORIES = ("助餐", "助医", "助洁", "助浴", "维修", "就业", "法律", "心理", "托管", "其他")


def log_visit(db: Session, actor: Actor, *, household_id: str, grid_id: str, visited_on: date, way: str,
              note: str = "", needs: list[tuple[str, str]] | None = None) -> Visit:
    """Log one visit (and each need found on it); a grid worker only in their own grids, never in the future."""
    if actor.role == "grid_worker" and grid_id not in actor.grids:
        msg = "这一户不在您的网格 / not in your grid"
        raise ReportError(msg)
    if actor.role not in ("grid_worker", "leader", "admin"):
        msg = "只有网格员和社区工作人员可以登记走访 / only staff log visits"
        raise ReportError(msg)
    if way not in WAYS:
        msg = f"走访方式请选 {'/'.join(WAYS)} / way must be one of {', '.join(WAYS)}"
        raise ReportError(msg)
    if visited_on > utcnow().date() + pd.Timedelta(days=1):
        msg = "走访日期不能晚于今天 / the visit date is in the future"
        raise ReportError(msg)
    if not household_id:
        msg = "请选择走访的住户 / choose the household"
        raise ReportError(msg)
    visit = Visit(household_id=household_id, grid_id=grid_id, visited_on=visited_on, way=way,
                  note=clean_text(note, 2000), worker=actor.name, created_at=utcnow())
    db.add(visit)
    db.flush()
    for category, description in needs or []:
        if category not in NEED_CATEGORIES:
            msg = f"需求类别“{category}”不在清单中 / unknown need category"
            raise ReportError(msg)
        db.add(VisitNeed(visit_id=visit.id, household_id=household_id, grid_id=grid_id, category=category,
                         description=clean_text(description, 500), status="待办", created_at=utcnow()))
    db.flush()
    return visit


def last_visits(db: Session) -> pd.Series:
    """The latest logged visit per household (a date), indexed by household id."""
    rows = db.execute(select(Visit.household_id, func.max(Visit.visited_on)).group_by(Visit.household_id)).all()
    return pd.Series({h: pd.Timestamp(d) for h, d in rows}, dtype="datetime64[ns]")


def open_needs(db: Session) -> pd.Series:
    """Open needs found on visits, counted per household."""
    rows = db.execute(select(VisitNeed.household_id, func.count()).where(VisitNeed.status != "已办结")
                      .group_by(VisitNeed.household_id)).all()
    return pd.Series(dict(rows), dtype="int64")


def visits_of(db: Session, household_id: str) -> list[Visit]:
    """A household's logged visits, newest first."""
    return list(db.scalars(select(Visit).where(Visit.household_id == household_id)
                           .order_by(Visit.visited_on.desc(), Visit.id.desc())))


def visits_per_grid(db: Session, month: str | None = None) -> pd.DataFrame:
    """Logged visits per grid (and month ``YYYY-MM`` when given), by way: the grid's work record."""
    rows = db.execute(select(Visit.grid_id, Visit.visited_on, Visit.way)).all()
    frame = pd.DataFrame(rows, columns=["grid_id", "visited_on", "way"])
    if frame.empty:
        return pd.DataFrame(columns=["grid_id", "visits", *WAYS])
    frame["month"] = pd.to_datetime(frame["visited_on"]).dt.strftime("%Y-%m")
    if month:
        frame = frame[frame["month"] == month]
    counted = frame.pivot_table(index="grid_id", columns="way", values="month", aggfunc="count", fill_value=0)
    counted = counted.reindex(columns=list(WAYS), fill_value=0)
    counted.insert(0, "visits", counted.sum(axis=1))
    return counted.reset_index()
