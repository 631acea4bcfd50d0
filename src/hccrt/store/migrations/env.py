"""Alembic environment: runs on the connection that :func:`hccrt.store.db.migrate` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hccrt.store.models import Base

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through hccrt.store.db.migrate(), which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
