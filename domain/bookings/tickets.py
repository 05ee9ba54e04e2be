"""QR ticket codes: signed, unguessable strings that name a booking. Pure (the secret is passed in)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

PREFIX = "CT1"


@dataclass(frozen=True)
class TicketCode:
    booking_id: uuid.UUID
    nonce: str


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def _mac(booking_id: uuid.UUID, nonce: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{PREFIX}.{booking_id}.{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def encode_ticket(ticket: TicketCode, *, secret: str) -> str:
    """`CT1.<booking id>.<nonce>.<mac>`: what the QR code carries."""
    return f"{PREFIX}.{ticket.booking_id}.{ticket.nonce}.{_mac(ticket.booking_id, ticket.nonce, secret)}"


def decode_ticket(code: str, *, secret: str) -> TicketCode | None:
    """The ticket a code names, or None for anything forged, altered or malformed."""
    parts = code.strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    try:
        booking_id = uuid.UUID(parts[1])
    except ValueError:
        return None
    if not hmac.compare_digest(parts[3], _mac(booking_id, parts[2], secret)):
        return None
    return TicketCode(booking_id=booking_id, nonce=parts[2])
