"""Removing GPS positions from JPEG metadata without touching the image data.

:func:`strip_gps` empties the EXIF GPS directory in place (its entries and the values they
point to are overwritten with zeros, so the file keeps its length and every other byte) and
drops XMP packets that mention GPS. If the EXIF block cannot be parsed safely it is removed
as a whole. The compressed image data are never decoded or re-encoded.
"""

from __future__ import annotations

import struct

__all__ = ["has_gps", "strip_gps"]

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_GPS_TAG = 0x8825


class _Unsafe(Exception):
    """The EXIF block is not what it claims; remove it entirely."""


def _segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of the segments before the image data; end excludes the next."""
    if not data.startswith(b"\xff\xd8"):
        return []
    found: list[tuple[int, int, int]] = []
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            break
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: metadata is over
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > len(data):
            break
        found.append((marker, position, end))
        position = end
    return found


def _empty_gps_ifd(tiff: bytearray) -> bool:
    """Empty the GPS IFD of a TIFF block in place; True if there was one."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        raise _Unsafe
    order = "<" if tiff[:2] == b"II" else ">"
    if struct.unpack_from(order + "H", tiff, 2)[0] != 42:
        raise _Unsafe
    ifd0 = struct.unpack_from(order + "I", tiff, 4)[0]
    if ifd0 + 2 > len(tiff):
        raise _Unsafe
    count = struct.unpack_from(order + "H", tiff, ifd0)[0]
    if ifd0 + 2 + 12 * count > len(tiff):
        raise _Unsafe
    for index in range(count):
        entry = ifd0 + 2 + 12 * index
        tag = struct.unpack_from(order + "H", tiff, entry)[0]
        if tag != _GPS_TAG:
            continue
        gps = struct.unpack_from(order + "I", tiff, entry + 8)[0]
        if gps + 2 > len(tiff):
            raise _Unsafe
        entries = struct.unpack_from(order + "H", tiff, gps)[0]
        if gps + 2 + 12 * entries + 4 > len(tiff):
            raise _Unsafe
        for k in range(entries):
            at = gps + 2 + 12 * k
            kind, number = struct.unpack_from(order + "HI", tiff, at + 2)
            size = _TYPE_SIZES.get(kind, 0) * number
            if size > 4:
                offset = struct.unpack_from(order + "I", tiff, at + 8)[0]
                if offset + size > len(tiff):
                    raise _Unsafe
                tiff[offset : offset + size] = bytes(size)
        tiff[gps : gps + 2 + 12 * entries + 4] = bytes(2 + 12 * entries + 4)
        return True
    return False


def strip_gps(data: bytes) -> bytes:
    """The JPEG ``data`` without GPS positions (unchanged if it has none or is not a JPEG)."""
    segments = _segments(data)
    if not segments:
        return data
    out = bytearray(data)
    drop: list[tuple[int, int]] = []
    for marker, start, end in segments:
        if marker != 0xE1:
            continue
        payload_start = start + 4
        payload = data[payload_start:end]
        if payload.startswith(b"Exif\x00\x00"):
            tiff = bytearray(payload[6:])
            try:
                if _empty_gps_ifd(tiff):
                    out[payload_start + 6 : end] = tiff
            except (_Unsafe, struct.error):
                drop.append((start, end))
        elif b"GPS" in payload and payload.startswith(b"http://ns.adobe.com/xap/"):
            drop.append((start, end))
    for start, end in sorted(drop, reverse=True):
        del out[start:end]
    return bytes(out)


def has_gps(data: bytes) -> bool:
    """Whether the JPEG ``data`` hold a non-empty EXIF GPS directory or an XMP GPS mention."""
    for marker, start, end in _segments(data):
        if marker != 0xE1:
            continue
        payload = data[start + 4 : end]
        if payload.startswith(b"http://ns.adobe.com/xap/") and b"GPS" in payload:
            return True
        if not payload.startswith(b"Exif\x00\x00"):
            continue
        tiff = bytearray(payload[6:])
        before = bytes(tiff)
        try:
            if _empty_gps_ifd(tiff) and bytes(tiff) != before:
                return True
        except (_Unsafe, struct.error):
            return True  # unparseable: assume the worst
    return False
