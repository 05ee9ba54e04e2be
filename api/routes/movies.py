"""Routes of the movies service."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/movies", tags=["movies"])
