"""Server-side validation and normalisation of an uploaded lesion photo (Pillow).

The presigned POST policy (content type, size, key) is enforced by S3 in AWS but by nothing in moto,
and a policy says nothing about what the bytes are. So every object is judged here, after it lands,
as if the policy did not exist:

1. identify the format from the bytes (JPEG or PNG only; HEIC needs pillow-heif, which the imaging
   layer does not ship) and compare it with the declared content type;
2. read the dimensions from the header and refuse more than `MAX_PIXELS` BEFORE decoding anything
   (a 50 kB PNG can declare 100,000 x 100,000 pixels: a decompression bomb);
3. require at least 800 x 600 (teledermatology minimum), whichever way the phone was held;
4. one full decode, EXIF orientation applied to the pixels, embedded colour profile converted to
   sRGB, transparency flattened on white: the upright picture a viewer would show;
5. the capture-quality gate on that picture, measured exactly as the browser measures it before the
   upload (docs/photos.md): blur is the variance of the Laplacian, exposure is histogram clipping and
   mean luminance, on a box-averaged grey copy;
6. re-encoded as a fresh JPEG: EXIF (GPS, device, times), XMP, ICC, comments and PNG text chunks are
   all gone because nothing of the original container is copied; renditions `full` (normalised
   original), `display` (<= 1920 px) and `thumb` (<= 320 px), and the SHA-256 of `full`, kept with
   the photo to detect later corruption or substitution.

The thresholds, sizes and messages come from capture_rules.json (functions/images/rules.py), which
the browser's gate reads too. Pillow is imported inside the functions: it ships in the imaging layer,
attached only to the photo processing function, never in the shared dependency layer.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass
from typing import Any

from functions.images.rules import (
    BLUR_MIN_VARIANCE,
    BRIGHT_LEVEL,
    DARK_LEVEL,
    FORMATS,
    MAX_BRIGHT_FRACTION,
    MAX_DARK_FRACTION,
    MAX_MEAN_LUMINANCE,
    MAX_PIXELS,
    MEASURE_EDGE,
    MIN_LONG_SIDE,
    MIN_MEAN_LUMINANCE,
    MIN_SHORT_SIDE,
    message,
)

__all__ = ["FORMATS", "MAX_PIXELS", "ImageRejected", "ProcessedImage", "Quality", "figures_of", "measure_quality",
           "process_image"]

DISPLAY_EDGE = 1920
THUMB_EDGE = 320
FULL_QUALITY = 92
DISPLAY_QUALITY = 85
THUMB_QUALITY = 80

_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")


class ImageRejected(Exception):
    """The upload breaks a rule. `code` is stable (clients match on it); `message` tells the patient
    what to do differently."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Quality:
    sharpness: float  # variance of the Laplacian of the measured copy
    mean_luminance: float  # 0..255
    dark_fraction: float
    bright_fraction: float


@dataclass(frozen=True)
class Rendition:
    name: str  # full | display | thumb
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class ProcessedImage:
    source_format: str  # JPEG | PNG, from the bytes
    width: int  # after orientation
    height: int
    quality: Quality
    full: Rendition
    display: Rendition
    thumb: Rendition

    @property
    def sha256(self) -> str:
        return self.full.sha256

    @property
    def renditions(self) -> tuple[Rendition, Rendition, Rendition]:
        return (self.full, self.display, self.thumb)


# --- the rules, in the order they run ------------------------------------------------------------
def process_image(data: bytes, declared_content_type: str) -> ProcessedImage:
    """Validate `data` and derive the renditions, or raise ImageRejected."""
    expected_format = FORMATS.get(declared_content_type)
    if expected_format is None:
        raise ImageRejected("unsupported_format", _unsupported_message(data))
    source_format = _inspect(data)
    if source_format != expected_format:
        raise ImageRejected("content_type_mismatch", message(
            "content_type_mismatch", sourceFormat=source_format, declaredType=declared_content_type))
    image = _decode_upright(data, source_format)
    quality = measure_quality(image)
    check_quality(quality)
    return _renditions(image, source_format, quality)


def figures_of(data: bytes) -> Quality:
    """The quality figures of an image file that passes the size rules (tests and benchmarks)."""
    return measure_quality(_decode_upright(data, _inspect(data)))


def _inspect(data: bytes) -> str:
    """The format, from the header only; refuses bombs and small images before any decode."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageRejected("corrupt_image", message("empty"))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; any hint of a bomb is an error here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS.values())) as image:
                width, height = image.size
                source_format = str(image.format)
                orientation = _orientation(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise ImageRejected("unsupported_format", _unsupported_message(data)) from None
    except Exception:  # a header Pillow cannot parse (truncated, malformed): judged unreadable, never retried
        raise _corrupt() from None
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()
    if orientation in (5, 6, 7, 8):  # rotated by 90 degrees: the upright picture swaps the sides
        width, height = height, width
    if max(width, height) < MIN_LONG_SIDE or min(width, height) < MIN_SHORT_SIDE:
        raise ImageRejected("too_small", message("too_small", width=width, height=height))
    return source_format


def _orientation(image: Any) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # a malformed EXIF block must not sink a good photo: it is discarded anyway
        return 1


def _decode_upright(data: bytes, source_format: str) -> Any:
    """The whole picture as a viewer shows it: RGB in sRGB, upright, transparency on white.

    One full decode serves both the quality gate and the renditions (a 12 MP JPEG: ~150 ms)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data), formats=[source_format]) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)  # a new image: the orientation is now in the pixels
        return _to_srgb(image)
    except ImageRejected:
        raise
    except Exception:  # truncated or damaged data shows up only when the pixels are decoded
        raise _corrupt() from None


def measure_quality(image: Any) -> Quality:
    """Blur and exposure figures of an upright RGB picture, measured as docs/photos.md defines them
    (the browser computes the same numbers from its own decode of the same file):

    1. grey = (299 R + 587 G + 114 B) / 1000 per pixel, unrounded (Pillow's RGB -> "F" is exactly that);
    2. the mean over k x k blocks, k = ceil(long side / MEASURE_EDGE), the last width mod k columns and
       height mod k rows left out (`reduce(k)`: the plain block mean, to float32 precision);
    3. sharpness: population variance of the 4-neighbour Laplacian over the interior pixels;
       exposure: the mean, and the shares of values <= DARK_LEVEL and >= BRIGHT_LEVEL.

    Every step runs inside Pillow (a 12 MP photo: ~60 ms); means are a reduce to one pixel, which
    sums in double precision (agrees with math.fsum to 1e-7).
    """
    from PIL import ImageMath

    if image.mode != "RGB":
        image = image.convert("RGB")
    gray = image.convert("F")
    width, height = gray.size
    k = max(1, math.ceil(max(width, height) / MEASURE_EDGE))
    if k > 1:
        gray = gray.reduce(k, box=(0, 0, width // k * k, height // k * k))
    dark = ImageMath.lambda_eval(lambda a: a["grey"] <= DARK_LEVEL, grey=gray)
    bright = ImageMath.lambda_eval(lambda a: a["grey"] >= BRIGHT_LEVEL, grey=gray)
    return Quality(
        sharpness=round(laplacian_variance(gray), 2),
        mean_luminance=round(_mean(gray), 2),
        dark_fraction=round(_mean(dark), 4),
        bright_fraction=round(_mean(bright), 4),
    )


def laplacian_variance(gray: Any) -> float:
    """Population variance of the 4-neighbour Laplacian (the usual focus measure) of a float ("F")
    image, over the pixels that have all four neighbours: mean(L^2) - mean(L)^2, as the browser
    computes it."""
    from PIL import ImageMath

    width, height = gray.size
    if width < 3 or height < 3:
        return 0.0
    laplacian = ImageMath.lambda_eval(
        lambda a: a["up"] + a["down"] + a["left"] + a["right"] - a["centre"] * 4,
        up=gray.crop((1, 0, width - 1, height - 2)),
        down=gray.crop((1, 2, width - 1, height)),
        left=gray.crop((0, 1, width - 2, height - 1)),
        right=gray.crop((2, 1, width, height - 1)),
        centre=gray.crop((1, 1, width - 1, height - 1)),
    )
    squares = ImageMath.lambda_eval(lambda a: a["x"] * a["x"], x=laplacian)
    return max(0.0, _mean(squares) - _mean(laplacian) ** 2)


def _mean(image: Any) -> float:
    """The mean of a one-band image (a 0/1 mask gives a share): a reduce to a single pixel."""
    if image.mode != "F":
        image = image.convert("F")
    return float(image.reduce(image.size).getpixel((0, 0)))


def check_quality(quality: Quality) -> None:
    # Exposure first: a very dark photo also has little detail, and "too dark" is the useful advice.
    if quality.mean_luminance < MIN_MEAN_LUMINANCE or quality.dark_fraction > MAX_DARK_FRACTION:
        raise ImageRejected("too_dark", message("too_dark"))
    if quality.mean_luminance > MAX_MEAN_LUMINANCE or quality.bright_fraction > MAX_BRIGHT_FRACTION:
        raise ImageRejected("overexposed", message("overexposed"))
    if quality.sharpness < BLUR_MIN_VARIANCE:
        raise ImageRejected("blurry", message("blurry"))


def _renditions(image: Any, source_format: str, quality: Quality) -> ProcessedImage:
    from PIL import Image

    full = _encode("full", image, FULL_QUALITY, subsampling=0)  # 4:4:4 keeps colour detail for diagnosis
    display_image = image.copy()
    display_image.thumbnail((DISPLAY_EDGE, DISPLAY_EDGE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    display = _encode("display", display_image, DISPLAY_QUALITY)
    thumb_image = display_image.copy()
    thumb_image.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    thumb = _encode("thumb", thumb_image, THUMB_QUALITY)
    return ProcessedImage(source_format, image.size[0], image.size[1], quality, full, display, thumb)


def _to_srgb(image: Any) -> Any:
    """RGB pixels in sRGB; transparency flattened onto white (what a viewer would show)."""
    from PIL import Image

    icc = image.info.get("icc_profile")
    image = _flatten(image)
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    if icc:
        converted = _icc_to_srgb(image, icc)
        if converted is not None:
            return converted
    if image.mode != "RGB":
        image = image.convert("RGB")
    result: Image.Image = image
    return result


def _icc_to_srgb(image: Any, icc: bytes) -> Any:
    """Pixels converted from the embedded profile (e.g. Display P3 on iPhones) to sRGB, because the
    profile itself is dropped with the rest of the metadata. None if the profile is unusable: the
    pixels are then kept as they are."""
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except Exception:
        return None


def _flatten(image: Any) -> Any:
    from PIL import Image

    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit grayscale PNG: scale to 8 bits (Pillow's plain convert would clip at 255).
        return image.point(lambda value: value / 257).convert("L")
    return image


def _encode(name: str, image: Any, quality: int, subsampling: int = 2) -> Rendition:
    buffer = io.BytesIO()
    # No exif=, icc_profile=, comment= or dpi=: the new file carries pixels and a bare JFIF header only.
    # Huffman optimisation saves a few % of bytes but costs ~40% more encode time on a 12 MP image:
    # worth it only for the renditions that are downloaded over and over.
    image.save(buffer, format="JPEG", quality=quality, subsampling=subsampling, optimize=name != "full")
    return Rendition(name, buffer.getvalue(), image.size[0], image.size[1])


def _too_many_pixels() -> ImageRejected:
    return ImageRejected("too_many_pixels", message("too_many_pixels"))


def _corrupt() -> ImageRejected:
    return ImageRejected("corrupt_image", message("corrupt_image"))


def _unsupported_message(data: bytes) -> str:
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return message("heic")
    return message("unsupported_format")
