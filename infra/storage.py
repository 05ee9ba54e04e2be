"""File storage behind a small interface; the default writes under the media directory the API serves."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from infra.settings import Settings


class Storage(Protocol):
    async def save(self, key: str, data: bytes, content_type: str) -> str:
        """Store `data` under `key` (a relative path, `avatars/<id>/<name>.png`); return its public URL."""
        ...

    async def delete(self, key: str) -> None:
        """Remove what is stored under `key` (nothing there is fine)."""
        ...


def media_storage(settings: Settings) -> LocalDiskStorage:
    """The media directory the API serves at /media (avatars, posters)."""
    return LocalDiskStorage(settings.resolved_media_dir, settings.resolved_public_base_url + "/media")


class LocalDiskStorage:
    """Writes files under `root`; `base_url` is where `root` is served (the app mounts it at `/media`)."""

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    async def save(self, key: str, data: bytes, content_type: str) -> str:
        path = self._path(key)
        await asyncio.to_thread(_write_atomically, path, data)
        return f"{self.base_url}/{key}"

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(part in ("", ".", "..") or "\\" in part or "\0" in part for part in parts):
            raise ValueError(f"storage key must be a plain relative path: {key!r}")
        return self.root.joinpath(*parts)


def _write_atomically(path: Path, data: bytes) -> None:
    # Write then rename, so a reader of the URL never sees a half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
