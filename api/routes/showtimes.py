"""Routes of the showtimes service."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/showtimes", tags=["showtimes"])
