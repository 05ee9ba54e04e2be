"""Routes of the movies service (seed §3): catalog, search, reviews, genres."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, UploadFile, status

from api.deps import AdminUser, CurrentUser, PublicRoute, SessionDep, SettingsDep
from api.routes.users import CappedUploadRoute, StorageDep
from domain.movies import service as movies_service
from domain.movies.schemas import (
    GenreCreate,
    GenrePublic,
    MovieCreate,
    MoviePublic,
    MovieQuery,
    MovieUpdate,
    PosterPublic,
    ReviewCreate,
    ReviewPublic,
)
from domain.shared.schemas import Page, PageParams
from domain.shared.time import LOCAL_TZ, utcnow
from domain.showtimes import service as showtimes_service

MovieId = Annotated[uuid.UUID, Path(alias="id", description="The movie's id")]

# Mounted as one router; each part picks its route class (public reads, capped uploads) or guard.
router = APIRouter()
public = APIRouter(prefix="/movies", tags=["movies"], route_class=PublicRoute)
guarded = APIRouter(prefix="/movies", tags=["movies"])
uploads = APIRouter(prefix="/movies", tags=["movies"], route_class=CappedUploadRoute)
public_genres = APIRouter(prefix="/genres", tags=["genres"], route_class=PublicRoute)
genres_router = APIRouter(prefix="/genres", tags=["genres"])


@public.get("", response_model=Page[MoviePublic],
            summary="Movies: search (`q`, accents and small typos forgiven), filter, sort, paginate")
async def list_movies(query: Annotated[MovieQuery, Query()], session: SessionDep) -> Page[MoviePublic]:
    return await movies_service.list_movies(session, query=query)


@public.get("/now-showing", response_model=Page[MoviePublic], summary="Movies showing now, newest first")
async def now_showing(page: Annotated[PageParams, Query()], session: SessionDep) -> Page[MoviePublic]:
    return await movies_service.now_showing(session, page=page)


@public.get("/coming-soon", response_model=Page[MoviePublic],
            summary="Movies not released yet, soonest first")
async def coming_soon(page: Annotated[PageParams, Query()], session: SessionDep) -> Page[MoviePublic]:
    return await movies_service.coming_soon(session, page=page)


@public.get("/trending", response_model=Page[MoviePublic], summary="Showing movies, most popular first")
async def trending(page: Annotated[PageParams, Query()], session: SessionDep) -> Page[MoviePublic]:
    """Trending = the movies showing now, ranked by tickets sold in the last 7 days, then by the
    Bayesian average of their stars (a few reviews weigh less than many), then review count, then the
    newest release. Until the bookings context exists no tickets are sold, so the stars decide; the
    signal is `domain.movies.service.tickets_sold_last_7_days` and the order `rules.trending_key`."""
    return await movies_service.trending(session, page=page)


@public.get("/{id}", response_model=MoviePublic, summary="One movie")
async def read_movie(movie_id: MovieId, session: SessionDep) -> MoviePublic:
    return await movies_service.movie_detail(session, movie_id=movie_id)


@public.get("/{id}/reviews", response_model=Page[ReviewPublic], summary="A movie's reviews, newest first")
async def list_reviews(movie_id: MovieId, page: Annotated[PageParams, Query()],
                       session: SessionDep) -> Page[ReviewPublic]:
    return await movies_service.list_reviews(session, movie_id=movie_id, page=page)


@guarded.post("/{id}/reviews", response_model=ReviewPublic, status_code=status.HTTP_201_CREATED,
             summary="Review a released movie: 1–5 stars, once per user; the movie's rating follows")
async def add_review(movie_id: MovieId, body: ReviewCreate, user: CurrentUser,
                     session: SessionDep) -> ReviewPublic:
    return await movies_service.add_review(session, movie_id=movie_id, user_id=user.user_id, body=body)


@guarded.post("", response_model=MoviePublic, status_code=status.HTTP_201_CREATED,
             summary="Add a movie; without `status` it follows the dates")
async def create_movie(body: MovieCreate, admin: AdminUser, session: SessionDep) -> MoviePublic:
    today = utcnow().astimezone(LOCAL_TZ).date()
    return await movies_service.create_movie(session, body=body, today=today)


@guarded.put("/{id}", response_model=MoviePublic, summary="Change a movie; left-out fields stay")
async def update_movie(movie_id: MovieId, body: MovieUpdate, admin: AdminUser,
                       session: SessionDep) -> MoviePublic:
    return await movies_service.update_movie(session, movie_id=movie_id, changes=body)


@guarded.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a movie (soft); refused with 409 while it has showtimes to come")
async def delete_movie(movie_id: MovieId, admin: AdminUser, session: SessionDep) -> Response:
    now = utcnow()
    future = await showtimes_service.count_future_showtimes(session, movie_id=movie_id, now=now)
    await movies_service.delete_movie(session, movie_id=movie_id, now=now, future_showtimes=future)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@uploads.post("/{id}/poster", response_model=PosterPublic,
              summary="Upload a PNG, JPEG or WebP poster (multipart field `file`), re-encoded bare")
async def upload_poster(movie_id: MovieId, file: UploadFile, admin: AdminUser, session: SessionDep,
                        settings: SettingsDep, storage: StorageDep) -> PosterPublic:
    data = await file.read(settings.avatar_max_bytes + 1)
    movie = await movies_service.set_poster(session, storage, movie_id=movie_id, data=data,
                                            max_bytes=settings.avatar_max_bytes)
    return PosterPublic(poster_url=movie.poster_url or "")


@public_genres.get("", response_model=Page[GenrePublic], summary="Genres by name")
async def list_genres(page: Annotated[PageParams, Query()], session: SessionDep) -> Page[GenrePublic]:
    return await movies_service.list_genres(session, page=page)


@genres_router.post("", response_model=GenrePublic, status_code=status.HTTP_201_CREATED,
                    summary="Add a genre; the slug is made from the name when left out")
async def create_genre(body: GenreCreate, admin: AdminUser, session: SessionDep) -> GenrePublic:
    return GenrePublic.model_validate(await movies_service.create_genre(session, body=body))


for part in (public, guarded, uploads, public_genres, genres_router):
    router.include_router(part)
