"""QR code images of ticket codes (segno: pure Python)."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str) -> bytes:
    """An SVG QR code of `text`, high error correction so a scratched phone screen still scans."""
    buffer = io.BytesIO()
    segno.make(text, error="h", micro=False).save(buffer, kind="svg", scale=6, border=2)
    return buffer.getvalue()
