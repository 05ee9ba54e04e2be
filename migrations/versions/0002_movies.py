"""Movies: movies, genres, reviews, and the accent-blind trigram index behind search.

Revision ID: 0002_movies
Revises: 0001
Create Date: 2026-11-24 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_movies"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# unaccent() is STABLE (it reads a dictionary chosen by search_path); naming the dictionary makes the
# result depend on the argument only, so this wrapper may be IMMUTABLE and used in an index.
F_UNACCENT = """
CREATE OR REPLACE FUNCTION movies.f_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""
# What search matches: titles and director, accent-free, then lower-cased (the database has no locale,
# where lower() folds ASCII only). varchar arguments, so the index expression needs no casts.
SEARCH_TEXT = """
CREATE OR REPLACE FUNCTION movies.search_text(title varchar, original_title varchar, director varchar)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lower(movies.f_unaccent(
    title || ' ' || coalesce(original_title, '') || ' ' || coalesce(director, ''))) $$
"""
SEARCH_INDEX = """
CREATE INDEX ix_movies_movie_search ON movies.movie
USING gin (movies.search_text(title, original_title, director) gin_trgm_ops)
"""


def upgrade() -> None:
    op.execute(F_UNACCENT)
    op.execute(SEARCH_TEXT)
    op.create_table(
        "genre",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genre")),
        sa.UniqueConstraint("name", name=op.f("uq_genre_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_genre_slug")),
        schema="movies",
    )
    op.create_table(
        "movie",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("original_title", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("director", sa.String(length=255), nullable=False),
        sa.Column("cast", sa.ARRAY(sa.String(length=255)), nullable=False),
        sa.Column("poster_url", sa.String(length=500), nullable=True),
        sa.Column("trailer_url", sa.String(length=500), nullable=True),
        sa.Column("rating", sa.Float(), nullable=False),
        sa.Column("review_count", sa.Integer(), nullable=False),
        sa.Column("age_rating", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("duration > 0", name=op.f("ck_movie_duration_positive")),
        sa.CheckConstraint("end_date IS NULL OR end_date >= release_date",
                           name=op.f("ck_movie_ends_after_release")),
        sa.CheckConstraint("rating >= 0 AND rating <= 5", name=op.f("ck_movie_rating_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movie")),
        schema="movies",
    )
    op.create_index(op.f("ix_movies_movie_language"), "movie", ["language"], unique=False, schema="movies")
    op.create_index(op.f("ix_movies_movie_release_date"), "movie", ["release_date"], unique=False,
                    schema="movies")
    op.create_index(op.f("ix_movies_movie_status"), "movie", ["status"], unique=False, schema="movies")
    op.execute(SEARCH_INDEX)
    op.create_table(
        "movie_genre",
        sa.Column("movie_id", sa.Uuid(), nullable=False),
        sa.Column("genre_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["genre_id"], ["movies.genre.id"], name=op.f("fk_movie_genre_genre_id_genre"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["movie_id"], ["movies.movie.id"], name=op.f("fk_movie_genre_movie_id_movie"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("movie_id", "genre_id", name=op.f("pk_movie_genre")),
        schema="movies",
    )
    op.create_index(op.f("ix_movies_movie_genre_genre_id"), "movie_genre", ["genre_id"], unique=False,
                    schema="movies")
    op.create_table(
        "review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("movie_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_review_rating_range")),
        sa.ForeignKeyConstraint(["movie_id"], ["movies.movie.id"], name=op.f("fk_review_movie_id_movie"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("movie_id", "user_id", name=op.f("uq_review_movie_id")),
        schema="movies",
    )
    op.create_index(op.f("ix_movies_review_user_id"), "review", ["user_id"], unique=False, schema="movies")


def downgrade() -> None:
    op.drop_table("review", schema="movies")
    op.drop_table("movie_genre", schema="movies")
    op.drop_table("movie", schema="movies")
    op.drop_table("genre", schema="movies")
    op.execute("DROP FUNCTION IF EXISTS movies.search_text(varchar, varchar, varchar)")
    op.execute("DROP FUNCTION IF EXISTS movies.f_unaccent(text)")
