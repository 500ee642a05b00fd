"""case verification state, superseded findings, goods lines with their evidence

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 15:30:00

A case is verified once all its files are processed; `verified_fingerprint` is a digest of what the
verification read (the current version of every file at every path of the case, and the manifest), so a
run that changes nothing verifies nothing, and a changed file or manifest verifies the case again.
`verification` keeps the borrower it used and the rules that could not run, with their reasons.
Case findings that a re-verification no longer produces are marked `superseded_at` (never deleted
once reviewed: the review history points at them).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_fingerprint", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verification", JSON, nullable=True))
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("items_detail", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("items_detail")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_column("superseded_at")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("verification")
        batch_op.drop_column("verified_at")
        batch_op.drop_column("verified_fingerprint")
