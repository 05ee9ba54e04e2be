"""Payments: payments (one live per booking), refunds, and the journal of every gateway message.

Revision ID: 0005_payments
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_payments"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str, length: int = 16) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=length)


METHOD = ("VNPay", "MoMo", "ZaloPay", "Cash", "Card")


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("method", _enum("paymentmethod", *METHOD), nullable=False),
        sa.Column("status", _enum("paymentstatus", "Pending", "Success", "Failed", "Refunded"), nullable=False),
        sa.Column("order_ref", sa.String(length=40), nullable=True),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("paid_amount", sa.Integer(), nullable=True),
        sa.Column("refunded_amount", sa.Integer(), nullable=False),
        sa.Column("pay_url", sa.Text(), nullable=True),
        sa.Column("gateway_response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("failure_reason", sa.String(length=60), nullable=True),
        sa.Column("flag", _enum("paymentflag", "AmountMismatch", "LatePayment", "DoublePayment", "RefundRejected",
                                length=20), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_amount_positive")),
        sa.CheckConstraint("refunded_amount >= 0 AND refunded_amount <= coalesce(paid_amount, 0)",
                           name=op.f("ck_payment_refunds_within_paid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("order_ref", name=op.f("uq_payment_order_ref")),
        schema="payments",
    )
    for column in ("booking_id", "flag", "status", "user_id"):
        op.create_index(op.f(f"ix_payments_payment_{column}"), "payment", [column], unique=False, schema="payments")
    op.create_index("uq_payment_live_booking", "payment", ["booking_id"], unique=True, schema="payments",
                    postgresql_where=sa.text("status <> 'Failed'"))
    op.create_table(
        "refund",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("status", _enum("refundstatus", "Pending", "Approved", "Rejected", "Completed"), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("gateway_ref", sa.String(length=64), nullable=True),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("gateway_response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_amount_positive")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.payment.id"], name=op.f("fk_refund_payment_id_payment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("payment_id", "idempotency_key", name=op.f("uq_refund_payment_id")),
        schema="payments",
    )
    op.create_index(op.f("ix_payments_refund_payment_id"), "refund", ["payment_id"], unique=False, schema="payments")
    op.create_table(
        "gateway_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("method", _enum("paymentmethod", *METHOD), nullable=False),
        sa.Column("direction", _enum("direction", "Inbound", "Outbound"), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("refund_id", sa.Uuid(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("signature_valid", sa.Boolean(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_message")),
        schema="payments",
    )
    for column in ("order_ref", "payment_id"):
        op.create_index(op.f(f"ix_payments_gateway_message_{column}"), "gateway_message", [column], unique=False,
                        schema="payments")


def downgrade() -> None:
    op.drop_table("gateway_message", schema="payments")
    op.drop_table("refund", schema="payments")
    op.drop_table("payment", schema="payments")
