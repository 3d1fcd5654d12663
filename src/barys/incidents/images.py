"""Photo metadata: detect and remove GPS positions before a copy is served.

Originals stay untouched in the file store; people not allowed exact locations get a derived
copy without the EXIF GPS directory, the maker note, XMP packets and comments. Derived copies
are cached under ``DERIVED_DIR/incidents/no-gps/`` and can be rebuilt at any time.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from PIL import Image, UnidentifiedImageError

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
MAKER_NOTE = 0x927C
#: Formats written back as they came; others are converted to PNG.
KEPT_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class NotAnImage(ValueError):
    """The bytes are not an image Pillow can read."""


def has_gps(data: bytes) -> bool:
    """Does the image carry a GPS position in its EXIF (or GPS text in XMP)?"""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            if exif.get_ifd(GPS_IFD):
                return True
            xmp = image.info.get("xmp") or b""
            if isinstance(xmp, str):
                xmp = xmp.encode()
            return b"GPSLatitude" in xmp or b"GPSLongitude" in xmp
    except (UnidentifiedImageError, OSError, ValueError):
        return False


def strip_gps(data: bytes) -> tuple[bytes, str]:
    """A copy of the image without GPS and free-text metadata; returns (bytes, content type)."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise NotAnImage("not a readable image") from exc
    exif = image.getexif()
    exif.pop(GPS_IFD, None)
    exif_ifd = exif.get_ifd(EXIF_IFD)
    exif_ifd.pop(MAKER_NOTE, None)
    exif_bytes = exif.tobytes()
    fmt = image.format if image.format in KEPT_FORMATS else "PNG"
    image.info = {}
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=92, exif=exif_bytes)
    elif fmt == "WEBP":
        image.save(out, format="WEBP", quality=92, exif=exif_bytes)
    else:
        if image.mode not in {"RGB", "RGBA", "L", "LA", "P", "I", "I;16"}:
            image = image.convert("RGBA")
        image.save(out, format="PNG", exif=exif_bytes)
    image.close()
    return out.getvalue(), KEPT_FORMATS.get(fmt, "image/png")


def cached_copy_without_gps(sha256: str, data_loader: Callable[[], bytes]) -> tuple[Path, str]:
    """The derived no-GPS copy of a stored photo, made once and kept on disk."""
    folder = Path(settings.DERIVED_DIR) / "incidents" / "no-gps"
    for ext, kind in ((".jpg", "image/jpeg"), (".png", "image/png"), (".webp", "image/webp")):
        path = folder / f"{sha256}{ext}"
        if path.exists():
            return path, kind
    cleaned, kind = strip_gps(data_loader())
    ext = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}[kind]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256}{ext}"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(cleaned)
    os.replace(tmp, target)
    return target, kind
