"""Signed tumour-board decisions (issue 16): written once, then immutable.

The table refuses every UPDATE and DELETE through a trigger, on SQLite and PostgreSQL alike,
so not even a direct SQL statement changes a signed decision.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
MESSAGE = "board_decisions rows are immutable: record and sign a new decision instead"


def upgrade() -> None:
    op.create_table(
        "board_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False, index=True
        ),
        sa.Column("board_date", sa.String(10), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=True),
        sa.Column("signed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("signed_at", _TZ, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION hccrt_board_decisions_immutable() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER board_decisions_immutable BEFORE UPDATE OR DELETE ON "
            "board_decisions FOR EACH ROW EXECUTE FUNCTION hccrt_board_decisions_immutable()"
        )
        op.execute(
            "CREATE TRIGGER board_decisions_no_truncate BEFORE TRUNCATE ON board_decisions "
            "FOR EACH STATEMENT EXECUTE FUNCTION hccrt_board_decisions_immutable()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER board_decisions_no_{verb.lower()} BEFORE {verb} ON "
                f"board_decisions BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    op.drop_table("board_decisions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS hccrt_board_decisions_immutable()")
