"""A fast reader of plain JPEG headers: frame size and the few EXIF tags a card ingest needs.

A camera card is thousands of well-formed JPEGs from one camera; for them this reader does
in one small read what Pillow does with several (Pillow also parses the EXIF twice). It is
deliberately strict: anything that is not the plain case — fill bytes, junk between
markers, an unusual frame, several EXIF segments, a multi-picture file, an EXIF entry
pointing outside its segment, an unexpected type for a wanted tag, no start of scan in the
first 256 KiB — gives ``None``, and the caller reads the file with Pillow, which then
reports whatever is wrong in its own words. On the plain case the two readers agree value
for value (tested on the reference images).

Values are returned as Pillow's EXIF API returns them: ASCII as text (one trailing NUL
dropped, Latin-1), UNDEFINED as bytes, a single SHORT or LONG as an int.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import TiffTags

__all__ = ["HEAD_BYTES", "JpegHeader", "read_plain_jpeg"]

HEAD_BYTES = 1 << 18

#: IFD0 tags wanted: Make, Model, Orientation, Software, the Exif IFD pointer.
IFD0_TAGS = frozenset({0x010F, 0x0110, 0x0112, 0x0131, 0x8769})
#: Exif IFD tags wanted: DateTimeOriginal, OffsetTimeOriginal, UserComment, MakerNote,
#: BodySerialNumber.
EXIF_TAGS = frozenset({0x9003, 0x9011, 0x9286, 0x927C, 0xA431})
_EXIF_POINTER = 0x8769
_X_RESOLUTION = 0x011A

# TIFF field types and their sizes in bytes.
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
# Markers Pillow reads without surprises before the start of scan (APPn, DQT, DHT, DRI, COM).
_PLAIN_MARKERS = frozenset({*range(0xE0, 0xF0), 0xDB, 0xC4, 0xDD, 0xFE})
# Baseline, extended sequential and progressive Huffman frames.
_FRAME_MARKERS = frozenset({0xC0, 0xC1, 0xC2})


class _NotPlain(Exception):
    """The header is not the plain case; Pillow reads the file instead."""


@dataclass(frozen=True, slots=True)
class JpegHeader:
    """What the header of a plain JPEG holds.

    Attributes:
        width: frame width in pixels.
        height: frame height in pixels.
        ifd0: the wanted IFD0 tags present, by tag number.
        exif: the wanted Exif IFD tags present, by tag number.
        ends_with_eoi: the file's last two bytes are the end-of-image marker (``False``
            does not prove a truncation: some cameras append data after the marker).
    """

    width: int
    height: int
    ifd0: dict[int, object]
    exif: dict[int, object]
    ends_with_eoi: bool


def read_plain_jpeg(path: Path) -> JpegHeader | None:
    """The header of ``path`` if it is a plain JPEG, else ``None`` (see the module doc).

    Raises:
        OSError: the file cannot be opened or read.
    """
    with Path(path).open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        try:
            width, height, exif_segment, scan_end = _segments(head)
        except (_NotPlain, IndexError, struct.error):
            return None
        size = handle.seek(0, 2)
        ends_with_eoi = False
        if size >= scan_end + 2:
            handle.seek(size - 2)
            ends_with_eoi = handle.read(2) == b"\xff\xd9"
    if exif_segment is None:
        return JpegHeader(width, height, {}, {}, ends_with_eoi)
    try:
        ifd0, exif = _tiff_tags(exif_segment)
    except (_NotPlain, IndexError, struct.error):
        return None
    return JpegHeader(width, height, ifd0, exif, ends_with_eoi)


def _segments(head: bytes) -> tuple[int, int, bytes | None, int]:
    """Frame size, the EXIF segment's TIFF data and the offset past the scan header."""
    if not head.startswith(b"\xff\xd8"):
        raise _NotPlain
    position = 2
    size: tuple[int, int] | None = None
    exif: bytes | None = None
    while True:
        if head[position] != 0xFF:
            raise _NotPlain
        marker = head[position + 1]
        length = int.from_bytes(head[position + 2 : position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > len(head):
            raise _NotPlain
        body = head[position + 4 : end]
        if marker == 0xDA:
            if size is None:
                raise _NotPlain
            return size[0], size[1], exif, end
        if marker in _FRAME_MARKERS:
            # Precision, height, width, components; Pillow handles 8-bit L, RGB and CMYK.
            if size is not None or body[0] != 8 or body[5] not in (1, 3, 4):
                raise _NotPlain
            if (len(body) - 6) % 3:
                raise _NotPlain  # Pillow reads the components three bytes at a time
            height, width = struct.unpack_from(">HH", body, 1)
            size = (width, height)
        elif marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            if exif is not None:
                raise _NotPlain  # Pillow joins several EXIF segments
            exif = body[6:]
        elif marker == 0xE2 and body.startswith(b"MPF\x00"):
            raise _NotPlain  # a multi-picture file: Pillow names it MPO
        elif marker == 0xDB:
            _check_quantization_tables(body)
        elif marker not in _PLAIN_MARKERS or _short_app_segment(marker, body):
            raise _NotPlain
        position = end


def _check_quantization_tables(body: bytes) -> None:
    """A DQT segment holds whole tables of 64 one- or two-byte values, as Pillow insists."""
    offset = 0
    while offset < len(body):
        precision = 1 if body[offset] < 16 else 2
        offset += 1 + 64 * precision
        if offset > len(body):
            raise _NotPlain


def _short_app_segment(marker: int, body: bytes) -> bool:
    """An application segment that lacks fields Pillow reads from it (JFIF, ICC profile,
    Adobe, Photoshop resource blocks)."""
    if marker == 0xE0 and body.startswith(b"JFIF"):
        return len(body) < 7
    if marker == 0xE2 and body.startswith(b"ICC_PROFILE\x00"):
        return len(body) < 14
    if marker == 0xEE and body.startswith(b"Adobe"):
        return len(body) < 7
    if marker == 0xED and body.startswith(b"Photoshop 3.0\x00"):
        return _resource_name_missing(body)
    return False


def _resource_name_missing(body: bytes) -> bool:
    """Whether Photoshop's resource blocks end where a resource name's length should be:
    Pillow stops quietly at any other short block, but not there."""
    offset = 14
    while body[offset : offset + 4] == b"8BIM":
        offset += 6
        if offset > len(body):
            return False
        if offset == len(body):
            return True
        offset += 1 + body[offset]
        offset += offset & 1
        if offset + 4 > len(body):
            return False
        size = int.from_bytes(body[offset : offset + 4], "big")
        offset += 4 + size
        offset += offset & 1
    return False


def _tiff_tags(tiff: bytes) -> tuple[dict[int, object], dict[int, object]]:
    order = tiff[:2]
    if order == b"II":
        endian = "<"
    elif order == b"MM":
        endian = ">"
    else:
        raise _NotPlain
    magic, first = struct.unpack_from(endian + "HL", tiff, 2)
    if magic != 42:
        raise _NotPlain
    ifd0 = _ifd(tiff, first, endian, IFD0_TAGS)
    pointer = ifd0.pop(_EXIF_POINTER, None)
    if pointer is None:
        return ifd0, {}
    if not isinstance(pointer, int):
        raise _NotPlain
    return ifd0, _ifd(tiff, pointer, endian, EXIF_TAGS, _EXIF_POINTER)


def _ifd(
    tiff: bytes, offset: int, endian: str, wanted: frozenset[int], group: int | None = None
) -> dict[int, object]:
    """The wanted tags of the IFD at ``offset``; every entry's data must lie in ``tiff``."""
    (count,) = struct.unpack_from(endian + "H", tiff, offset)
    if offset + 2 + 12 * count + 4 > len(tiff):
        raise _NotPlain  # Pillow also reads the next IFD's offset
    values: dict[int, object] = {}
    seen: set[int] = set()
    entry = struct.Struct(endian + "HHL4s")
    out_of_line = 0
    for index in range(count):
        tag, kind, number, inline = entry.unpack_from(tiff, offset + 2 + 12 * index)
        unit = _TYPE_SIZES.get(kind)
        if unit is None or tag in seen or number == 0:
            raise _NotPlain  # Pillow skips such entries, or keeps a repeated tag's first
        seen.add(tag)
        if group is None and tag == _X_RESOLUTION and kind in (1, 2, 7):
            raise _NotPlain  # Pillow's reading of the resolution fails on bytes or text
        if number > 1 and kind not in (1, 2, 7) and TiffTags.lookup(tag, group).length == 1:
            raise _NotPlain  # Pillow warns of too many entries and keeps the first
        size = unit * number
        if size > 4:
            (at,) = struct.unpack(endian + "L", inline)
            out_of_line += size
            if at + size > len(tiff) or out_of_line > len(tiff):
                raise _NotPlain  # Pillow skips the tag, with a warning
            data = tiff[at : at + size]
        else:
            data = inline[:size]
        if tag in wanted:
            values[tag] = _value(kind, number, data, endian)
    return values


def _value(kind: int, number: int, data: bytes, endian: str) -> object:
    if kind == 2:
        if data.endswith(b"\x00"):
            data = data[:-1]
        return data.decode("latin-1", "replace")
    if kind == 7:
        return data
    if kind == 3 and number == 1:
        return struct.unpack(endian + "H", data)[0]
    if kind == 4 and number == 1:
        return struct.unpack(endian + "L", data)[0]
    raise _NotPlain
