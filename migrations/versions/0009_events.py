"""Events: an outbox and a processed-events table in every service schema, and the trigger that wakes the relay.

Revision ID: 0009_events
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_events"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMAS = ("auth", "users", "movies", "cinemas", "showtimes", "bookings", "payments", "fnb", "promotions",
           "notifications", "analytics")


def upgrade() -> None:
    # NOTIFY is transactional: the relay hears it when the writing transaction commits, never before.
    op.execute("""
        CREATE OR REPLACE FUNCTION public.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('outbox', TG_TABLE_SCHEMA);
            RETURN NULL;
        END $$""")
    for schema in SCHEMAS:
        op.create_table(
            "outbox",
            sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
            sa.Column("event_id", sa.Uuid(), nullable=False),
            sa.Column("topic", sa.String(length=64), nullable=False),
            sa.Column("aggregate_id", sa.String(length=64), nullable=False),
            sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
            sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
            schema=schema,
        )
        op.create_index(f"ix_{schema}_outbox_unpublished", "outbox", ["id"], unique=False, schema=schema,
                        postgresql_where=sa.text("published_at IS NULL"))
        op.create_index(f"ix_{schema}_outbox_published_at", "outbox", ["published_at"], unique=False, schema=schema)
        op.execute(f"CREATE TRIGGER outbox_notify AFTER INSERT ON {schema}.outbox "
                   "FOR EACH STATEMENT EXECUTE FUNCTION public.notify_outbox()")
        op.create_table(
            "processed_event",
            sa.Column("consumer", sa.String(length=64), nullable=False),
            sa.Column("event_id", sa.Uuid(), nullable=False),
            sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
            sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_event")),
            schema=schema,
        )


def downgrade() -> None:
    for schema in SCHEMAS:
        op.drop_table("processed_event", schema=schema)
        op.drop_table("outbox", schema=schema)
    op.execute("DROP FUNCTION IF EXISTS public.notify_outbox()")
