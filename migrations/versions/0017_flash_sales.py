"""Flash sales: a window, a cover, a price, a quota and a per-user limit (flash_sale); the flash tickets of
each booking's hold (flash_sale_claim), counted against the quota under the sale's row lock.

Revision ID: 0017_flash_sales
Revises: 0013_voucher_scopes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_flash_sales"
down_revision: str | None = "0013_voucher_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "promotions"


def upgrade() -> None:
    op.create_table(
        "flash_sale",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("showtime_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("movie_id", sa.Uuid(), nullable=True),
        sa.Column("seat_types", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("flash_price", sa.Integer(), nullable=True),
        sa.Column("discount_percent", sa.Integer(), nullable=True),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("per_user_limit", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(flash_price IS NULL) <> (discount_percent IS NULL)", name=op.f("ck_flash_sale_one_price")),
        sa.CheckConstraint("quota > 0 AND per_user_limit > 0", name=op.f("ck_flash_sale_positive_limits")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_flash_sale_window")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flash_sale")),
        schema=S,
    )
    op.create_index(op.f("ix_promotions_flash_sale_ends_at"), "flash_sale", ["ends_at"], schema=S)
    op.create_table(
        "flash_sale_claim",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("flash_sale_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("saved", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sold_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("tickets > 0", name=op.f("ck_flash_sale_claim_tickets_positive")),
        sa.ForeignKeyConstraint(["flash_sale_id"], ["promotions.flash_sale.id"],
                                name=op.f("fk_flash_sale_claim_flash_sale_id_flash_sale")),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_flash_sale_claim")),
        schema=S,
    )
    op.create_index(op.f("ix_promotions_flash_sale_claim_flash_sale_id"), "flash_sale_claim", ["flash_sale_id"],
                    schema=S)


def downgrade() -> None:
    op.drop_table("flash_sale_claim", schema=S)
    op.drop_table("flash_sale", schema=S)
