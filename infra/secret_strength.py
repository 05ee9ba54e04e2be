"""Whether a secret is strong enough to sign tokens and tickets outside development.

A secret is weak when it is short, a development default, or guessable: its Shannon entropy, counted from
the characters it uses, stays under 128 bits ("passwordpassword…" or "aaaa…" of any length are weak; 32
random URL-safe characters or 64 hex digits are strong)."""

from __future__ import annotations

import math
from collections import Counter

MIN_LENGTH = 32
MIN_BITS = 128


def entropy_bits(secret: str) -> float:
    """The secret's length times the Shannon entropy per character of its own character frequencies."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    per_char = 0.0 - sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return per_char * len(secret)


def weakness(secret: str) -> str | None:
    """Why the secret is too weak, or None when it will do."""
    if secret.startswith("dev-only"):
        return "it is the development default"
    if len(secret) < MIN_LENGTH:
        return f"it has {len(secret)} characters, fewer than {MIN_LENGTH}"
    if (bits := entropy_bits(secret)) < MIN_BITS:
        return f"it is too guessable (about {bits:.0f} bits of entropy, fewer than {MIN_BITS})"
    return None
