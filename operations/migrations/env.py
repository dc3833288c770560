"""Alembic's environment: migrations run on the connection ``operations.store.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from operations.models import Base

connection = context.config.attributes["connection"]
# SQLite cannot ALTER most things: batch mode copies the table instead
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
