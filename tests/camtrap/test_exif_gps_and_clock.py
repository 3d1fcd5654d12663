"""GPS removal from JPEG metadata, camera clocks and time zones (plain functions)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from barys.camtrap import clock
from barys.camtrap.exifedit import has_gps, strip_gps
from tests.reference import reference_path


def _jpeg_with_gps() -> bytes:
    image = Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 60, 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x010F] = "RECONYX"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (43.0, 7.0, 24.4), 3: "E", 4: (77.0, 3.0, 15.6)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_strip_gps_keeps_everything_else() -> None:
    data = _jpeg_with_gps()
    assert has_gps(data)
    stripped = strip_gps(data)
    assert not has_gps(stripped) and len(stripped) == len(data)
    image = Image.open(io.BytesIO(stripped))
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert image.getexif()[0x010F] == "RECONYX"
    assert np.array_equal(np.asarray(image), np.asarray(Image.open(io.BytesIO(data))))
    # The values are overwritten, not only unlinked: 43° and 77° as TIFF rationals.
    for degrees in (b"\x2b\x00\x00\x00\x01\x00\x00\x00", b"\x4d\x00\x00\x00\x01\x00\x00\x00"):
        assert degrees in data and degrees not in stripped
    assert strip_gps(stripped) == stripped


def test_real_camera_files() -> None:
    files = [
        p
        for p in reference_path("camera-trap-images").rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg")
    ]
    assert len(files) > 100
    for path in files:
        data = path.read_bytes()
        stripped = strip_gps(data)
        assert not has_gps(stripped)
        if not has_gps(data):
            assert stripped == data, path.name


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_strip_gps_never_crashes(blob: bytes) -> None:
    for data in (blob, b"\xff\xd8" + blob, _jpeg_with_gps()[:30] + blob):
        out = strip_gps(data)
        assert isinstance(out, bytes) and not has_gps(out)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2000))
def test_a_damaged_exif_block_is_removed_whole(cut: int) -> None:
    data = bytearray(_jpeg_with_gps())
    data[30 + cut % 60] ^= 0xFF
    out = strip_gps(bytes(data))
    assert not has_gps(out)


def test_zones() -> None:
    assert clock.zone("+06:00") == timezone(timedelta(hours=6))
    assert clock.zone("UTC") is UTC and clock.zone("UTC+5") == timezone(timedelta(hours=5))
    assert clock.to_utc(datetime(2023, 6, 1, 12), "Asia/Almaty") == datetime(
        2023, 6, 1, 6, tzinfo=UTC
    )
    # Kazakhstan moved to UTC+5 on 1 March 2024.
    assert clock.to_utc(datetime(2024, 6, 1, 12), "Asia/Almaty") == datetime(
        2024, 6, 1, 7, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="unknown time zone"):
        clock.zone("Mars/Olympus")
    assert not clock.is_valid_zone("+25:00")


def test_offset_text() -> None:
    def at(zone: str) -> datetime:
        return datetime(2023, 6, 1, 12, tzinfo=clock.zone(zone))

    assert clock.offset_text(at("+06:00")) == "+06:00"
    assert clock.offset_text(at("-03:30")) == "-03:30"
    assert clock.offset_text(at("UTC")) == "+00:00"
    assert clock.offset_text(datetime(2023, 6, 1, 12)) == "+00:00"  # naive
    assert clock.offset_text(at("Asia/Kathmandu")) == "+05:45"


def test_clock_corrections() -> None:
    correction = clock.correction_from_references(
        [
            (datetime(2023, 1, 11), datetime(2023, 1, 11, 0, 2)),
            (datetime(2023, 1, 1), datetime(2023, 1, 1, 0, 1)),
        ]
    )
    assert correction.offset_s == 60 and correction.drift_s_per_day == pytest.approx(6)
    assert correction.seconds_at(datetime(2023, 1, 6)) == pytest.approx(90)
    assert (
        clock.correction_from_references(
            [(datetime(2023, 1, 1), datetime(2022, 12, 31, 23, 59))]
        ).offset_s
        == -60
    )
    with pytest.raises(ValueError):
        clock.correction_from_references([(datetime(2023, 1, 1), datetime(2023, 1, 1))] * 2)
    assert clock.parse_local(clock.format_local(datetime(2023, 5, 6, 7, 8, 9))) == datetime(
        2023, 5, 6, 7, 8, 9
    )
