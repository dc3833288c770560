"""Where the store is and the rules for login and sessions (``operations/rules/access.toml``)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

__all__ = ["ACCESS_RULES", "ARTIFACT_ENV", "DEFAULT_ARTIFACT", "DEFAULT_DB", "LOCAL_ZONE", "UTC_TO_LOCAL",
           "AccessRules", "access_rules", "artifact_path", "database_url", "local_now"]

ROOT = Path(__file__).resolve().parent.parent
#: SQLite beside the project, outside build/: `make clean` and a rebuild never touch it
DEFAULT_DB = ROOT / "var" / "community.sqlite"
ACCESS_RULES = Path(__file__).with_name("rules") / "access.toml"


#: the community's time: the store keeps UTC without a zone; exports, tables, months and pages are in Beijing time
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
UTC_TO_LOCAL = timedelta(hours=8)  # China keeps no daylight saving time


def local_now() -> datetime:
    """Now in Beijing time, without a zone (as the artifact's and the export's times are)."""
    return datetime.now(UTC).astimezone(LOCAL_ZONE).replace(tzinfo=None)


ARTIFACT_ENV = "COMMUNITY_GPKG"
DEFAULT_ARTIFACT = "build/community.gpkg"


def artifact_path() -> Path:
    """The artifact shown and placed into: ``$COMMUNITY_GPKG`` or ``build/community.gpkg``."""
    return Path(os.environ.get(ARTIFACT_ENV) or DEFAULT_ARTIFACT)


def database_url() -> str:
    """``$DATABASE_URL`` (PostgreSQL for a sub-district's server), else the SQLite file ``var/community.sqlite``."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB}"


@dataclass(frozen=True)
class AccessRules:
    """Session lifetimes and how wrong passwords are slowed down."""

    idle_hours: float = 8
    max_hours: float = 24
    max_failures: int = 5
    window_minutes: float = 15
    slow_down_seconds: float = 5
    min_password_length: int = 8


def access_rules(path: Path | None = None) -> AccessRules:
    """The rules in ``access.toml`` (``$ACCESS_RULES`` names another file, e.g. in tests)."""
    source = path or Path(os.environ.get("ACCESS_RULES") or ACCESS_RULES)
    with source.open("rb") as fh:
        data = tomllib.load(fh)
    session, login = data.get("session", {}), data.get("login", {})
    return AccessRules(idle_hours=float(session.get("idle_hours", 8)), max_hours=float(session.get("max_hours", 24)),
                       max_failures=int(login.get("max_failures", 5)),
                       window_minutes=float(login.get("window_minutes", 15)),
                       slow_down_seconds=float(login.get("slow_down_seconds", 5)),
                       min_password_length=int(login.get("min_password_length", 8)))
