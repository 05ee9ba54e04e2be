"""Loyalty tiers: the spend behind them (loyalty_spend, fed by booking events) and the nightly review's record of
each member's day (loyalty_review, its idempotency key). Expired points are ledger rows of type Expire (the
type column is a VARCHAR, so the new value needs no change).

Revision ID: 0016_loyalty_tiers
Revises: 0015_time_promotions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_loyalty_tiers"
down_revision: str | None = "0015_time_promotions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "promotions"


def upgrade() -> None:
    op.create_table(
        "loyalty_spend",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Enum("Paid", "Refunded", name="spendkind", native_enum=False, length=16),
                  nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_spend")),
        sa.UniqueConstraint("booking_id", "kind", name=op.f("uq_loyalty_spend_booking_id")),
        schema=S,
    )
    op.create_index(op.f("ix_promotions_loyalty_spend_user_id"), "loyalty_spend", ["user_id"], schema=S)
    op.create_table(
        "loyalty_review",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("net_spend", sa.Integer(), nullable=False),
        sa.Column("tier_from", sa.String(length=16), nullable=False),
        sa.Column("tier_to", sa.String(length=16), nullable=False),
        sa.Column("expired_points", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_loyalty_review")),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("loyalty_review", schema=S)
    op.drop_table("loyalty_spend", schema=S)
