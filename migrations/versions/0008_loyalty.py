"""Promotions: the loyalty ledger (Earn/Revoke/Redeem), idempotent per booking and type.

Revision ID: 0008_loyalty
Revises: 0006_promotions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_loyalty"
down_revision: str | None = "0006_promotions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loyalty_transaction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("type", sa.Enum("Earn", "Revoke", "Redeem", name="loyaltytype", native_enum=False, length=16),
                  nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_transaction")),
        sa.UniqueConstraint("booking_id", "type", name=op.f("uq_loyalty_transaction_booking_id")),
        schema="promotions",
    )
    op.create_index(op.f("ix_promotions_loyalty_transaction_user_id"), "loyalty_transaction", ["user_id"],
                    unique=False, schema="promotions")


def downgrade() -> None:
    op.drop_table("loyalty_transaction", schema="promotions")
