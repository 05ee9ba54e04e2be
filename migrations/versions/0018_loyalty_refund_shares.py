"""Loyalty after partial refunds: a booking's points may be taken back in several Revoke rows (one per refund
that gives back a further share), so the ledger's (booking, type) uniqueness now spares Revoke.

Revision ID: 0018_loyalty_refund_shares
Revises: 0016_loyalty_tiers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_loyalty_refund_shares"
down_revision: str | None = "0016_loyalty_tiers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "promotions"


def upgrade() -> None:
    op.drop_constraint("uq_loyalty_transaction_booking_id", "loyalty_transaction", schema=S, type_="unique")
    op.create_index("uq_loyalty_transaction_booking_type", "loyalty_transaction", ["booking_id", "type"],
                    unique=True, schema=S, postgresql_where=sa.text("type <> 'Revoke'"))


def downgrade() -> None:
    op.drop_index("uq_loyalty_transaction_booking_type", "loyalty_transaction", schema=S)
    # Several Revoke rows of a booking become one with their sum, so the balance stays what the ledger says.
    op.execute(f"""
        WITH merged AS (
            SELECT booking_id, sum(points) AS points, min(id::text)::uuid AS keep
            FROM {S}.loyalty_transaction WHERE type = 'Revoke' GROUP BY booking_id HAVING count(*) > 1),
        kept AS (
            UPDATE {S}.loyalty_transaction t SET points = m.points FROM merged m WHERE t.id = m.keep)
        DELETE FROM {S}.loyalty_transaction t USING merged m
        WHERE t.type = 'Revoke' AND t.booking_id = m.booking_id AND t.id <> m.keep""")
    op.create_unique_constraint("uq_loyalty_transaction_booking_id", "loyalty_transaction", ["booking_id", "type"],
                                schema=S)
