"""The store's tables (SQLAlchemy 2): users, sessions, the audit log, and the live side.

The live side: resident reports with their history, visits and the needs found on them, API keys, rate limits.

Times are UTC without a time zone (the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["ApiKey", "AuditEntry", "Base", "LoginFailure", "LoginSession", "Report", "ReportEvent", "Submission",
           "User", "Visit", "VisitNeed", "utcnow"]


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The declarative base of every table here."""


class User(Base):
    """A person (or the meeting-room screen) who may log in, with a role and, for a grid worker, grids."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    grids: Mapped[str] = mapped_column(String(512), default="")  # grid ids, comma-separated (grid workers)
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginSession(Base):
    """A logged-in browser. Only a hash of its token is kept: the database alone opens no session."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    address: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    """One wrong password (or unknown user), to slow an account down after several."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    address: Mapped[str] = mapped_column(String(64), default="")


class AuditEntry(Base):
    """Who did what, when, to what, from where. Written by the application, append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(256), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class Report(Base):
    """One resident report (诉求工单): submitted on the public page, through the API, by staff, or imported.

    ``number`` is what staff and API clients call it (the export's 工单编号 for an imported one); the
    resident's receipt is kept only as a hash. ``version`` grows with every change: a change is written
    only if the version it read is still current, so two people acting at once cannot both win.
    """

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="public")  # public, api, staff, import
    channel: Mapped[str] = mapped_column(String(16), default="")  # 小程序/电话/网格员巡查/12345热线/网页
    receipt_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(256), default="")
    compound_id: Mapped[str] = mapped_column(String(64), default="")
    building_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    grid_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    contact: Mapped[str] = mapped_column(String(64), default="")
    photo: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    assignee: Mapped[str] = mapped_column(String(64), default="")
    duplicate_of: Mapped[str] = mapped_column(String(40), default="")
    transfer_to: Mapped[str] = mapped_column(String(128), default="")
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    client: Mapped[str] = mapped_column(String(64), default="")  # the API client that submitted it
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class ReportEvent(Base):
    """One step in a report's history: who, when, from which state to which, and the note."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str] = mapped_column(String(128), default="")


class Visit(Base):
    """A grid worker's visit to a household (入户/电话/视频)."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    grid_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    way: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class VisitNeed(Base):
    """A need found on a visit: it counts as an open need of the household until it is done."""

    __tablename__ = "visit_needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    grid_id: Mapped[str] = mapped_column(String(64), default="")
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="待办")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApiKey(Base):
    """A key of one Open311 client (a mini-program back end); only its hash is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Submission(Base):
    """One use of a public form (a report, a receipt lookup) by an address: for the rate limit."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
