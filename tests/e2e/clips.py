"""Camera clips for Chromium's fake capture device (`--use-file-for-fake-video-capture=<file>.y4m`), so a
browser test knows what the camera shows instead of depending on what a Chromium build's default fake
camera happens to draw."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_picture_clip(path: Path, picture: Any, frames: int = 4) -> Path:
    """A y4m clip (I420, BT.601 limited range as Chromium's fake capture reads it) showing `picture`
    (an RGB Pillow image with even sides) in every frame."""
    width, height = picture.size
    if width % 2 or height % 2:
        raise ValueError("I420 needs even sides")
    luma, blue, red = picture.convert("RGB").convert("YCbCr").split()  # full range, JPEG's matrix
    # Full range (0..255) -> limited range: luma 16..235, chroma 16..240.
    luma = luma.point(lambda value: 16 + value * 219 // 255)
    half = (width // 2, height // 2)
    blue = blue.reduce(2).point(lambda value: 16 + value * 224 // 255)
    red = red.reduce(2).point(lambda value: 16 + value * 224 // 255)
    assert blue.size == half
    frame = b"FRAME\n" + luma.tobytes() + blue.tobytes() + red.tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(frame)
    return path
