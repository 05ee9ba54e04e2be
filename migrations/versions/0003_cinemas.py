"""Cinemas: cinemas, their theaters, and each theater's seats.

Revision ID: 0003_cinemas
Revises: 0001
Create Date: 2026-11-24 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_cinemas"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cinema",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("facilities", sa.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_cinema_latitude_range")),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name=op.f("ck_cinema_longitude_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cinema")),
        sa.UniqueConstraint("name", name=op.f("uq_cinema_name")),
        schema="cinemas",
    )
    op.create_index(op.f("ix_cinemas_cinema_city"), "cinema", ["city"], unique=False, schema="cinemas")
    op.create_table(
        "theater",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cinema_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("screen_type", sa.String(length=8), nullable=False),
        sa.Column("sound_system", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("layout", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["cinema_id"], ["cinemas.cinema.id"],
                                name=op.f("fk_theater_cinema_id_cinema"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theater")),
        sa.UniqueConstraint("cinema_id", "name", name=op.f("uq_theater_cinema_id")),
        schema="cinemas",
    )
    op.create_table(
        "seat",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("theater_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.String(length=2), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("column", sa.SmallInteger(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pair_seat_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("number > 0", name=op.f("ck_seat_number_positive")),
        sa.ForeignKeyConstraint(["pair_seat_id"], ["cinemas.seat.id"], name=op.f("fk_seat_pair_seat_id_seat"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["theater_id"], ["cinemas.theater.id"],
                                name=op.f("fk_seat_theater_id_theater"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat")),
        sa.UniqueConstraint("theater_id", "row", "number", name=op.f("uq_seat_theater_id")),
        schema="cinemas",
    )


def downgrade() -> None:
    op.drop_table("seat", schema="cinemas")
    op.drop_table("theater", schema="cinemas")
    op.drop_index(op.f("ix_cinemas_cinema_city"), table_name="cinema", schema="cinemas")
    op.drop_table("cinema", schema="cinemas")
