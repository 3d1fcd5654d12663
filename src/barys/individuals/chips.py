"""Chips (the annotated box cut out of the original image), frames for the browser, and the
match picture of the review page.

Originals come from the content-addressed file store and are never modified. What goes to a
browser is re-encoded by Pillow without any metadata, so no EXIF (GPS included) leaves the
server. Chips served to browsers are cached under ``DERIVED_DIR/individuals`` (derived,
rebuildable files).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from django.conf import settings
from PIL import Image

from barys.core import filestore, roles
from barys.individuals.errors import NotFound
from barys.individuals.models import Annotation

Image.MAX_IMAGE_PIXELS = 200_000_000
#: Longest side (pixels) of chips sent to browsers.
CHIP_SIDE = 700
#: Longest side (pixels) of whole frames sent to browsers.
FRAME_SIDE = 1600


def open_original(media: Any) -> Image.Image:
    """The medium's original image as RGB (raises :class:`NotFound` without a stored file)."""
    if not media.file_id:
        raise NotFound("the medium has no stored original")
    try:
        with filestore.open_stored(media.file_id) as handle:
            image = Image.open(handle)
            image.load()
    except FileNotFoundError:
        raise NotFound("the original file is missing from the file store") from None
    return image.convert("RGB")


def pixel_box(
    box: tuple[float, float, float, float], size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """Normalised ``(x, y, w, h)`` → pixel ``(x0, y0, x1, y1)`` inside an image of ``size``
    ``(width, height)``, at least one pixel wide and high."""
    width, height = size
    x, y, w, h = box
    x0 = min(max(int(round(x * width)), 0), width - 1)
    y0 = min(max(int(round(y * height)), 0), height - 1)
    x1 = min(max(int(round((x + w) * width)), x0 + 1), width)
    y1 = min(max(int(round((y + h) * height)), y0 + 1), height)
    return x0, y0, x1, y1


def chip_image(annotation: Annotation, original: Image.Image | None = None) -> Image.Image:
    """The annotated box cut from the original at full resolution (RGB)."""
    image = original if original is not None else open_original(annotation.media)
    return image.crop(pixel_box(annotation.bbox, image.size))


def chip_array(annotation: Annotation, original: Image.Image | None = None) -> np.ndarray:
    """:func:`chip_image` as an RGB ``uint8`` array (what the re-identification engine takes)."""
    return np.asarray(chip_image(annotation, original))


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)  # no exif= : none kept
    return buffer.getvalue()


def _shrink(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def _cache_dir() -> Path:
    return Path(settings.DERIVED_DIR) / "individuals" / "chips"


def _chip_key(annotation: Annotation) -> str:
    text = f"{annotation.media.file_id}|{annotation.bbox}|{CHIP_SIDE}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def chip_jpeg(annotation: Annotation) -> bytes:
    """The chip for browsers: at most :data:`CHIP_SIDE` pixels, JPEG without metadata."""
    key = _chip_key(annotation)
    path = _cache_dir() / key[:2] / f"{key}.jpg"
    if path.exists():
        return path.read_bytes()
    data = _jpeg(_shrink(chip_image(annotation), CHIP_SIDE))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".chip-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, path)
    return data


def frame_jpeg(media: Any) -> bytes:
    """The whole frame for browsers: at most :data:`FRAME_SIDE` pixels, no metadata."""
    return _jpeg(_shrink(open_original(media), FRAME_SIDE))


def chip_size(annotation: Annotation) -> tuple[int, int]:
    """Full-resolution chip size ``(width, height)`` in pixels (matches are in these units)."""
    media = annotation.media
    if media.width and media.height:
        size = (int(media.width), int(media.height))
    else:
        with filestore.open_stored(media.file_id) as handle:
            size = Image.open(handle).size
    x0, y0, x1, y1 = pixel_box(annotation.bbox, size)
    return x1 - x0, y1 - y0


# -- who may see which picture ----------------------------------------------------------------


def _in_scope(user: Any, annotation: Annotation) -> bool:
    scope = annotation.media.deployment.station.scope_code or None
    return roles.has_role(user, "observer", scope)


def may_view_chip(user: Any, annotation: Annotation) -> bool:
    """Chips are crops of the animal, re-encoded without metadata. Staff of the station's
    area see every chip; researchers anywhere see chips (to compare candidates across parks)
    and the public sees reference chips of identified animals — except chips from a medium
    with a person on it, which stay with the area's staff."""
    if _in_scope(user, annotation):
        return True
    if annotation.media.person_present:
        return False
    if roles.has_role_anywhere(user, "researcher"):
        return True
    return annotation.is_reference and annotation.individual_id is not None


def may_view_frame(user: Any, annotation: Annotation) -> bool:
    """Whole frames: staff of the station's area, or media marked public without people."""
    if _in_scope(user, annotation):
        return True
    media = annotation.media
    return bool(media.file_public) and not media.person_present


# -- match picture --------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchPicture:
    """An SVG showing the query chip beside a candidate chip with lines between matched
    keypoints. Coordinates are full-resolution chip pixels; the chips are scaled to a
    common height."""

    svg: str
    lines: int


def match_svg(
    *,
    query_url: str,
    query_size: tuple[int, int],
    candidate_url: str,
    candidate_size: tuple[int, int],
    matches: list[list[float]],
    title: str,
    max_lines: int = 80,
    height: int = 300,
) -> MatchPicture:
    """Side-by-side chips with up to ``max_lines`` match lines (strongest first as given)."""
    qw, qh = max(query_size[0], 1), max(query_size[1], 1)
    cw, ch = max(candidate_size[0], 1), max(candidate_size[1], 1)
    qs, cs = height / qh, height / ch
    gap = 16
    q_width, c_width = qw * qs, cw * cs
    total = q_width + gap + c_width
    lines = []
    for row in matches[:max_lines]:
        if len(row) < 4:
            continue
        x1, y1 = row[0] * qs, row[1] * qs
        x2, y2 = q_width + gap + row[2] * cs, row[3] * cs
        lines.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
            f'<circle cx="{x1:.1f}" cy="{y1:.1f}" r="2.5"/><circle cx="{x2:.1f}" cy="{y2:.1f}" r="2.5"/>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="match-svg" viewBox="0 0 {total:.0f} '
        f'{height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">'
        f"<title>{escape(title)}</title>"
        f'<image href="{escape(query_url)}" x="0" y="0" width="{q_width:.1f}" height="{height}" '
        f'preserveAspectRatio="none"/>'
        f'<image href="{escape(candidate_url)}" x="{q_width + gap:.1f}" y="0" '
        f'width="{c_width:.1f}" height="{height}" preserveAspectRatio="none"/>'
        f'<g class="match-lines" stroke="#f2b705" stroke-width="1.2" fill="#f2b705" '
        f'stroke-opacity="0.85">{"".join(lines)}</g></svg>'
    )
    return MatchPicture(svg, len(lines))
