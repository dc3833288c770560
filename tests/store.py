"""A store with one user per role, for tests (their password is not the demo's)."""

from __future__ import annotations

from pathlib import Path

from operations import access
from operations.store import db, migrate

__all__ = ["TEST_PASSWORD", "USERS", "store_with_users", "token_for"]

TEST_PASSWORD = "test-password-2026"
#: username → (role, grids)
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin": ("admin", ()), "leader": ("leader", ()), "grid01": ("grid_worker", ("WG01",)),
    "meeting": ("meeting", ()), "small1": ("grid_worker", ("G1",)), "slowtest": ("leader", ()),
    "copytest": ("leader", ()),
}


def store_with_users(folder: Path) -> str:
    """A new SQLite store in ``folder`` with :data:`USERS`; its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'store.sqlite'}"
    migrate(url)
    with db(url) as session:
        for name, (role, grids) in USERS.items():
            access.create_user(session, name, TEST_PASSWORD, role, grids=grids, display_name=f"测试{name}")
    return url


def token_for(url: str, username: str) -> str:
    """A fresh session token for ``username``."""
    with db(url) as session:
        token = access.login(session, username, TEST_PASSWORD, address="127.0.0.1")
    assert token is not None
    return token
