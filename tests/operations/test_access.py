"""Users, passwords, sessions and the audit log, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from operations import access, audit
from operations.access import AccessError, Role
from operations.models import LoginSession, User
from operations.settings import AccessRules
from operations.store import MIGRATIONS, db, engine, migrate

PASSWORD = "correct-horse-9"


def _actions(url: str) -> list[str]:
    with db(url) as session:
        return list(audit.entries(session)["action"])[::-1]  # oldest first


def test_migrations_create_the_tables_and_run_twice(database: str) -> None:
    migrate(database)  # again: nothing to do, no error
    with engine(database).connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        users = connection.execute(text("SELECT COUNT(*) FROM users")).scalar()
        reports = connection.execute(text("SELECT COUNT(*) FROM reports")).scalar()
    newest = sorted(p.name.split("_")[0] for p in MIGRATIONS.glob("versions/0*.py"))[-1]
    assert version == newest and users == 0 and reports == 0


def test_sqlite_store_is_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'store.sqlite'}"
    migrate(url)
    with engine(url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "var").stat().st_mode & 0o077 == 0  # the folder is the owner's only


def test_login_sessions_logout_and_the_audit_log(database: str) -> None:
    with db(database) as session:
        access.create_user(session, "wang", PASSWORD, "grid_worker", grids=("WG01", "WG02"), display_name="王网格")
    with db(database) as session:
        stored = session.scalar(select(User).where(User.username == "wang"))
        assert stored is not None and PASSWORD not in stored.password_hash and stored.password_hash.startswith(
            "$argon2")
        token = access.login(session, "wang", PASSWORD, address="10.0.0.5")
    assert token
    with db(database) as session:
        viewer = access.viewer_for(session, token)
        assert viewer is not None and viewer.role is Role.GRID_WORKER and viewer.grids == ("WG01", "WG02")
        assert viewer.scoped and viewer.sees_names and not viewer.may_unmask
        stored_hash = session.scalar(select(LoginSession.token_hash))
        assert stored_hash != token  # only a hash of the token is kept
    with db(database) as session:
        access.logout(session, token, address="10.0.0.5")
    with db(database) as session:
        assert access.viewer_for(session, token) is None  # every tab with this cookie is logged out
    assert _actions(database) == ["user_added", "login", "logout"]
    with db(database) as session:
        entry = audit.entries(session, action="login").iloc[0]
    assert entry["actor"] == "wang" and entry["address"] == "10.0.0.5" and entry["role"] == "grid_worker"


def test_wrong_passwords_never_say_whether_the_user_exists(database: str) -> None:
    with db(database) as session:
        access.create_user(session, "li", PASSWORD, "leader")
        assert access.login(session, "li", "wrong-password") is None
        assert access.login(session, "nobody", "wrong-password") is None
        access.disable_user(session, "li")
        assert access.login(session, "li", PASSWORD) is None  # disabled: the same answer
    assert _actions(database).count("login_failed") == 3


def test_five_failures_in_the_window_slow_the_account_down(database: str) -> None:
    rules = AccessRules(max_failures=5, window_minutes=15, slow_down_seconds=4)
    with db(database) as session:
        access.create_user(session, "zhao", PASSWORD, "leader")
        for _ in range(4):
            access.login(session, "zhao", "nope-nope", address="10.0.0.9")
        assert access.pause_before_login(session, "zhao", rules) == 0
        access.login(session, "zhao", "nope-nope", address="10.0.0.9")
        assert access.pause_before_login(session, "zhao", rules) == 4
        assert access.pause_before_login(session, "someone_else", rules) == 0
        assert access.login(session, "zhao", PASSWORD) is not None  # slowed, not locked out


def test_sessions_end_when_idle_or_too_old(database: str) -> None:
    rules = AccessRules(idle_hours=8, max_hours=24)
    with db(database) as session:
        access.create_user(session, "sun", PASSWORD, "leader")
        idle, old = access.login(session, "sun", PASSWORD), access.login(session, "sun", PASSWORD)
    with db(database) as session:
        rows = session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
        session.execute(update(LoginSession).where(LoginSession.id == rows[0].id)
                        .values(last_seen=rows[0].last_seen - timedelta(hours=9)))
        session.execute(update(LoginSession).where(LoginSession.id == rows[1].id)
                        .values(created_at=rows[1].created_at - timedelta(hours=25)))
    with db(database) as session:
        assert access.viewer_for(session, idle, rules=rules) is None
        assert access.viewer_for(session, old, rules=rules) is None


def test_password_change_ends_every_session_and_gives_this_browser_a_new_one(database: str) -> None:
    with db(database) as session:
        access.create_user(session, "qian", PASSWORD, "admin")
        first, second = access.login(session, "qian", PASSWORD), access.login(session, "qian", PASSWORD)
    with db(database) as session:
        assert access.change_password(session, first, "wrong-old-pass", "new-password-1") is None
        fresh = access.change_password(session, first, PASSWORD, "new-password-1")
    with db(database) as session:
        assert fresh and access.viewer_for(session, fresh) is not None
        assert access.viewer_for(session, first) is None and access.viewer_for(session, second) is None
        assert access.login(session, "qian", PASSWORD) is None
    assert "password_changed" in _actions(database)


def test_user_changes_are_checked_and_logged(database: str) -> None:
    with db(database) as session:
        with pytest.raises(AccessError, match="网格"):
            access.create_user(session, "zhou", PASSWORD, "grid_worker")
        with pytest.raises(AccessError, match="8"):
            access.create_user(session, "zhou", "short", "leader")
        with pytest.raises(AccessError, match="角色"):
            access.create_user(session, "zhou", PASSWORD, "mayor")
        access.create_user(session, "zhou", PASSWORD, "meeting", actor="admin", address="10.0.0.1")
        with pytest.raises(AccessError, match="已存在"):
            access.create_user(session, "zhou", PASSWORD, "meeting")
        token = access.login(session, "zhou", PASSWORD)
        access.reset_password(session, "zhou", "another-pass-1", actor="admin")
        assert access.viewer_for(session, token) is None  # a reset ends the user's sessions
    entries = _actions(database)
    assert entries == ["user_added", "login", "password_reset"]


def test_the_audit_log_has_no_way_to_change_an_entry() -> None:
    public = [name for name in dir(audit) if not name.startswith("_") and callable(getattr(audit, name))]
    assert not [name for name in public if any(word in name for word in ("delete", "update", "edit", "remove"))]
    with pytest.raises(ValueError, match="unknown"):
        audit.record(None, "erase", actor="x")  # type: ignore[arg-type]
