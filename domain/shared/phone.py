"""Vietnamese phone numbers, as users and cinemas store them (E.164)."""

from __future__ import annotations

import re

# Mobile numbers (03x/05x/07x/08x/09x + 8 digits) and landlines (02xx + 8 digits) after 0 or +84.
_VN_PHONE = re.compile(r"(?:\+84|84|0)([35789]\d{8}|2\d{9})")
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalize_vn_phone(raw: str) -> str:
    """A Vietnamese phone number in E.164 (`+84…`); raises ValueError for anything else."""
    match = _VN_PHONE.fullmatch(_SEPARATORS.sub("", raw))
    if match is None:
        raise ValueError("Use a Vietnamese phone number, e.g. 0912345678 or +84912345678.")
    return f"+84{match.group(1)}"
