"""Bookings carry their F&B: the F&B part of the total, and each line's item or combo and name.

Revision ID: 0012_booking_fnb
Revises: 0007_bookings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_booking_fnb"
down_revision: str | None = "0007_bookings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "bookings"


def upgrade() -> None:
    op.add_column("booking", sa.Column("fnb_amount", sa.Integer(), server_default="0", nullable=False), schema=S)
    op.alter_column("booking_fnb", "item_id", existing_type=sa.Uuid(), nullable=True, schema=S)
    op.add_column("booking_fnb", sa.Column("combo_id", sa.Uuid(), nullable=True), schema=S)
    op.add_column("booking_fnb", sa.Column("name", sa.String(length=200), server_default="", nullable=False),
                  schema=S)


def downgrade() -> None:
    op.drop_column("booking_fnb", "name", schema=S)
    op.drop_column("booking_fnb", "combo_id", schema=S)
    op.alter_column("booking_fnb", "item_id", existing_type=sa.Uuid(), nullable=False, schema=S)
    op.drop_column("booking", "fnb_amount", schema=S)
