"""The demo's users, one per role, for trying the product on the embedded demo community only.

Their passwords are in the README.  With any other community's data the app
refuses to start while one of them still has its demo password
(:func:`demo_passwords_in_use`), and says how to change it.
"""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operations.access import create_user
from operations.models import User
from operations.settings import ROOT

__all__ = ["DEMO_SAMPLE", "DEMO_USERS", "demo_passwords_in_use", "ensure_demo_users", "is_demo_input"]

DEMO_SAMPLE = ROOT / "geodata" / "sample"

#: username, display name, role, grids, password (printed in the README: for the demo only)
DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("admin", "管理员（示例）", "admin", (), "demo-admin-2026"),
    ("leader", "社区领导（示例）", "leader", (), "demo-leader-2026"),
    ("grid01", "第一网格网格员（示例）", "grid_worker", ("WG01",), "demo-grid-2026"),
    ("meeting", "会议室大屏（示例）", "meeting", (), "demo-meeting-2026"),
)


def is_demo_input(input_folder: str) -> bool:
    """True when an artifact was built from the embedded demo community (its meta ``input``)."""
    try:
        return Path(input_folder).resolve() == DEMO_SAMPLE.resolve()
    except OSError:
        return False


def ensure_demo_users(db: Session) -> list[str]:
    """Create the demo users when the store has no user at all; return the names created."""
    if (db.scalar(select(func.count()).select_from(User)) or 0) > 0:
        return []
    for username, display, role, grids, password in DEMO_USERS:
        create_user(db, username, password, role, grids=grids, display_name=display, actor="make run")
    return [u[0] for u in DEMO_USERS]


def demo_passwords_in_use(db: Session) -> list[str]:
    """Users (of the demo's names) whose password is still the one printed in the README."""
    hasher = PasswordHasher()
    found = []
    for username, _, _, _, password in DEMO_USERS:
        user = db.scalar(select(User).where(User.username == username))
        if user is None or user.disabled:
            continue
        try:
            hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            continue
        found.append(username)
    return found


def import_demo_reports(db: Session, artifact: Path) -> int | None:
    """Import the demo's mini-program export into the store once, so its open reports are in the queue.

    Returns how many were added, or None when the store already holds imported reports (nothing done).
    """
    from operations.imports import import_reports
    from operations.models import Report
    from operations.places import load_places

    if db.scalar(select(func.count()).select_from(Report).where(Report.source == "import")):
        return None
    export = DEMO_SAMPLE / "诉求工单.xlsx"
    if not export.exists():
        return None
    result = import_reports(db, export, load_places(artifact), actor="make run (示例)")
    return result.added
