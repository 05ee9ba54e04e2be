"""Routes of the cinemas service."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/cinemas", tags=["cinemas"])
