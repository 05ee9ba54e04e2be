"""Bookings record what loyalty points paid of them.

Revision ID: 0014_booking_points
Revises: 0012_booking_fnb
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_booking_points"
down_revision: str | None = "0012_booking_fnb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("booking", sa.Column("points_amount", sa.Integer(), server_default="0", nullable=False),
                  schema="bookings")


def downgrade() -> None:
    op.drop_column("booking", "points_amount", schema="bookings")
