"""Showtimes: showtime (no overlap per theater, by an exclusion constraint), seat pricing, showtime seats.

Revision ID: 0004_showtimes
Revises: 0001
Create Date: 2026-11-25 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_showtimes"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "showtimes"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")  # 0001 creates it; the constraint needs it
    op.create_table(
        "showtime",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("movie_id", sa.Uuid(), nullable=False),
        sa.Column("theater_id", sa.Uuid(), nullable=False),
        sa.Column("cinema_id", sa.Uuid(), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_price", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showtime")),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_showtime_time_order")),
        sa.CheckConstraint("base_price >= 0", name=op.f("ck_showtime_base_price_not_negative")),
        schema=SCHEMA,
    )
    # Holds under concurrent inserts: the loser waits for the winner's commit, then fails (SQLSTATE 23P01).
    op.execute(
        "ALTER TABLE showtimes.showtime ADD CONSTRAINT ex_showtime_theater_no_overlap "
        "EXCLUDE USING gist (theater_id WITH =, tstzrange(start_time, end_time) WITH &&) "
        "WHERE (status <> 'Cancelled')"
    )
    op.create_index(
        "ix_showtimes_showtime_cinema_start", "showtime", ["cinema_id", "start_time"], schema=SCHEMA
    )
    op.create_index(
        "ix_showtimes_showtime_movie_start", "showtime", ["movie_id", "start_time"], schema=SCHEMA
    )
    op.create_index("ix_showtimes_showtime_status_start", "showtime", ["status", "start_time"], schema=SCHEMA)

    op.create_table(
        "seat_pricing",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("showtime_id", sa.Uuid(), nullable=False),
        sa.Column("seat_type", sa.String(length=16), nullable=False),
        sa.Column("price", sa.Integer(), nullable=True),
        sa.Column("multiplier", sa.Numeric(6, 3), nullable=True),
        sa.ForeignKeyConstraint(
            ["showtime_id"],
            [f"{SCHEMA}.showtime.id"],
            ondelete="CASCADE",
            name=op.f("fk_seat_pricing_showtime_id_showtime"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_pricing")),
        sa.UniqueConstraint("showtime_id", "seat_type", name="uq_seat_pricing_showtime_seat_type"),
        sa.CheckConstraint(
            "(price IS NULL) <> (multiplier IS NULL)", name=op.f("ck_seat_pricing_price_or_multiplier")
        ),
        schema=SCHEMA,
    )

    op.create_table(
        "showtime_seat",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("showtime_id", sa.Uuid(), nullable=False),
        sa.Column("seat_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.String(length=4), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("column", sa.Integer(), nullable=False),
        sa.Column("seat_type", sa.String(length=16), nullable=False),
        sa.Column("pair_seat_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.Uuid(), nullable=True),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["showtime_id"],
            [f"{SCHEMA}.showtime.id"],
            ondelete="CASCADE",
            name=op.f("fk_showtime_seat_showtime_id_showtime"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showtime_seat")),
        sa.UniqueConstraint("showtime_id", "seat_id", name="uq_showtime_seat_showtime_seat"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_showtimes_showtime_seat_showtime_status",
        "showtime_seat",
        ["showtime_id", "status"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_showtimes_showtime_seat_showtime_status", table_name="showtime_seat", schema=SCHEMA)
    op.drop_table("showtime_seat", schema=SCHEMA)
    op.drop_table("seat_pricing", schema=SCHEMA)
    op.drop_index("ix_showtimes_showtime_status_start", table_name="showtime", schema=SCHEMA)
    op.drop_index("ix_showtimes_showtime_movie_start", table_name="showtime", schema=SCHEMA)
    op.drop_index("ix_showtimes_showtime_cinema_start", table_name="showtime", schema=SCHEMA)
    op.drop_table("showtime", schema=SCHEMA)
