"""Tables of the cinemas context (schema `cinemas`)."""

from __future__ import annotations

SCHEMA = "cinemas"
