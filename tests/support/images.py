"""Generated test photos: textured like skin (so they pass the blur gate), with knobs for every rule."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import Image, ImageEnhance, ImageFilter

SKIN = (205, 160, 140)
GPS = {1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)}


def textured(width: int = 1200, height: int = 900, color: tuple[int, int, int] = SKIN, seed_sigma: int = 60) -> Any:
    base = Image.new("RGB", (width, height), color)
    noise = Image.effect_noise((width, height), seed_sigma).convert("RGB")
    return Image.blend(base, noise, 0.35)


def encode(image: Any, fmt: str = "JPEG", **params: Any) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        params.setdefault("quality", 90)
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def phone_jpeg(width: int = 1200, height: int = 900, orientation: int = 1, gps: bool = True) -> bytes:
    """A JPEG as a phone writes it: EXIF with orientation, GPS position and camera model."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0110] = "PhoneCam 12"  # Model
    exif[0x0132] = "2026:01:01 10:00:00"  # DateTime
    if gps:
        exif[0x8825] = GPS
    return encode(textured(width, height), "JPEG", exif=exif)


def blurry_jpeg() -> bytes:
    return encode(textured().filter(ImageFilter.GaussianBlur(8)))


def dark_jpeg() -> bytes:
    return encode(ImageEnhance.Brightness(textured()).enhance(0.12))


def overexposed_jpeg() -> bytes:
    return encode(ImageEnhance.Brightness(textured(color=(240, 235, 230))).enhance(2.5))


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb's signature)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(
        b"IEND", b"")


def jpeg_with_header_dims(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF0 frame header is rewritten to claim width x height."""
    data = bytearray(encode(textured(64, 48), "JPEG"))
    marker = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, marker + 5, height, width)
    return bytes(data)


HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def skin_closeup(width: int = 2000, height: int = 1500, blur: float = 0.0) -> bytes:
    """Smooth skin with fine texture, pores and a few hairs: sharp, yet with little high-frequency
    energy (the hard case for a blur gate). `blur` adds a Gaussian blur of that radius in pixels."""
    import random

    from PIL import ImageDraw

    rng = random.Random(3)
    image = Image.blend(Image.new("RGB", (width, height), SKIN),
                        Image.effect_noise((width, height), 30).convert("RGB"), 0.25)
    draw = ImageDraw.Draw(image)
    for _ in range(200):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(1, 7)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(175, 120, 105))
    for _ in range(30):
        x, y = rng.randint(0, width), rng.randint(0, height)
        draw.line((x, y, x + rng.randint(-100, 100), y + rng.randint(-100, 100)), fill=(90, 60, 50), width=2)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return encode(image)
