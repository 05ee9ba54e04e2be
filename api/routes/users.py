"""Routes of the users service (seed §2): the signed-in user's own profile, avatar, points, preferences.

No route here takes a user id: every one acts on the caller's own data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Message

from api.deps import CurrentUser, SessionDep, SettingsDep
from domain.bookings import history as bookings_history
from domain.shared.schemas import Page, PageParams
from domain.users import service as users_service
from domain.users.errors import AvatarTooLarge
from domain.users.schemas import (
    AvatarPublic,
    BookingHistoryItem,
    LoyaltyPublic,
    PreferencesPublic,
    PreferencesUpdate,
    ProfilePublic,
    ProfileUpdate,
)
from infra.storage import Storage, media_storage

MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around the file itself


async def get_storage(settings: SettingsDep) -> Storage:
    return media_storage(settings)


StorageDep = Annotated[Storage, Depends(get_storage)]


class CappedUploadRoute(APIRoute):
    """Stops reading an upload once it passes the avatar limit (FastAPI parses bodies before dependencies)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def capped(request: Request) -> Response:
            max_bytes = request.state.settings.avatar_max_bytes
            limit, declared = max_bytes + MULTIPART_SLACK, request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise AvatarTooLarge("The upload is too large.", {"maxBytes": max_bytes})
            return await handler(Request(request.scope, _counting(request.receive, limit)))

        return capped


def _counting(receive: Callable[[], Awaitable[Message]], limit: int) -> Callable[[], Awaitable[Message]]:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:  # an HTTPException, because FastAPI turns other errors while parsing into 400
            raise HTTPException(413, "The upload is too large.")
        return message

    return counted


router = APIRouter(prefix="/users", tags=["users"])
uploads = APIRouter(route_class=CappedUploadRoute)


@router.get("/me", response_model=ProfilePublic, summary="The signed-in user's profile")
async def read_me(user: CurrentUser, session: SessionDep) -> ProfilePublic:
    return ProfilePublic.model_validate(await users_service.get_profile(session, user_id=user.user_id))


@router.put("/me", response_model=ProfilePublic,
            summary="Change names, phone (Vietnamese), date of birth, gender; left-out fields stay")
async def update_me(user: CurrentUser, body: ProfileUpdate, session: SessionDep) -> ProfilePublic:
    profile = await users_service.update_profile(session, user_id=user.user_id, changes=body)
    return ProfilePublic.model_validate(profile)


@uploads.post("/avatar", response_model=AvatarPublic,
              summary="Upload a PNG, JPEG or WebP avatar (multipart field `file`), re-encoded bare")
async def upload_avatar(user: CurrentUser, file: UploadFile, session: SessionDep, settings: SettingsDep,
                        storage: StorageDep) -> AvatarPublic:
    data = await file.read(settings.avatar_max_bytes + 1)
    profile = await users_service.set_avatar(session, storage, user_id=user.user_id, data=data,
                                             max_bytes=settings.avatar_max_bytes)
    return AvatarPublic(avatar=profile.avatar_url or "")


@router.get("/loyalty-points", response_model=LoyaltyPublic, summary="Loyalty points and membership tier")
async def read_loyalty(user: CurrentUser, session: SessionDep) -> LoyaltyPublic:
    return await users_service.loyalty(session, user_id=user.user_id)


@router.get("/preferences", response_model=PreferencesPublic,
            summary="Favourites, notification channels, language")
async def read_preferences(user: CurrentUser, session: SessionDep) -> PreferencesPublic:
    preference = await users_service.get_preferences(session, user_id=user.user_id)
    return PreferencesPublic.model_validate(preference)


@router.put("/preferences", response_model=PreferencesPublic,
            summary="Change preferences; left-out fields stay, lists are replaced")
async def update_preferences(user: CurrentUser, body: PreferencesUpdate,
                             session: SessionDep) -> PreferencesPublic:
    preference = await users_service.update_preferences(session, user_id=user.user_id, changes=body)
    return PreferencesPublic.model_validate(preference)


@router.get("/booking-history", response_model=Page[BookingHistoryItem],
            summary="The user's bookings, newest first")
async def booking_history(user: CurrentUser, session: SessionDep,
                          page: Annotated[PageParams, Query()]) -> Page[BookingHistoryItem]:
    return await bookings_history.booking_history(session, user_id=user.user_id, page=page)


router.include_router(uploads)
