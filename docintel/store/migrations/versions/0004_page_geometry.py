"""page geometry per document: size, unit, rotation and skew of each page as read

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 16:00:00

Evidence boxes are in the coordinates of the page as read: turned upright and deskewed for scans. The
officer app needs that geometry to render the page the same way and draw the boxes where they belong.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pages_meta", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("pages_meta")
