"""Platform: one schema per service, the extensions search needs, auth and users tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 15:18:53.770620
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

SCHEMAS = ("auth", "users", "movies", "cinemas", "showtimes", "bookings", "payments", "fnb", "promotions",
           "notifications", "analytics")
EXTENSIONS = ("unaccent", "pg_trgm", "btree_gist", "citext")


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for extension in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    op.create_table('account',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    schema='auth'
    )
    op.create_index(op.f('ix_auth_account_email'), 'account', ['email'], unique=True, schema='auth')
    op.create_table('oauth_identity',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_identity')),
    sa.UniqueConstraint('provider', 'subject', name=op.f('uq_oauth_identity_provider')),
    schema='auth'
    )
    op.create_index(op.f('ix_auth_oauth_identity_account_id'), 'oauth_identity', ['account_id'], unique=False, schema='auth')
    op.create_table('one_time_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_one_time_token_token_hash')),
    schema='auth'
    )
    op.create_index(op.f('ix_auth_one_time_token_account_id'), 'one_time_token', ['account_id'], unique=False, schema='auth')
    op.create_table('refresh_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('family_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_token_token_hash')),
    schema='auth'
    )
    op.create_index(op.f('ix_auth_refresh_token_account_id'), 'refresh_token', ['account_id'], unique=False, schema='auth')
    op.create_index(op.f('ix_auth_refresh_token_family_id'), 'refresh_token', ['family_id'], unique=False, schema='auth')
    op.create_table('user_preference',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('favorite_genres', sa.ARRAY(sa.String(length=64)), nullable=False),
    sa.Column('favorite_cinemas', sa.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('email_notification', sa.Boolean(), nullable=False),
    sa.Column('sms_notification', sa.Boolean(), nullable=False),
    sa.Column('push_notification', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_preference')),
    schema='users'
    )
    op.create_table('user_profile',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('avatar_url', sa.String(length=500), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=16), nullable=True),
    sa.Column('loyalty_points', sa.Integer(), nullable=False),
    sa.Column('membership_tier', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_profile')),
    schema='users'
    )
    op.create_index(op.f('ix_users_user_profile_email'), 'user_profile', ['email'], unique=False, schema='users')


def downgrade() -> None:
    op.drop_index(op.f('ix_users_user_profile_email'), table_name='user_profile', schema='users')
    op.drop_table('user_profile', schema='users')
    op.drop_table('user_preference', schema='users')
    op.drop_index(op.f('ix_auth_refresh_token_family_id'), table_name='refresh_token', schema='auth')
    op.drop_index(op.f('ix_auth_refresh_token_account_id'), table_name='refresh_token', schema='auth')
    op.drop_table('refresh_token', schema='auth')
    op.drop_index(op.f('ix_auth_one_time_token_account_id'), table_name='one_time_token', schema='auth')
    op.drop_table('one_time_token', schema='auth')
    op.drop_index(op.f('ix_auth_oauth_identity_account_id'), table_name='oauth_identity', schema='auth')
    op.drop_table('oauth_identity', schema='auth')
    op.drop_index(op.f('ix_auth_account_email'), table_name='account', schema='auth')
    op.drop_table('account', schema='auth')
    for schema in reversed(SCHEMAS):
        op.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
