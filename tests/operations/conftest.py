"""The store's tests run on SQLite always, and on PostgreSQL where one is given (required in CI).

``.ci/run`` starts a PostgreSQL 15 on a private port and sets ``TEST_POSTGRES_URL``;
each test gets a database of its own there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from operations.store import migrate


def _postgres() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        return url
    message = "PostgreSQL 测试需要 TEST_POSTGRES_URL（.ci/run 会启动一个）/ no PostgreSQL: set TEST_POSTGRES_URL"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, migrated store: a SQLite file, or a fresh database on the test PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
        migrate(url)
        yield url
        return
    server = _postgres()
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    from operations.store import engine

    engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
