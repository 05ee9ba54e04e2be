"""Tables of the showtimes context (schema `showtimes`)."""

from __future__ import annotations

SCHEMA = "showtimes"
