"""The audit log: who did what, when, to what, and from which address.

Written by the application (not by database triggers, so it works the same on
SQLite, PostgreSQL and Citus), append-only: this module has no way to change or
delete an entry.  Every login and failed login, logout, unmask (with its
reason), export (what, how many rows), build and import, user change, and API key
issued or revoked is one entry.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from operations.models import AuditEntry, utcnow

__all__ = ["ACTIONS", "entries", "record"]

#: action → (Chinese, English) label
ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("登录", "Login"), "login_failed": ("登录失败", "Login failed"), "logout": ("退出", "Logout"),
    "password_changed": ("修改密码", "Password changed"), "unmask": ("查看完整信息", "Unmask"),
    "export": ("导出", "Export"), "build": ("构建数据包", "Build"), "import": ("导入", "Import"),
    "user_added": ("添加用户", "User added"), "user_disabled": ("停用用户", "User disabled"),
    "password_reset": ("重置密码", "Password reset"),
    "apikey_issued": ("签发接口密钥", "API key issued"), "apikey_revoked": ("吊销接口密钥", "API key revoked"),
}


def record(db: Session, action: str, *, actor: str, role: str = "", target: str = "", detail: str = "",
           address: str = "") -> None:
    """Append one entry (committed with ``db``)."""
    if action not in ACTIONS:
        msg = f"unknown audit action {action!r}"
        raise ValueError(msg)
    db.add(AuditEntry(at=utcnow(), actor=actor[:64], role=role[:16], action=action, target=target[:256],
                      detail=detail, address=(address or "")[:64]))


def entries(db: Session, *, actor: str | None = None, action: str | None = None, since: datetime | None = None,
            until: datetime | None = None, limit: int = 5000) -> pd.DataFrame:
    """Entries, newest first, filtered by person, action and time (UTC), as a table."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    rows = db.scalars(query).all()
    return pd.DataFrame([{"at": r.at, "actor": r.actor, "role": r.role, "action": r.action, "target": r.target,
                          "detail": r.detail, "address": r.address} for r in rows],
                        columns=["at", "actor", "role", "action", "target", "detail", "address"])


def record_from_command_line(action: str, *, target: str, detail: str = "") -> str | None:
    """Log an action of the command line (a build, an import) as the system user; the problem, if it fails.

    A build must not fail because the store is unreachable: the caller prints the problem instead.
    """
    import getpass

    from operations.store import db, migrate

    try:
        migrate()
        with db() as session:
            record(session, action, actor=f"cli:{getpass.getuser()}", target=target, detail=detail,
                   address="localhost")
    except Exception as exc:  # the store is optional for a build: say so, do not fail
        return f"审计日志未写入 / not written to the audit log: {exc}"
    return None
