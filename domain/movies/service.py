"""Use cases of the movies context. Services flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import MovieDatesChanged, MovieDeleted, Topic
from domain.movies.errors import (
    GenreExists,
    MovieHasShowtimes,
    MovieNotFound,
    MovieNotReleased,
    PosterTooLarge,
    ReviewExists,
    UnknownGenres,
)
from domain.movies.models import Genre, Movie, MovieStatus, Review
from domain.movies.repository import MovieFilter, MoviesRepository
from domain.movies.rules import check_dates, normalize_query, status_on, trending_key
from domain.movies.schemas import (
    GenreCreate,
    GenrePublic,
    MovieCreate,
    MoviePublic,
    MovieQuery,
    MovieSort,
    MovieUpdate,
    ReviewCreate,
    ReviewPublic,
    movie_values,
)
from domain.shared.images import ImageStore, clean_image
from domain.shared.outbox import emit
from domain.shared.schemas import Page, PageParams
from domain.users import service as users_service


async def get_movie(session: AsyncSession, *, movie_id: uuid.UUID) -> Movie:
    """Return a movie that is not deleted, or raise MovieNotFound."""
    movie = await MoviesRepository(session).movie(movie_id)
    if movie is None:
        raise MovieNotFound("No such movie.", {"movieId": str(movie_id)})
    return movie


async def set_status(session: AsyncSession, *, movie_id: uuid.UUID, status: MovieStatus) -> Movie:
    """Move a movie to `status` (the lifecycle workflow's Coming -> Showing -> Ended)."""
    movie = await get_movie(session, movie_id=movie_id)
    if movie.status is not status:
        movie.status = status
        await MoviesRepository(session).save(movie)
    return movie


async def list_movies_by_ids(session: AsyncSession, *, movie_ids: Collection[uuid.UUID]) -> list[Movie]:
    """Return these movies in the order asked, soft-deleted ones included (history keeps its titles);
    unknown ids are left out."""
    found = {m.id: m for m in await MoviesRepository(session).movies_by_ids(set(movie_ids))}
    return [found[i] for i in dict.fromkeys(movie_ids) if i in found]


async def list_movies(session: AsyncSession, *, query: MovieQuery) -> Page[MoviePublic]:
    """Return one page of movies: searched, filtered and sorted as asked."""
    flt = MovieFilter(q=normalize_query(query.q) if query.q else None,
                      statuses=(query.status,) if query.status else (), genre_slug=query.genre,
                      language=query.language, sort=query.sort)
    return await _page(session, flt, query)


async def now_showing(session: AsyncSession, *, page: PageParams) -> Page[MoviePublic]:
    """Return the movies showing now, newest release first."""
    flt = MovieFilter(statuses=(MovieStatus.SHOWING,), sort=MovieSort.RELEASE_DATE_DESC)
    return await _page(session, flt, page)


async def coming_soon(session: AsyncSession, *, page: PageParams) -> Page[MoviePublic]:
    """Return the movies not released yet, soonest first."""
    flt = MovieFilter(statuses=(MovieStatus.COMING,), sort=MovieSort.RELEASE_DATE)
    return await _page(session, flt, page)


async def trending(session: AsyncSession, *, page: PageParams) -> Page[MoviePublic]:
    """Return the Showing movies in trending order (domain.movies.rules.trending_key)."""
    repo = MoviesRepository(session)
    showing = await repo.showing()
    sold = await tickets_sold_last_7_days(session, movie_ids=[m.id for m in showing])
    ranked = sorted(showing, reverse=True, key=lambda m: trending_key(
        rating=m.rating, review_count=m.review_count, release_date=m.release_date,
        tickets_sold=sold.get(m.id, 0)))
    chosen = ranked[page.offset:page.offset + page.page_size]
    return Page[MoviePublic](items=await _public(session, chosen), total=len(ranked), page=page.page,
                             page_size=page.page_size)


async def tickets_sold_last_7_days(session: AsyncSession, *,
                                   movie_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Tickets sold per movie over the last 7 days: the first trending key.

    No bookings context exists yet, so there are no sales and trending falls back to the reviews. When
    it does, ask it here (through its service or a read model fed by booking events).
    """
    return {}


async def movie_detail(session: AsyncSession, *, movie_id: uuid.UUID) -> MoviePublic:
    """Return one movie with its genres."""
    return (await _public(session, [await get_movie(session, movie_id=movie_id)]))[0]


async def create_movie(session: AsyncSession, *, body: MovieCreate, today: date) -> MoviePublic:
    """Add a movie; its status follows the dates on `today` unless the body sets one."""
    repo = MoviesRepository(session)
    await _check_genres(repo, body.genre_ids)
    values = movie_values(body, exclude_unset=False)
    values["status"] = body.status or status_on(today, body.release_date, body.end_date)
    movie = Movie(**values)
    await repo.add(movie)
    await repo.set_genres(movie.id, body.genre_ids)
    await _emit_dates(session, Topic.MOVIE_PUBLISHED, movie)
    return await movie_detail(session, movie_id=movie.id)


async def _emit_dates(session: AsyncSession, topic: Topic, movie: Movie) -> None:
    """The movie's lifecycle timers follow its dates (workers/subscribers/showtimes.py)."""
    await emit(session, topic, MovieDatesChanged(movie_id=movie.id, title=movie.title,
                                                 release_date=movie.release_date, end_date=movie.end_date),
               aggregate_id=movie.id)


async def ensure_movie(session: AsyncSession, *, body: MovieCreate, today: date) -> tuple[Movie, bool]:
    """Find the movie by its title or create it; True when created. A found movie is left as it is."""
    found = await MoviesRepository(session).movie_by_title(body.title)
    if found is not None:
        return found, False
    created = await create_movie(session, body=body, today=today)
    return await get_movie(session, movie_id=created.id), True


async def update_movie(session: AsyncSession, *, movie_id: uuid.UUID, changes: MovieUpdate) -> MoviePublic:
    """Apply the fields the Admin sent; genres and cast are replaced when sent."""
    repo = MoviesRepository(session)
    movie = await repo.movie(movie_id, for_update=True)
    if movie is None:
        raise MovieNotFound("No such movie.", {"movieId": str(movie_id)})
    values = movie_values(changes, exclude_unset=True)
    check_dates(values.get("release_date", movie.release_date),
                values["end_date"] if "end_date" in values else movie.end_date)
    if changes.genre_ids is not None:
        await _check_genres(repo, changes.genre_ids)
    for name, value in values.items():
        setattr(movie, name, value)
    await repo.save(movie)
    if changes.genre_ids is not None:
        await repo.set_genres(movie.id, changes.genre_ids)
    if {"release_date", "end_date", "status"} & values.keys():
        await _emit_dates(session, Topic.MOVIE_UPDATED, movie)
    return await movie_detail(session, movie_id=movie_id)


async def delete_movie(session: AsyncSession, *, movie_id: uuid.UUID, now: datetime, future_showtimes: int) -> None:
    """Soft-delete a movie, refused while it has showtimes still to come.

    `future_showtimes` is the showtimes service's count for this movie at `now`: the caller asks it
    first (showtimes depends on movies, never the other way round)."""
    repo = MoviesRepository(session)
    movie = await repo.movie(movie_id, for_update=True)
    if movie is None:
        raise MovieNotFound("No such movie.", {"movieId": str(movie_id)})
    if future_showtimes:
        raise MovieHasShowtimes(f"The movie still has {future_showtimes} showtime(s) to come; cancel them first.",
                                {"futureShowtimes": future_showtimes})
    movie.deleted_at = now
    await repo.save(movie)
    await emit(session, Topic.MOVIE_DELETED, MovieDeleted(movie_id=movie.id), aggregate_id=movie.id)


async def set_poster(session: AsyncSession, storage: ImageStore, *, movie_id: uuid.UUID, data: bytes,
                     max_bytes: int) -> Movie:
    """Check and re-encode an uploaded poster like an avatar, store it, and point the movie at it."""
    if len(data) > max_bytes:
        raise PosterTooLarge(f"The poster may be at most {max_bytes // 1024} KiB.", {"maxBytes": max_bytes})
    movie = await get_movie(session, movie_id=movie_id)
    image = await asyncio.to_thread(clean_image, data)
    key = f"posters/{movie_id}/{uuid.uuid4().hex}.{image.extension}"
    movie.poster_url = await storage.save(key, image.data, image.content_type)
    await MoviesRepository(session).save(movie)
    return movie


async def list_genres(session: AsyncSession, *, page: PageParams) -> Page[GenrePublic]:
    """Return one page of genres by name."""
    genres = await MoviesRepository(session).genres()
    chosen = genres[page.offset:page.offset + page.page_size]
    return Page[GenrePublic](items=[GenrePublic.model_validate(g) for g in chosen], total=len(genres),
                             page=page.page, page_size=page.page_size)


async def create_genre(session: AsyncSession, *, body: GenreCreate) -> Genre:
    """Add a genre; its name and slug are each unique."""
    repo = MoviesRepository(session)
    assert body.slug is not None  # GenreCreate makes one from the name
    if await repo.genre_by_name_or_slug(body.name, body.slug) is not None:
        raise GenreExists("A genre with this name or slug exists.", {"name": body.name, "slug": body.slug})
    genre = Genre(name=body.name, slug=body.slug)
    await repo.add(genre)
    return genre


async def ensure_genre(session: AsyncSession, *, body: GenreCreate) -> tuple[Genre, bool]:
    """Find the genre by name or slug or create it; True when created."""
    assert body.slug is not None  # GenreCreate makes one from the name
    found = await MoviesRepository(session).genre_by_name_or_slug(body.name, body.slug)
    if found is not None:
        return found, False
    return await create_genre(session, body=body), True


async def genre_ids_by_slug(session: AsyncSession, *, slugs: Collection[str]) -> dict[str, uuid.UUID]:
    """Return the ids of the genres with these slugs, keyed by slug (unknown slugs left out)."""
    return {g.slug: g.id for g in await MoviesRepository(session).genres_by_slug(slugs)}


async def list_reviews(session: AsyncSession, *, movie_id: uuid.UUID, page: PageParams) -> Page[ReviewPublic]:
    """Return one page of a movie's reviews, newest first."""
    await get_movie(session, movie_id=movie_id)
    reviews, total = await MoviesRepository(session).reviews(movie_id, offset=page.offset,
                                                             limit=page.page_size)
    return Page[ReviewPublic](items=await _reviews_public(session, reviews), total=total, page=page.page,
                              page_size=page.page_size)


async def add_review(session: AsyncSession, *, movie_id: uuid.UUID, user_id: uuid.UUID,
                     body: ReviewCreate) -> ReviewPublic:
    """Add the user's one review of a released movie and keep the movie's average in step."""
    repo = MoviesRepository(session)
    # The row lock queues reviews of one movie, so each average is computed after the previous review
    # committed: two concurrent reviews can never leave a rating that counts only one of them.
    movie = await repo.movie(movie_id, for_update=True)
    if movie is None:
        raise MovieNotFound("No such movie.", {"movieId": str(movie_id)})
    if movie.status is MovieStatus.COMING:
        raise MovieNotReleased("Reviews open when the movie is released.",
                               {"releaseDate": str(movie.release_date)})
    if await repo.review_by(movie_id, user_id) is not None:
        raise ReviewExists("You have already reviewed this movie.", {"movieId": str(movie_id)})
    review = Review(movie_id=movie_id, user_id=user_id, rating=body.rating, comment=body.comment)
    await repo.add(review)
    await session.refresh(review)
    await repo.refresh_rating(movie)
    return (await _reviews_public(session, [review]))[0]


async def _page(session: AsyncSession, flt: MovieFilter, page: PageParams) -> Page[MoviePublic]:
    movies, total = await MoviesRepository(session).search(flt, offset=page.offset, limit=page.page_size)
    return Page[MoviePublic](items=await _public(session, movies), total=total, page=page.page,
                             page_size=page.page_size)


async def _public(session: AsyncSession, movies: Sequence[Movie]) -> list[MoviePublic]:
    genres = await MoviesRepository(session).genres_of([m.id for m in movies])
    return [MoviePublic.model_validate({**m.model_dump(), "genres": [GenrePublic.model_validate(g)
                                                                     for g in genres.get(m.id, [])]})
            for m in movies]


async def _check_genres(repo: MoviesRepository, genre_ids: Collection[uuid.UUID]) -> None:
    known = {g.id for g in await repo.genres(genre_ids=genre_ids)} if genre_ids else set()
    unknown = [str(g) for g in genre_ids if g not in known]
    if unknown:
        raise UnknownGenres("Some genres do not exist.",
                            [{"field": "genreIds", "message": f"Unknown genre ids: {', '.join(unknown)}"}])


async def _reviews_public(session: AsyncSession, reviews: Sequence[Review]) -> list[ReviewPublic]:
    profiles = await users_service.profiles_by_id(session, user_ids={r.user_id for r in reviews})
    items = []
    for review in reviews:
        profile = profiles.get(review.user_id)
        name = _display_name(profile.first_name, profile.last_name) if profile else ""
        items.append(ReviewPublic(id=review.id, movie_id=review.movie_id, user_name=name or "Khán giả",
                                  rating=review.rating, comment=review.comment, created_at=review.created_at))
    return items


def _display_name(first_name: str, last_name: str) -> str:
    """`Lan` and `Nguyễn Thị` -> `Lan N.`: enough to tell reviewers apart without their full name."""
    initial = f" {last_name.strip()[0]}." if last_name.strip() else ""
    return f"{first_name.strip()}{initial}".strip()
