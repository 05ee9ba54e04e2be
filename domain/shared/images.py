"""Uploaded images (avatars, posters): decoded, bounded and re-encoded without metadata. Pure; no I/O."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from domain.shared.errors import UnsupportedImage

# Pillow format -> (content type, file extension). Nothing else is decoded.
IMAGE_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}
IMAGE_MAX_SIDE = 1024
IMAGE_MAX_PIXELS = 40_000_000  # refuse before decoding: a small file can declare a huge canvas


class ImageStore(Protocol):
    """Where cleaned images go (infra.storage provides one); the domain knows only this."""

    async def save(self, key: str, data: bytes, content_type: str) -> str:
        """Store `data` under `key` (a relative path, `avatars/<id>/<name>.png`); return its public URL."""
        ...

    async def delete(self, key: str) -> None:
        """Remove what is stored under `key` (nothing there is fine)."""
        ...


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str


def clean_image(data: bytes) -> CleanImage:
    """Decode PNG/JPEG/WebP bytes and re-encode them, bounded in size and without any metadata."""
    try:
        with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as probe:
            kind = probe.format or ""
            if probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise UnsupportedImage("The image is too large in pixels.")
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind]) as source:
            image = ImageOps.exif_transpose(source)  # keep the photo upright once EXIF is gone
            image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            image = image.convert("RGBA" if alpha and kind != "JPEG" else "RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise UnsupportedImage("Upload a PNG, JPEG or WebP image.") from e
    out = io.BytesIO()
    image.save(out, format=kind, **({"optimize": True} if kind == "PNG" else {"quality": 85}))
    content_type, extension = IMAGE_FORMATS[kind]
    return CleanImage(out.getvalue(), content_type, extension)
