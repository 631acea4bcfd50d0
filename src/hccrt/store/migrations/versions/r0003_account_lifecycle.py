"""Account lifecycle: session idle time and re-authentication, login back-off, health probe.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = dt.datetime.now(dt.UTC)
    with op.batch_alter_table("login_sessions") as batch:
        batch.add_column(
            sa.Column(
                "last_seen_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )
        batch.add_column(
            sa.Column("password_checked_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("next_allowed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
    )
    probe = op.create_table(
        "health_probe",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(probe, [{"id": 1, "at": now}])


def downgrade() -> None:
    op.drop_table("health_probe")
    op.drop_table("login_throttle")
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_column("password_checked_at")
        batch.drop_column("last_seen_at")
