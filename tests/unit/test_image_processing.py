"""The server-side photo gate on generated images: every rule, metadata stripping, orientation."""

from __future__ import annotations

import hashlib
import io
import time

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from functions.images.processing import MAX_PIXELS, ImageRejected, process_image
from tests.support.images import (
    HEIC_HEADER,
    blurry_jpeg,
    dark_jpeg,
    encode,
    jpeg_with_header_dims,
    overexposed_jpeg,
    phone_jpeg,
    png_header_only,
    skin_closeup,
    textured,
)


def rejected(data: bytes, content_type: str = "image/jpeg") -> ImageRejected:
    with pytest.raises(ImageRejected) as raised:
        process_image(data, content_type)
    return raised.value


def test_a_good_jpeg_gives_three_renditions_and_a_checksum() -> None:
    result = process_image(phone_jpeg(2400, 1800, gps=False), "image/jpeg")
    assert (result.width, result.height, result.source_format) == (2400, 1800, "JPEG")
    sizes = {r.name: (r.width, r.height) for r in result.renditions}
    assert sizes == {"full": (2400, 1800), "display": (1920, 1440), "thumb": (320, 240)}
    assert result.sha256 == hashlib.sha256(result.full.data).hexdigest()
    for rendition in result.renditions:
        assert Image.open(io.BytesIO(rendition.data)).format == "JPEG"


def test_a_good_png_is_accepted_and_becomes_jpeg() -> None:
    result = process_image(encode(textured(1000, 800), "PNG"), "image/png")
    assert result.source_format == "PNG"
    assert Image.open(io.BytesIO(result.full.data)).format == "JPEG"


def test_portrait_800x600_minimum_either_way() -> None:
    assert process_image(encode(textured(600, 800)), "image/jpeg").height == 800


@pytest.mark.parametrize(("width", "height"), [(640, 480), (799, 600), (800, 599), (300, 3000)])
def test_too_small(width: int, height: int) -> None:
    assert rejected(encode(textured(width, height))).code == "too_small"


def test_gps_and_every_other_exif_field_are_gone() -> None:
    source = phone_jpeg(gps=True)
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825), "the test photo must carry GPS"
    result = process_image(source, "image/jpeg")
    for rendition in result.renditions:
        output = Image.open(io.BytesIO(rendition.data))
        assert len(output.getexif()) == 0
        assert not {"exif", "icc_profile", "xmp", "comment", "dpi"} & set(output.info)
        assert b"Exif\x00\x00" not in rendition.data and b"PhoneCam" not in rendition.data


def test_orientation_is_applied_to_the_pixels() -> None:
    # Left half red, right half blue; EXIF 6 means "rotate 90 degrees clockwise to display".
    image = Image.new("RGB", (1200, 900), (200, 30, 30))
    image.paste(Image.new("RGB", (600, 900), (30, 30, 200)), (600, 0))
    noisy = Image.blend(image, Image.effect_noise((1200, 900), 60).convert("RGB"), 0.2)
    exif = Image.Exif()
    exif[0x0112] = 6
    result = process_image(encode(noisy, exif=exif), "image/jpeg")
    assert (result.width, result.height) == (900, 1200)
    full = Image.open(io.BytesIO(result.full.data)).convert("RGB")
    top, bottom = full.getpixel((450, 100)), full.getpixel((450, 1100))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > top[2], "the left (red) half must be on top after a clockwise turn"
    assert bottom[2] > bottom[0]


def test_png_text_chunks_and_icc_profiles_are_dropped() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "48.8582 N, 2.2945 E")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process_image(encode(textured(1000, 800), "PNG", pnginfo=info, icc_profile=icc), "image/png")
    assert b"48.8582" not in result.full.data
    assert "icc_profile" not in Image.open(io.BytesIO(result.full.data)).info


def test_transparent_png_is_flattened_on_white() -> None:
    image = textured(1000, 800).convert("RGBA")
    image.putalpha(255)
    image.paste((0, 0, 0, 0), (0, 0, 100, 100))
    result = process_image(encode(image, "PNG"), "image/png")
    corner = Image.open(io.BytesIO(result.full.data)).convert("RGB").getpixel((10, 10))
    assert isinstance(corner, tuple) and min(corner) > 240


@pytest.mark.parametrize("data", [png_header_only(20_000, 20_000), png_header_only(7_000, 6_000)],
                         ids=["beyond-pillow-limit", "beyond-our-40MP"])
def test_decompression_bomb_png_is_refused_from_the_header(data: bytes) -> None:
    started = time.perf_counter()
    assert rejected(data, "image/png").code == "too_many_pixels"
    assert time.perf_counter() - started < 0.5, "the pixel cap must act before any decode"
    assert len(data) < 200


def test_decompression_bomb_jpeg_is_refused_from_the_header() -> None:
    data = jpeg_with_header_dims(8_000, 6_000)
    assert MAX_PIXELS < 8_000 * 6_000
    assert rejected(data).code == "too_many_pixels"


def test_blurred_photo() -> None:
    error = rejected(blurry_jpeg())
    assert error.code == "blurry"
    assert "steady" in error.message  # actionable, not just "bad photo"


def test_sharp_smooth_skin_passes_and_its_blurred_copy_does_not() -> None:
    """Skin has little fine detail even in focus: the gate must not refuse it for that."""
    assert process_image(skin_closeup(), "image/jpeg").quality.sharpness > 8
    assert rejected(skin_closeup(blur=3)).code == "blurry"  # 3 px at 2000 px wide: ~6 px on a 12 MP photo


def test_dark_photo() -> None:
    error = rejected(dark_jpeg())
    assert error.code == "too_dark"
    assert "light" in error.message


def test_overexposed_photo() -> None:
    assert rejected(overexposed_jpeg()).code == "overexposed"


def test_declared_type_must_match_the_bytes() -> None:
    assert rejected(encode(textured(1000, 800), "PNG"), "image/jpeg").code == "content_type_mismatch"
    assert rejected(encode(textured(1000, 800)), "image/png").code == "content_type_mismatch"


@pytest.mark.parametrize("data", [b"%PDF-1.7 not an image" * 10, b"", encode(textured(1000, 800), "GIF"),
                                  encode(textured(1000, 800), "WEBP")], ids=["pdf", "empty", "gif", "webp"])
def test_non_images_and_other_formats(data: bytes) -> None:
    assert rejected(data).code in ("unsupported_format", "corrupt_image")


def test_heic_gets_its_own_explanation() -> None:
    error = rejected(HEIC_HEADER)
    assert error.code == "unsupported_format"
    assert "HEIC" in error.message


def test_unsupported_declared_type() -> None:
    assert rejected(phone_jpeg(), "image/heic").code == "unsupported_format"


def test_truncated_jpeg_is_corrupt() -> None:
    data = phone_jpeg(gps=False)
    assert rejected(data[: len(data) // 2]).code == "corrupt_image"


# --- the measurement both gates make (docs/photos.md) ---------------------------------------------
def test_grey_is_the_shared_luma_formula_unrounded() -> None:
    from functions.images.rules import LUMA_WEIGHTS

    pixel = (10, 200, 77)
    grey = Image.new("RGB", (1, 1), pixel).convert("F").getpixel((0, 0))
    assert grey == pytest.approx(sum(w * c for w, c in zip(LUMA_WEIGHTS, pixel, strict=True)) / 1000, abs=1e-4)


def test_the_measured_copy_is_the_plain_block_mean_over_whole_blocks() -> None:
    from functions.images.processing import laplacian_variance, measure_quality

    # 1283 x 6: k = ceil(1283 / 640) = 3, a 427 x 2 copy; the last 2 columns are left out.
    image = textured(1283, 6)
    pixels = image.load()
    assert pixels is not None
    k, width, height = 3, 427, 2
    blocks = [[sum(
        sum(w * c for w, c in zip((299, 587, 114), pixels[bx * k + dx, by * k + dy], strict=True)) / 1000
        for dx in range(k) for dy in range(k)) / (k * k) for bx in range(width)] for by in range(height)]
    expected_mean = sum(map(sum, blocks)) / (width * height)
    quality = measure_quality(image)
    assert quality.mean_luminance == pytest.approx(expected_mean, abs=0.006)
    # Two rows have no interior: the Laplacian needs four neighbours.
    assert quality.sharpness == 0.0
    assert laplacian_variance(Image.new("F", (2, 9))) == 0.0


def test_the_laplacian_variance_of_a_single_bright_pixel() -> None:
    from functions.images.processing import laplacian_variance

    grey = Image.new("F", (5, 5), 0.0)
    grey.putpixel((2, 2), 100.0)
    values = [-400, 100, 100, 100, 100, 0, 0, 0, 0]  # the 3 x 3 interior
    mean = sum(values) / 9
    assert laplacian_variance(grey) == pytest.approx(sum((v - mean) ** 2 for v in values) / 9)


def test_messages_come_from_the_shared_rules() -> None:
    from functions.images.rules import RULES

    assert rejected(encode(textured(700, 500))).message == RULES["messages"]["too_small"].format(
        width=700, height=500, minLongSide=800, minShortSide=600)
