"""Avatar cleaning (pure) and the disk storage it is saved through."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from domain.shared.errors import UnsupportedImage
from domain.shared.images import clean_image
from infra.storage import LocalDiskStorage


def _encode(image: Image.Image, fmt: str, **save: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


class TestCleanImage:
    @pytest.mark.parametrize(("fmt", "content_type", "extension"), [
        ("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")])
    def test_keeps_the_format(self, fmt: str, content_type: str, extension: str) -> None:
        clean = clean_image(_encode(Image.new("RGB", (40, 30), "teal"), fmt))
        assert (clean.content_type, clean.extension) == (content_type, extension)
        with Image.open(io.BytesIO(clean.data)) as image:
            assert (image.format, image.size) == (fmt, (40, 30))

    def test_png_transparency_survives(self) -> None:
        source = Image.new("RGBA", (20, 20), (255, 0, 0, 0))
        with Image.open(io.BytesIO(clean_image(_encode(source, "PNG")).data)) as image:
            assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0

    def test_png_text_chunks_are_dropped(self) -> None:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", "home address: 1 Le Loi")
        clean = clean_image(_encode(Image.new("RGB", (10, 10)), "PNG", pnginfo=info))
        assert b"Le Loi" not in clean.data

    @pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
    def test_a_huge_canvas_is_refused_before_decoding(self) -> None:
        bomb = _encode(Image.new("1", (10_000, 10_000)), "PNG")  # tiny file, 100 million pixels
        assert len(bomb) < 100_000
        with pytest.raises(UnsupportedImage):
            clean_image(bomb)

    @pytest.mark.parametrize("data", [b"", b"GIF89a", b"\xff\xd8\xff" + b"\x00" * 50])
    def test_junk_is_refused(self, data: bytes) -> None:
        with pytest.raises(UnsupportedImage):
            clean_image(data)


class TestLocalDiskStorage:
    async def test_saves_under_root_and_answers_the_url(self, tmp_path: Path) -> None:
        storage = LocalDiskStorage(tmp_path, "http://cdn.test/media/")
        url = await storage.save("avatars/u1/a.png", b"data", "image/png")
        assert url == "http://cdn.test/media/avatars/u1/a.png"
        assert (tmp_path / "avatars" / "u1" / "a.png").read_bytes() == b"data"
        assert [p.name for p in (tmp_path / "avatars" / "u1").iterdir()] == ["a.png"]  # no temp file left

    @pytest.mark.parametrize("key", ["../escape.png", "/etc/passwd", "a/../../b.png", "", "a//b.png",
                                     "a\\..\\b.png", "a/b\0.png"])
    async def test_refuses_keys_outside_root(self, tmp_path: Path, key: str) -> None:
        with pytest.raises(ValueError):
            await LocalDiskStorage(tmp_path / "root", "http://x/media").save(key, b"x", "image/png")
        assert not (tmp_path / "escape.png").exists()
