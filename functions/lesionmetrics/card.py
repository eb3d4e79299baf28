"""The reference card: what is printed, how it is found in a photo, and what it tells.

Layout (millimetres, origin top-left of the card, 66 x 28 mm, about a third of a bank card):
an ArUco marker (DICT_4X4_50, id 7) of 20 mm side at (4, 4) with a white quiet zone around it, and
three 10 mm patches at y 9..19: paper white (x 28), mid grey (x 40), reference red (x 52).

- Scale: the marker's four corners (found by OpenCV's maintained `aruco` module, refined to subpixel)
  give the homography card-millimetres -> image pixels. A lesion lying in the card's plane is measured
  through it, so perspective tilt does not bias the area.
- Colour: the patches are sampled on the card rectified through the same homography; one gain per
  channel (through the origin, on linear RGB) maps the observed white and grey onto their nominal
  reflectances: white balance and exposure in one step. The red patch is not used for the fit: its
  erythema index after correction checks the correction (a coloured light a per-channel gain cannot
  model, a misprint), and a check beyond `RED_CHECK_LIMIT_EI` marks the colours uncalibrated.

The nominal reflectances are those of the sRGB values printed on paper of 0.85 reflectance. A card
made by a print shop is measured once (a spectrophotometer reading per patch) and these constants
replaced; an office print is good for the scale and roughly for colour.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

# Loose aliases: OpenCV's stubs type every array as ndarray[Any, integer | floating].
FloatArray = npt.NDArray[Any]  # float64
Image = npt.NDArray[Any]  # uint8 BGR, as OpenCV decodes

CARD_MM = (66.0, 28.0)  # width, height
MARKER_ID = 7
MARKER_DICTIONARY = cv2.aruco.DICT_4X4_50
MARKER_MM = 20.0
MARKER_ORIGIN_MM = (4.0, 4.0)
PATCH_MM = 10.0
PATCH_Y_MM = 9.0
PAPER_REFLECTANCE = 0.85
# Printed sRGB values (R, G, B) of the patches, by name, and their x position on the card.
PATCHES: dict[str, tuple[float, tuple[int, int, int]]] = {
    "white": (28.0, (255, 255, 255)),
    "grey": (40.0, (118, 118, 118)),
    "red": (52.0, (190, 45, 50)),
}
RED_CHECK_LIMIT_EI = 6.0  # erythema-index units; a lesion's redness changes of interest are of this order
CLIPPED = 0.98  # a patch channel at or above this linear value is saturated and not used for the fit
DETECT_EDGE = 2000  # px: markers are looked for on a copy whose long side is at most this (speed on 12 MP)


def srgb_to_linear(values: npt.ArrayLike) -> FloatArray:
    """sRGB-encoded values in 0..1 -> linear light (IEC 61966-2-1)."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(values: npt.ArrayLike) -> FloatArray:
    v = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


_LINEAR_LUT = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)


def linearize(image: Image) -> npt.NDArray[np.float32]:
    """8-bit sRGB (BGR) -> linear float32 (BGR), by table."""
    out: npt.NDArray[np.float32] = _LINEAR_LUT[image]
    return out


def reference_bgr(name: str) -> FloatArray:
    """The nominal linear reflectance (B, G, R) of a patch."""
    r, g, b = PATCHES[name][1]
    return srgb_to_linear(np.array([b, g, r]) / 255.0) * PAPER_REFLECTANCE


def erythema_index(bgr_linear: npt.ArrayLike) -> float:
    """Dawson's erythema index on linear reflectance: 100 * log10(R / G). Haemoglobin absorbs green far
    more than red, so the index rises with redness; a gain common to all channels cancels."""
    v = np.asarray(bgr_linear, dtype=np.float64)
    return float(100.0 * np.log10(max(v[2], 1e-6) / max(v[1], 1e-6)))


def marker_corners_mm() -> FloatArray:
    """The marker's outer corners in card millimetres, in ArUco's order (TL, TR, BR, BL)."""
    x, y = MARKER_ORIGIN_MM
    return np.array([[x, y], [x + MARKER_MM, y], [x + MARKER_MM, y + MARKER_MM], [x, y + MARKER_MM]])


# --- the printable card -------------------------------------------------------------------------------------
def render_card(px_per_mm: float = 600 / 25.4) -> Image:
    """The card as a BGR image (default 600 dpi). The marker comes from OpenCV's generator."""
    width, height = (round(side * px_per_mm) for side in CARD_MM)
    card = np.full((height, width, 3), 255, np.uint8)
    side = round(MARKER_MM * px_per_mm)
    dictionary = cv2.aruco.getPredefinedDictionary(MARKER_DICTIONARY)
    marker = cv2.aruco.generateImageMarker(dictionary, MARKER_ID, side, borderBits=1)
    x0, y0 = (round(v * px_per_mm) for v in MARKER_ORIGIN_MM)
    card[y0:y0 + side, x0:x0 + side] = marker[:, :, None]
    for x_mm, (r, g, b) in PATCHES.values():
        px0, py0 = round(x_mm * px_per_mm), round(PATCH_Y_MM * px_per_mm)
        px1, py1 = round((x_mm + PATCH_MM) * px_per_mm), round((PATCH_Y_MM + PATCH_MM) * px_per_mm)
        card[py0:py1, px0:px1] = (b, g, r)
    # A thin grey frame to cut along, and the printed scale to check with a ruler.
    cv2.rectangle(card, (0, 0), (width - 1, height - 1), (160, 160, 160), max(1, round(0.2 * px_per_mm)))
    cv2.putText(card, f"{MARKER_MM:.0f} mm", (x0, height - round(1.2 * px_per_mm)), cv2.FONT_HERSHEY_SIMPLEX,
                0.09 * px_per_mm / 10 * 2.2, (90, 90, 90), max(1, round(0.15 * px_per_mm)), cv2.LINE_AA)
    return card


def card_png(dpi: int = 600) -> bytes:
    """The card as PNG, with its print resolution recorded (pHYs) so it prints at true size."""
    ok, encoded = cv2.imencode(".png", render_card(dpi / 25.4))
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image as PNG
        raise RuntimeError("PNG encoding failed")
    data = encoded.tobytes()
    ppm = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    ihdr_end = 8 + 8 + 13 + 4  # signature, IHDR length+type, IHDR data, CRC
    return data[:ihdr_end] + chunk + data[ihdr_end:]


def card_pdf(dpi: int = 600) -> bytes:
    """An A4 page with the card at true size (66 x 28 mm) and a line saying how to print it."""
    card = render_card(dpi / 25.4)
    height, width = card.shape[:2]
    pixels = zlib.compress(np.ascontiguousarray(card[:, :, ::-1]).tobytes(), 9)
    pt = 72 / 25.4
    w_pt, h_pt = CARD_MM[0] * pt, CARD_MM[1] * pt
    x_pt, y_pt = 25 * pt, 297 * pt - 40 * pt - h_pt
    text = "Print at 100% (no scaling). The black square must measure 20 mm."
    content = (f"q {w_pt:.3f} 0 0 {h_pt:.3f} {x_pt:.3f} {y_pt:.3f} cm /Card Do Q\n"
               f"BT /F1 10 Tf {x_pt:.3f} {y_pt - 20:.3f} Td ({text}) Tj ET\n").encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.276 841.890] /Contents 4 0 R "
         b"/Resources << /XObject << /Card 5 0 R >> /Font << /F1 6 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 "
         b"/Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(pixels)) + pixels + b"\nendstream"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- finding it in a photo ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColourCorrection:
    gains: FloatArray  # per channel (B, G, R), applied to linear values
    red_check_ei: float  # corrected red patch EI minus its nominal EI
    reliable: bool

    def apply(self, bgr_linear: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        out: npt.NDArray[np.float32] = bgr_linear * self.gains.astype(np.float32)
        return out


@dataclass(frozen=True)
class CardReading:
    card_to_image: FloatArray  # 3x3 homography: card millimetres -> image pixels
    corners_px: FloatArray  # the marker's corners in the image (TL, TR, BR, BL)
    mm_per_px: float  # at the marker, for display; areas go through the homography
    colour: ColourCorrection | None  # None when a patch is outside the photo

    def mm2_per_px(self, image_point: tuple[float, float]) -> float:
        """Square millimetres per square image pixel at a point of the card's plane."""
        return float(1.0 / abs(jacobian_det(self.card_to_image, map_points(np.linalg.inv(self.card_to_image),
                                                                          [image_point])[0])))


def map_points(homography: FloatArray, points: npt.ArrayLike) -> FloatArray:
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    out: FloatArray = cv2.perspectiveTransform(pts.reshape(-1, 1, 2), homography).reshape(-1, 2)
    return out


def jacobian_det(homography: FloatArray, point: npt.ArrayLike) -> float:
    """Local area scale of a homography at a point (output area per input area)."""
    h = homography
    x, y = np.asarray(point, dtype=np.float64)
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    u = (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w
    v = (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w
    j = np.array([[h[0, 0] - u * h[2, 0], h[0, 1] - u * h[2, 1]],
                  [h[1, 0] - v * h[2, 0], h[1, 1] - v * h[2, 1]]]) / w
    return float(np.linalg.det(j))


def _detector() -> cv2.aruco.ArucoDetector:
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    return cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(MARKER_DICTIONARY), params)


def detect_card(image: Image) -> CardReading | None:
    """The card in a BGR photo, or None when its marker is not seen."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, DETECT_EDGE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    corners, ids, _ = _detector().detectMarkers(small)
    if ids is None:
        return None
    found = [c.reshape(4, 2) for c, i in zip(corners, ids.ravel(), strict=True) if int(i) == MARKER_ID]
    if not found:
        return None
    pts = (found[0] / scale).astype(np.float32).reshape(-1, 1, 2)
    if scale < 1:  # refine on the full-resolution picture
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.01)
        pts = cv2.cornerSubPix(gray, pts, (5, 5), (-1, -1), criteria)
    corners_px = pts.reshape(4, 2).astype(np.float64)
    card_to_image = cv2.getPerspectiveTransform(marker_corners_mm().astype(np.float32),
                                                corners_px.astype(np.float32)).astype(np.float64)
    centre_mm = marker_corners_mm().mean(axis=0)
    mm_per_px = float(np.sqrt(1.0 / abs(jacobian_det(card_to_image, centre_mm))))
    return CardReading(card_to_image, corners_px, mm_per_px, _colour_correction(image, card_to_image))


def _colour_correction(image: Image, card_to_image: FloatArray) -> ColourCorrection | None:
    height, width = image.shape[:2]
    card_outline = map_points(card_to_image, [[PATCHES["white"][0], PATCH_Y_MM], [CARD_MM[0] - 4, PATCH_Y_MM],
                                              [CARD_MM[0] - 4, PATCH_Y_MM + PATCH_MM],
                                              [PATCHES["white"][0], PATCH_Y_MM + PATCH_MM]])
    margin = 2.0
    if (card_outline < margin).any() or (card_outline[:, 0] > width - margin).any() \
            or (card_outline[:, 1] > height - margin).any():
        return None
    per_mm = 6.0  # rectified sampling resolution: 60 px per patch side
    to_rectified = np.diag([per_mm, per_mm, 1.0]) @ np.linalg.inv(card_to_image)
    rectified = cv2.warpPerspective(image, to_rectified, (round(CARD_MM[0] * per_mm), round(CARD_MM[1] * per_mm)),
                                    flags=cv2.INTER_AREA)
    observed: dict[str, FloatArray] = {}
    inset = 2.5  # mm inside each patch edge: away from print bleed and blur
    for name, (x_mm, _) in PATCHES.items():
        x0, x1 = round((x_mm + inset) * per_mm), round((x_mm + PATCH_MM - inset) * per_mm)
        y0, y1 = round((PATCH_Y_MM + inset) * per_mm), round((PATCH_Y_MM + PATCH_MM - inset) * per_mm)
        observed[name] = np.median(linearize(rectified[y0:y1, x0:x1]).reshape(-1, 3), axis=0).astype(np.float64)
    gains = np.zeros(3)
    for channel in range(3):
        pairs = [(observed[n][channel], reference_bgr(n)[channel]) for n in ("white", "grey")
                 if observed[n][channel] < CLIPPED]
        if not pairs or sum(o * o for o, _ in pairs) <= 1e-9:
            return None
        gains[channel] = sum(o * r for o, r in pairs) / sum(o * o for o, _ in pairs)
    check = erythema_index(observed["red"] * gains) - erythema_index(reference_bgr("red"))
    return ColourCorrection(gains, float(check), abs(check) <= RED_CHECK_LIMIT_EI)
