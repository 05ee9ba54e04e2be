"""Tables of the movies context (schema `movies`)."""

from __future__ import annotations

SCHEMA = "movies"
