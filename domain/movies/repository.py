"""All SQL of the movies context."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, insert, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.movies.models import Genre, Movie, MovieGenre, MovieStatus, Review, search_document
from domain.movies.rules import escape_like
from domain.movies.schemas import MovieSort

# Strict word similarity (pg_trgm) from which a title counts as a match: 0.4 lets one wrong letter
# through in a word of seven or eight ("avangers" ~ "Avengers" scores 0.5) while "mai" stays clear of
# "Lật Mặt" (0.33). The GIN index serves the `<<%` operator, which reads this setting.
SEARCH_THRESHOLD = 0.4

_SORTS: dict[MovieSort, tuple[Any, ...]] = {
    MovieSort.RELEASE_DATE: (col(Movie.release_date).asc(),),
    MovieSort.RELEASE_DATE_DESC: (col(Movie.release_date).desc(),),
    MovieSort.TITLE: (col(Movie.title).asc(),),
    MovieSort.TITLE_DESC: (col(Movie.title).desc(),),
    MovieSort.RATING: (col(Movie.rating).asc(), col(Movie.review_count).asc()),
    MovieSort.RATING_DESC: (col(Movie.rating).desc(), col(Movie.review_count).desc()),
}


@dataclass(frozen=True)
class MovieFilter:
    q: str | None = None
    statuses: tuple[MovieStatus, ...] = ()
    genre_slug: str | None = None
    language: str | None = None
    sort: MovieSort | None = None


class MoviesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def movie(self, movie_id: uuid.UUID, *, for_update: bool = False) -> Movie | None:
        """A movie that is not deleted; `for_update` locks its row until the transaction ends."""
        stmt = select(Movie).where(Movie.id == movie_id, col(Movie.deleted_at).is_(None))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.exec(stmt)).one_or_none()

    async def movie_by_title(self, title: str) -> Movie | None:
        stmt = (select(Movie).where(Movie.title == title, col(Movie.deleted_at).is_(None))
                .order_by(col(Movie.created_at)))
        return (await self.session.exec(stmt)).first()

    async def movies_by_ids(self, movie_ids: Collection[uuid.UUID]) -> list[Movie]:
        if not movie_ids:
            return []
        return list((await self.session.exec(select(Movie).where(col(Movie.id).in_(list(movie_ids))))).all())

    async def search(self, flt: MovieFilter, *, offset: int, limit: int) -> tuple[list[Movie], int]:
        """One page of movies matching the filter, best match first when searching, and the total."""
        stmt: Select[Any] = select(Movie).where(col(Movie.deleted_at).is_(None))
        if flt.statuses:
            stmt = stmt.where(col(Movie.status).in_(flt.statuses))
        if flt.language:
            stmt = stmt.where(Movie.language == flt.language)
        if flt.genre_slug:
            in_genre = (select(MovieGenre.movie_id).join(Genre, col(Genre.id) == MovieGenre.genre_id)
                        .where(Genre.slug == flt.genre_slug))
            stmt = stmt.where(col(Movie.id).in_(in_genre))
        order: tuple[Any, ...] = _SORTS[flt.sort or MovieSort.RELEASE_DATE_DESC]
        if flt.q:
            await self.session.exec(  # type: ignore[call-overload]
                select(func.set_config("pg_trgm.strict_word_similarity_threshold", str(SEARCH_THRESHOLD),
                                       True)))
            document, needle = search_document(), _search_key(flt.q)
            pattern = literal("%") + _search_key(escape_like(flt.q)) + literal("%")
            stmt = stmt.where(or_(needle.op("<<%")(document), document.like(pattern, escape="\\")))
            if flt.sort is None:
                order = (func.strict_word_similarity(needle, document).desc(),
                         func.word_similarity(needle, document).desc(), col(Movie.release_date).desc())
        total = (await self.session.exec(select(func.count()).select_from(stmt.subquery()))).one()
        page = stmt.order_by(*order, col(Movie.id)).offset(offset).limit(limit)
        return list((await self.session.exec(page)).all()), total

    async def showing(self) -> list[Movie]:
        stmt = select(Movie).where(Movie.status == MovieStatus.SHOWING, col(Movie.deleted_at).is_(None))
        return list((await self.session.exec(stmt)).all())

    async def genres_of(self, movie_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Genre]]:
        found: dict[uuid.UUID, list[Genre]] = defaultdict(list)
        if not movie_ids:
            return found
        stmt = (select(MovieGenre.movie_id, Genre).join(Genre, col(Genre.id) == MovieGenre.genre_id)
                .where(col(MovieGenre.movie_id).in_(list(movie_ids))).order_by(col(Genre.name)))
        for movie_id, genre in (await self.session.exec(stmt)).all():
            found[movie_id].append(genre)
        return found

    async def set_genres(self, movie_id: uuid.UUID, genre_ids: Collection[uuid.UUID]) -> None:
        await self.session.exec(delete(MovieGenre).where(col(MovieGenre.movie_id) == movie_id))  # type: ignore[call-overload]
        if genre_ids:
            rows = [{"movie_id": movie_id, "genre_id": g} for g in dict.fromkeys(genre_ids)]
            await self.session.exec(insert(MovieGenre).values(rows))  # type: ignore[call-overload]

    async def genres(self, *, genre_ids: Collection[uuid.UUID] | None = None) -> list[Genre]:
        stmt = select(Genre).order_by(col(Genre.name))
        if genre_ids is not None:
            stmt = stmt.where(col(Genre.id).in_(list(genre_ids)))
        return list((await self.session.exec(stmt)).all())

    async def genres_by_slug(self, slugs: Collection[str]) -> list[Genre]:
        return list((await self.session.exec(select(Genre).where(col(Genre.slug).in_(list(slugs))))).all())

    async def genre_by_name_or_slug(self, name: str, slug: str) -> Genre | None:
        stmt = select(Genre).where(or_(func.lower(Genre.name) == name.lower(), Genre.slug == slug))
        return (await self.session.exec(stmt)).first()

    async def review_by(self, movie_id: uuid.UUID, user_id: uuid.UUID) -> Review | None:
        stmt = select(Review).where(Review.movie_id == movie_id, Review.user_id == user_id)
        return (await self.session.exec(stmt)).one_or_none()

    async def reviews(self, movie_id: uuid.UUID, *, offset: int, limit: int) -> tuple[list[Review], int]:
        """One page of a movie's reviews, newest first, and their count."""
        where = col(Review.movie_id) == movie_id
        total = (await self.session.exec(select(func.count()).select_from(Review).where(where))).one()
        stmt = (select(Review).where(where).order_by(col(Review.created_at).desc(), col(Review.id))
                .offset(offset).limit(limit))
        return list((await self.session.exec(stmt)).all()), total

    async def refresh_rating(self, movie: Movie) -> None:
        """Set the movie's rating to the average of its reviews (two decimals) and its review count."""
        stmt = select(func.count(), func.coalesce(func.round(func.avg(Review.rating), 2), 0)).where(
            Review.movie_id == movie.id)
        count, average = (await self.session.exec(stmt)).one()
        movie.review_count, movie.rating = count, float(average)
        await self.save(movie)

    async def add(self, *rows: Movie | Genre | Review) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def save(self, row: Movie | Genre) -> None:
        """Flush a change and reload it, so server-set columns (updated_at) are readable without I/O."""
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)


def _search_key(raw: Any) -> Any:
    """The SQL that folds search input like the indexed document: unaccent, then lower case."""
    return func.lower(func.movies.f_unaccent(raw))
