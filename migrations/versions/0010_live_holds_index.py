"""Showtimes: an index of live holds by the user holding them, for the hold caps (domain/showtimes/hold_limits.py).

Revision ID: 0010_live_holds_index
Revises: 0004_showtimes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_live_holds_index"
down_revision: str | None = "0004_showtimes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_showtimes_showtime_seat_locked_by", "showtime_seat", ["locked_by"], schema="showtimes",
                    postgresql_where="status = 'Locked'")


def downgrade() -> None:
    op.drop_index("ix_showtimes_showtime_seat_locked_by", table_name="showtime_seat", schema="showtimes")
