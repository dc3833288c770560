"""The database: one engine per URL, SQLite tuned for several writers, migrations with Alembic.

SQLite (the default, ``var/community.sqlite``) runs in WAL mode with a busy
timeout and foreign keys on, so the dashboard's sessions and a CLI can write at
the same time; PostgreSQL is used when ``DATABASE_URL`` is set.  The schema is
created and upgraded only by Alembic migrations (``operations/migrations``),
run by ``make run`` and by ``python -m operations migrate``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from operations.settings import database_url

__all__ = ["StoreError", "db", "engine", "migrate"]

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(RuntimeError):
    """The store cannot be opened or migrated."""


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: :func:`~operations.settings.database_url`, read at each call).

    Created once per process and URL.
    """
    return _engine(url or database_url())


@lru_cache(maxsize=32)
def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.exists():  # a folder we make is owner-only; an existing one (/tmp!) is left as it is
                folder.mkdir(parents=True)
                folder.chmod(0o700)  # the store holds who logged in and what they unmasked: owner only
        made = create_engine(url, connect_args={"timeout": 30})
        event.listen(made, "connect", _sqlite_pragmas)
        return made
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def db(url: str | None = None) -> Iterator[Session]:
    """A session that commits when the block ends, and rolls back on an error."""
    factory = sessionmaker(engine(url), expire_on_commit=False)
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def migrate(url: str | None = None) -> None:
    """Create or upgrade the store's tables to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine(url).begin() as connection:
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "head")
        except Exception as exc:
            msg = f"数据库无法升级（{exc}）：请检查 DATABASE_URL 或 var/ 目录 / the store cannot be migrated"
            raise StoreError(msg) from exc
