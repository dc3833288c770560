"""Who may see what: roles, users, passwords, login sessions.

Roles (enforced on the server, by what is sent, not by what is hidden):

* ``admin`` 管理员 — users, the audit log, imports; personal data masked, may unmask;
* ``leader`` 社区领导 — every grid, personal data masked, may unmask one household with a reason;
* ``grid_worker`` 网格员 — only their own grid(s), with their households' names and phones in full;
* ``meeting`` 会议 — the meeting view only (the always-on screen by default).

Passwords are hashed with argon2.  A login creates a server-side session; the
browser holds only a random token (in an HttpOnly, SameSite=Strict cookie set by
an HTTP route) and the store keeps only the token's hash.  Sessions end when idle
or too old (``rules/access.toml``), on logout (every tab) and on a password change.
Wrong passwords are logged, and after several an account's attempts are slowed
down; the message never says whether the user exists.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from operations import audit
from operations.models import LoginFailure, LoginSession, User, utcnow
from operations.settings import AccessRules, access_rules

__all__ = ["AccessError", "Role", "ROLE_LABELS", "Viewer", "change_password", "create_user", "disable_user",
           "list_users", "login", "logout", "pause_before_login", "reset_password", "viewer_for"]

_hasher = PasswordHasher()
_NOBODY = _hasher.hash("no such user: the same work as a real check")


class Role(StrEnum):
    """The four roles."""

    ADMIN = "admin"
    LEADER = "leader"
    GRID_WORKER = "grid_worker"
    MEETING = "meeting"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("管理员", "Administrator"), Role.LEADER: ("社区领导", "Community leader"),
    Role.GRID_WORKER: ("网格员", "Grid worker"), Role.MEETING: ("会议", "Meeting"),
}


class AccessError(ValueError):
    """A user change that cannot be made (unknown role or user, a weak password …); the message says why."""


@dataclass(frozen=True)
class Viewer:
    """The person behind a browser session, and what they may see."""

    user_id: int
    username: str
    display_name: str
    role: Role
    grids: tuple[str, ...]  # a grid worker's grids; empty for the roles that see every grid
    session_id: int = 0

    @property
    def scoped(self) -> bool:
        """True when only some grids may be seen (a grid worker)."""
        return self.role is Role.GRID_WORKER

    @property
    def sees_names(self) -> bool:
        """Names and phones in full: a grid worker's own households (they call and visit them)."""
        return self.role is Role.GRID_WORKER

    @property
    def may_unmask(self) -> bool:
        """May show one household's personal data in full, with a reason (logged)."""
        return self.role in (Role.ADMIN, Role.LEADER)

    @property
    def meeting_only(self) -> bool:
        """Sees the meeting view and nothing else."""
        return self.role is Role.MEETING

    @property
    def is_admin(self) -> bool:
        """Manages users and reads the audit log."""
        return self.role is Role.ADMIN


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str, username: str, rules: AccessRules) -> None:
    if len(password) < rules.min_password_length:
        msg = f"密码至少 {rules.min_password_length} 个字符 / at least {rules.min_password_length} characters"
        raise AccessError(msg)
    if password.lower() == username.lower():
        msg = "密码不能与用户名相同 / the password must differ from the username"
        raise AccessError(msg)


def _grids(grids: tuple[str, ...] | list[str] | str) -> str:
    values = grids.split(",") if isinstance(grids, str) else list(grids)
    return ",".join(g.strip() for g in values if g.strip())


def create_user(db: Session, username: str, password: str, role: str, *, grids: tuple[str, ...] = (),
                display_name: str = "", actor: str = "cli", address: str = "") -> User:
    """Add a user (logged); a grid worker needs at least one grid."""
    try:
        kind = Role(role)
    except ValueError:
        msg = f"未知角色 {role!r}：可用 {', '.join(r.value for r in Role)} / unknown role"
        raise AccessError(msg) from None
    if kind is Role.GRID_WORKER and not _grids(grids):
        msg = "网格员需要指定网格（--grids WG01） / a grid worker needs grids"
        raise AccessError(msg)
    if db.scalar(select(User).where(User.username == username)) is not None:
        msg = f"用户 {username} 已存在 / user exists"
        raise AccessError(msg)
    _check_password(password, username, access_rules())
    user = User(username=username, display_name=display_name or username, role=kind.value, grids=_grids(grids),
                password_hash=_hasher.hash(password))
    db.add(user)
    audit.record(db, "user_added", actor=actor, target=username, detail=f"role={kind.value} grids={user.grids}",
                 address=address)
    return user


def _user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        msg = f"没有用户 {username} / no such user"
        raise AccessError(msg)
    return user


def _revoke_all(db: Session, user_id: int) -> None:
    db.execute(update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
               .values(revoked_at=utcnow()))


def reset_password(db: Session, username: str, password: str, *, actor: str = "cli", address: str = "") -> None:
    """Set a new password (an administrator's reset); every session of the user ends."""
    user = _user(db, username)
    _check_password(password, username, access_rules())
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = utcnow()
    _revoke_all(db, user.id)
    audit.record(db, "password_reset", actor=actor, target=username, address=address)


def disable_user(db: Session, username: str, *, actor: str = "cli", address: str = "") -> None:
    """Stop a user from logging in; every session of the user ends."""
    user = _user(db, username)
    user.disabled = True
    _revoke_all(db, user.id)
    audit.record(db, "user_disabled", actor=actor, target=username, address=address)


def list_users(db: Session) -> list[User]:
    """Every user, by name."""
    return list(db.scalars(select(User).order_by(User.username)))


def pause_before_login(db: Session, username: str, rules: AccessRules | None = None) -> float:
    """Seconds to wait before checking a password: 0, or the slow-down once an account had too many failures."""
    rules = rules or access_rules()
    since = utcnow() - timedelta(minutes=rules.window_minutes)
    failures = db.scalar(select(func.count()).select_from(LoginFailure)
                         .where(LoginFailure.username == username, LoginFailure.at >= since)) or 0
    return rules.slow_down_seconds if failures >= rules.max_failures else 0.0


def login(db: Session, username: str, password: str, *, address: str = "") -> str | None:
    """A new session's token, or None (wrong password, unknown or disabled user: the caller cannot tell which).

    Every attempt is logged; an unknown user costs the same hashing work as a real one.
    """
    user = db.scalar(select(User).where(User.username == username))
    try:
        ok = _hasher.verify(user.password_hash if user else _NOBODY, password) and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or user.disabled:
        db.add(LoginFailure(username=username[:64], at=utcnow(), address=address[:64]))
        audit.record(db, "login_failed", actor=username or "?", target=username, address=address)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    db.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, created_at=utcnow(), last_seen=utcnow(),
                        address=address[:64]))
    audit.record(db, "login", actor=user.username, role=user.role, address=address)
    return token


def viewer_for(db: Session, token: str | None, *, rules: AccessRules | None = None) -> Viewer | None:
    """The viewer of a session token, or None when it is unknown, revoked, idle too long or too old."""
    if not token:
        return None
    rules = rules or access_rules()
    session = db.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    now = utcnow()
    if session is None or session.revoked_at is not None:
        return None
    if now - session.last_seen > timedelta(hours=rules.idle_hours) or \
            now - session.created_at > timedelta(hours=rules.max_hours):
        session.revoked_at = now
        return None
    user = db.get(User, session.user_id)
    if user is None or user.disabled:
        return None
    if now - session.last_seen > timedelta(minutes=1):  # not a write on every rerun of the page
        session.last_seen = now
    return Viewer(user.id, user.username, user.display_name, Role(user.role),
                  tuple(g for g in user.grids.split(",") if g), session.id)


def logout(db: Session, token: str | None, *, address: str = "") -> None:
    """End the session of ``token`` (every tab that shares it is logged out)."""
    if not token:
        return
    session = db.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if session is None or session.revoked_at is not None:
        return
    session.revoked_at = utcnow()
    user = db.get(User, session.user_id)
    audit.record(db, "logout", actor=user.username if user else "?", role=user.role if user else "",
                 address=address)


def change_password(db: Session, token: str | None, old: str, new: str, *, address: str = "") -> str | None:
    """The logged-in user's own change: every session ends, and a new one is returned for this browser.

    None when the session is not valid or the old password is wrong.
    """
    viewer = viewer_for(db, token)
    if viewer is None:
        return None
    user = db.get(User, viewer.user_id)
    try:
        _hasher.verify(user.password_hash, old)  # type: ignore[union-attr]
    except (VerificationError, InvalidHashError):
        audit.record(db, "login_failed", actor=viewer.username, target="password change", address=address)
        return None
    _check_password(new, viewer.username, access_rules())
    user.password_hash = _hasher.hash(new)  # type: ignore[union-attr]
    user.password_changed_at = utcnow()  # type: ignore[union-attr]
    _revoke_all(db, viewer.user_id)
    audit.record(db, "password_changed", actor=viewer.username, role=viewer.role.value, address=address)
    return login(db, viewer.username, new, address=address)
