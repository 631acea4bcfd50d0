"""Longer ruleset_version (protocol id and version plus the clinical rule set name).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("assessments", "evaluations", "followups")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "ruleset_version",
                type_=sa.String(255),
                existing_type=sa.String(64),
                existing_nullable=False,
            )


def downgrade() -> None:
    for table in TABLES:
        # The old column holds 64 characters: keep the start of longer names.
        op.execute(sa.text(f"UPDATE {table} SET ruleset_version = substr(ruleset_version, 1, 64)"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "ruleset_version",
                type_=sa.String(64),
                existing_type=sa.String(255),
                existing_nullable=False,
            )
