"""Contracts of the notifications context, shared by workflows and activities."""

from __future__ import annotations

from pydantic import BaseModel


class OutgoingMail(BaseModel):
    to: str
    subject: str
    text: str
    html: str | None = None
