"""Server-side validation and normalisation of an uploaded lesion photo (Pillow).

The presigned POST policy (content type, size, key) is enforced by S3 in AWS but by nothing in moto,
and a policy says nothing about what the bytes are. So every object is judged here, after it lands,
as if the policy did not exist:

1. identify the format from the bytes (JPEG or PNG only; HEIC needs pillow-heif, which the imaging
   layer does not ship) and compare it with the declared content type;
2. read the dimensions from the header and refuse more than `MAX_PIXELS` BEFORE decoding anything
   (a 50 kB PNG can declare 100,000 x 100,000 pixels: a decompression bomb);
3. require at least 800 x 600 (teledermatology minimum), whichever way the phone was held;
4. a capture-quality gate on a small grayscale decode (JPEG `draft()` lets libjpeg decode at 1/2,
   1/4 or 1/8 scale, so a blurred or dark photo is refused without a full decode): blur is the
   variance of the Laplacian, exposure is histogram clipping and mean luminance;
5. full decode, EXIF orientation applied to the pixels, embedded colour profile converted to sRGB,
   then re-encoded as a fresh JPEG: EXIF (GPS, device, times), XMP, ICC, comments and PNG text
   chunks are all gone because nothing of the original container is copied;
6. renditions: `full` (normalised original), `display` (<= 1920 px) and `thumb` (<= 320 px), and the
   SHA-256 of `full`, kept with the photo to detect later corruption or substitution.

Pillow is imported inside the functions: it ships in the imaging layer, attached only to the photo
processing function, never in the shared dependency layer.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from array import array
from dataclasses import dataclass
from typing import Any

# Content type -> Pillow format name. HEIC/HEIF would need the pillow-heif plugin (not installed):
# the web client converts HEIC to JPEG before upload, and the server refuses it with a clear message.
FORMATS: dict[str, str] = {"image/jpeg": "JPEG", "image/png": "PNG"}

MAX_PIXELS = 40_000_000  # phones shoot 12-24 MP by default; one RGB decode stays under ~120 MB
MIN_LONG_SIDE = 800
MIN_SHORT_SIDE = 600
DISPLAY_EDGE = 1920
THUMB_EDGE = 320
FULL_QUALITY = 92
DISPLAY_QUALITY = 85
THUMB_QUALITY = 80

# Quality gate, measured on a grayscale copy whose long side is QUALITY_EDGE pixels, so the numbers do
# not depend on the camera's resolution. The browser runs the same checks on a canvas of the same size
# before uploading; the server's verdict is the one that counts.
QUALITY_EDGE = 640
# Variance of the 4-neighbour Laplacian. Calibration at this scale: a real (high-contrast) photo
# measured 920 sharp and 165/21/7 after a Gaussian blur of radius 1/2/3 px; a synthetic 12 MP skin
# close-up (fine texture, pores, hairs) measured 36 sharp, 14/3.6/1.4 after 3/6/10 px of blur at full
# resolution. Smooth skin gives low values even when sharp, so the threshold only refuses clearly
# blurred photos: a retake costs the patient effort, a soft photo still helps more than none.
# Re-tune on real clinical photos (the browser gate uses the same number).
BLUR_MIN_VARIANCE = 8.0
DARK_LEVEL = 16  # luminance at or below this is crushed shadow
BRIGHT_LEVEL = 245  # at or above this is blown highlight
MAX_DARK_FRACTION = 0.5
MAX_BRIGHT_FRACTION = 0.35
MIN_MEAN_LUMINANCE = 45.0
MAX_MEAN_LUMINANCE = 225.0

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
    sharpness: float  # variance of the Laplacian at QUALITY_EDGE
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
    width, height, source_format = _inspect(data)
    if source_format != expected_format:
        raise ImageRejected(
            "content_type_mismatch",
            f"The file is a {source_format} image but was announced as {declared_content_type}. Upload it again "
            "from the app without renaming or converting it.",
        )
    quality = measure_quality(data)
    check_quality(quality)
    return _normalise(data, source_format, width, height, quality)


def _inspect(data: bytes) -> tuple[int, int, str]:
    """Format and upright dimensions from the header only; refuses bombs and small images."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageRejected("corrupt_image", "The upload was empty. Take or choose the photo again.")
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
        raise ImageRejected(
            "too_small",
            f"The photo is {width} x {height} pixels; at least {MIN_LONG_SIDE} x {MIN_SHORT_SIDE} is needed. Use the "
            "phone's main camera, not a screenshot or a cropped or resized copy.",
        )
    return width, height, source_format


def _orientation(image: Any) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # a malformed EXIF block must not sink a good photo: it is discarded anyway
        return 1


def measure_quality(data: bytes) -> Quality:
    """Blur and exposure figures on a small grayscale decode (JPEG decodes at reduced DCT scale)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS.values())) as image:
            if image.format == "JPEG":
                # draft() picks the largest DCT scale (1/1..1/8) that still gives >= the requested size.
                scale = QUALITY_EDGE / max(image.size)
                image.draft("L", (max(1, int(image.size[0] * scale)), max(1, int(image.size[1] * scale))))
            gray = _flatten(image).convert("L")
    except ImageRejected:
        raise
    except Exception:
        raise _corrupt() from None
    gray.thumbnail((QUALITY_EDGE, QUALITY_EDGE), Image.Resampling.BILINEAR)
    return quality_of(gray)


def quality_of(gray: Any) -> Quality:
    """The figures for a grayscale ("L") image already scaled to QUALITY_EDGE."""
    from PIL import ImageFilter

    histogram = gray.histogram()
    total = max(1, gray.size[0] * gray.size[1])
    mean = sum(level * count for level, count in enumerate(histogram)) / total
    dark = sum(histogram[: DARK_LEVEL + 1]) / total
    bright = sum(histogram[BRIGHT_LEVEL:]) / total
    return Quality(
        sharpness=round(laplacian_variance(gray, ImageFilter), 2),
        mean_luminance=round(mean, 2),
        dark_fraction=round(dark, 4),
        bright_fraction=round(bright, 4),
    )


def laplacian_variance(gray: Any, image_filter: Any) -> float:
    """Variance of the 4-neighbour Laplacian (the usual focus measure).

    Pillow's kernel filter clamps at 0 even in 32-bit mode, so the kernel adds an offset of 1024
    (the Laplacian of 8-bit data lies in -1020..1020); the offset does not change the variance.
    Border pixels are copied unfiltered by Pillow, so they are cropped away.
    """
    laplacian = gray.convert("I").filter(image_filter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), 1, 1024))
    width, height = laplacian.size
    if width < 3 or height < 3:
        return 0.0
    values = array("i")
    values.frombytes(laplacian.crop((1, 1, width - 1, height - 1)).tobytes())
    count = len(values)
    mean = sum(values) / count
    return float(sum((value - mean) ** 2 for value in values) / count)


def check_quality(quality: Quality) -> None:
    # Exposure first: a very dark photo also has little detail, and "too dark" is the useful advice.
    if quality.mean_luminance < MIN_MEAN_LUMINANCE or quality.dark_fraction > MAX_DARK_FRACTION:
        raise ImageRejected(
            "too_dark",
            "The photo is too dark. Take it again in daylight near a window or under a bright lamp, with no "
            "shadow of the phone or your hand on the skin.",
        )
    if quality.mean_luminance > MAX_MEAN_LUMINANCE or quality.bright_fraction > MAX_BRIGHT_FRACTION:
        raise ImageRejected(
            "overexposed",
            "The photo is overexposed (washed out). Avoid direct sunlight and the flash; use bright, indirect "
            "light and take it again.",
        )
    if quality.sharpness < BLUR_MIN_VARIANCE:
        raise ImageRejected(
            "blurry",
            "The photo is blurred. Hold the phone steady about 15-30 cm from the skin, tap the spot on the "
            "screen to focus, wait a moment and take it again.",
        )


def _normalise(data: bytes, source_format: str, width: int, height: int, quality: Quality) -> ProcessedImage:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data), formats=[source_format]) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)  # a new image: the orientation is now in the pixels
        image = _to_srgb(image)
    except ImageRejected:
        raise
    except Exception:  # truncated or damaged data shows up only when the pixels are decoded
        raise _corrupt() from None
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
    return ImageRejected(
        "too_many_pixels",
        f"The photo has more than {MAX_PIXELS // 1_000_000} megapixels. Use the camera's standard photo "
        "mode (not a 48 MP or panorama setting).",
    )


def _corrupt() -> ImageRejected:
    return ImageRejected(
        "corrupt_image",
        "The file could not be read as a photo (it may be damaged or incomplete). Take or choose it again.",
    )


def _unsupported_message(data: bytes) -> str:
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return (
            "HEIC/HEIF photos cannot be processed yet. Upload through the DermaFollow app (it converts to "
            "JPEG), or set the iPhone camera to 'Most Compatible' under Settings > Camera > Formats."
        )
    return "Only JPEG and PNG photos are accepted. Take the photo with the camera or choose a JPEG or PNG."
