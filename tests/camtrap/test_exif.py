"""EXIF reading on the real camera-trap JPEGs, maker notes, and broken files."""

from __future__ import annotations

import csv
import struct
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from barys.camtrap.detection.exif import ExifInfo, read_exif
from barys.camtrap.detection.jpeg_header import read_plain_jpeg
from tests.reference import reference_dir, reference_path


def _exif_check_rows() -> list[dict[str, str]]:
    with reference_path("camera-trap-images", "exif_check.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_reference_jpeg_matches_exif_check() -> None:
    rows = _exif_check_rows()
    assert len(rows) == 136
    with_date = 0
    for row in rows:
        info = read_exif(reference_dir() / row["path"])
        expected = (
            row["exif_DateTimeOriginal"] or None,
            row["exif_Make"].strip() or None,
            row["exif_Model"].strip() or None,
            int(row["width"]),
            int(row["height"]),
        )
        got = (info.datetime_original_raw, info.make, info.model, info.width, info.height)
        assert got == expected, row["path"]
        assert info.error is None, (row["path"], info.error)
        with_date += info.captured_at is not None
    assert with_date == 126  # SOURCES.md: 126 of 136 JPEGs have DateTimeOriginal


RECONYX = "camera-trap-images/animl_southwest/testdataowl.JPG"


def test_fast_header_reader_agrees_with_pillow_on_every_reference_jpeg() -> None:
    fast = 0
    for row in _exif_check_rows():
        path = reference_dir() / row["path"]
        fast += read_plain_jpeg(path) is not None
        assert read_exif(path) == read_exif(path, fast=False), row["path"]
    # The multi-picture (MPO) files and the ones with unusual headers go through Pillow.
    assert 120 <= fast < 136


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_header_reader_agrees_with_pillow_on_damaged_headers(data: st.DataObject) -> None:
    """Bytes changed in the markers and the EXIF segment: the same result either way."""
    original = bytearray((reference_dir() / RECONYX).read_bytes())
    damaged = original[:]
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, 4096))
        damaged[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        damaged = damaged[: data.draw(st.integers(2, len(damaged)))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.jpg"
        path.write_bytes(bytes(damaged))
        assert read_exif(path) == read_exif(path, fast=False)


@pytest.mark.parametrize(
    ("position", "value"),
    [
        (1984, 16),  # a quantization table said to be 16-bit: Pillow cannot open the file
        (192, 47),  # a tag's data larger than the EXIF segment: Pillow skips it
        (74, 2),  # two values of a tag that has one: Pillow warns
        (50, 2),
        (48, 1),  # the resolution as a byte: Pillow's reading of the dpi fails
    ],
)
def test_fast_header_reader_agrees_with_pillow_on_found_damages(
    position: int, value: int, tmp_path: Path
) -> None:
    damaged = bytearray((reference_dir() / RECONYX).read_bytes())
    damaged[position] = value
    path = tmp_path / "x.jpg"
    path.write_bytes(bytes(damaged))
    assert read_plain_jpeg(path) is None
    assert read_exif(path) == read_exif(path, fast=False)


def test_local_time_without_offset_stays_naive() -> None:
    info = read_exif(
        reference_path("camtrap-dp", "example", "media", "20210531082538-RCNX0031.JPG")
    )
    assert info.captured_at == datetime(2021, 4, 11, 20, 43, 9)
    assert info.captured_at.tzinfo is None and info.offset_time_original is None


def test_reconyx_hyperfire_maker_note() -> None:
    info = read_exif(reference_path("camera-trap-images", "animl_southwest", "testdataowl.JPG"))
    assert info.maker_note_format == "reconyx-hyperfire"
    assert info.serial_number == "P900FF03149458"
    trigger = info.trigger
    assert trigger is not None
    assert (
        trigger.mode,
        trigger.sequence_number,
        trigger.sequence_length,
        trigger.event_number,
    ) == ("motion", 3, 3, 516)
    assert (trigger.ambient_temperature_c, trigger.battery_voltage_v, trigger.user_label) == (
        24.0,
        8.42,
        "PC900 PROFESSIONAL",
    )
    assert trigger.raw["ambient_temperature_f"] == "76"


def test_reconyx_time_lapse_picture() -> None:
    info = read_exif(
        reference_path(
            "megadetector", "images", "idaho_camera_traps_loc_0062_loc_0062_im_004678.jpg"
        )
    )
    assert info.trigger is not None
    assert (
        info.trigger.mode,
        info.trigger.sequence_number,
        info.trigger.ambient_temperature_c,
    ) == ("time-lapse", None, -1.0)
    assert info.trigger.user_label == "AM75" and info.serial_number == "P900FF03149825"


def test_reconyx_hyperfire2_matches_the_printed_data_strip() -> None:
    # The strip printed on these frames reads "M 1/10" … "M 10/10", "2°C", "MICA 318".
    media = ("camtrap-dp", "example", "media")
    first = read_exif(reference_path(*media, "20210531082538-RCNX0031.JPG"))
    last = read_exif(reference_path(*media, "20210531082541-RCNX0040.JPG"))
    for info, number in ((first, 1), (last, 10)):
        assert info.maker_note_format == "reconyx-hyperfire2"
        assert info.serial_number == "H2RXEM06043616"
        assert info.trigger is not None
        assert (info.trigger.mode, info.trigger.sequence_number, info.trigger.sequence_length) == (
            "motion",
            number,
            10,
        )
        assert (
            info.trigger.ambient_temperature_c,
            info.trigger.user_label,
            info.trigger.event_number,
        ) == (2.0, "MICA 318", 4)
    palau = read_exif(
        reference_path(
            "megadetector",
            "images",
            "island_conservation_camera_traps_palau_cam10a_cam10a12122018_palau_cam10a12122018_20181108_174532_rcnx1035.jpg",
        )
    )
    assert (
        palau.trigger is not None
        and palau.trigger.user_label == "CAM10"
        and palau.serial_number == "HLPXEL06008661"
    )


def test_cuddeback_user_comment_and_undecoded_notes() -> None:
    info = read_exif(
        reference_path(
            "megadetector", "images", "snapshot_karoo_KAR_S1_E03_E03_R1_KAR_S1_E03_R1_IMAG0440.JPG"
        )
    )
    assert info.trigger is not None and info.trigger.source == "cuddeback-usercomment"
    assert info.trigger.mode == "motion" and info.trigger.raw["BP"] == "10%"
    fox = read_exif(
        reference_path("camera-trap-images", "animl_southwest", "2021-08-08_RCNX0063_fox.JPG")
    )
    assert (fox.maker_note_format, fox.trigger, fox.software) == (
        "reconyx-ultrafire",
        None,
        "1.6.20190312a",
    )
    g4 = read_exif(next((reference_dir() / "camera-trap-images" / "camtrapR").rglob("*.JPG")))
    assert g4.user_comment is not None and g4.trigger is None


def test_file_without_exif() -> None:
    info = read_exif(reference_path("camera-trap-images", "animl_jaguar", "RL 5_20051029_0045.jpg"))
    assert info == ExifInfo(path=info.path, format="JPEG", width=1818, height=1228)


def _jpeg_with_exif(
    path: Path, *, offset: str | None, serial: str | None, note: bytes | None = None
) -> None:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2023:11:05 06:30:00"
    if offset is not None:
        sub[0x9011] = offset
    if serial is not None:
        sub[0xA431] = serial
    if note is not None:
        sub[0x927C] = note
    Image.new("RGB", (64, 48), (90, 120, 60)).save(path, "JPEG", exif=exif)


def test_offset_time_and_body_serial(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    _jpeg_with_exif(path, offset="+05:00", serial="SN-42")
    info = read_exif(path)
    assert info.captured_at == datetime(2023, 11, 5, 6, 30, tzinfo=timezone(timedelta(hours=5)))
    assert (info.offset_time_original, info.serial_number, info.make, info.error) == (
        "+05:00",
        "SN-42",
        "TestCam",
        None,
    )
    _jpeg_with_exif(path, offset="5 hours", serial=None)
    assert read_exif(path).error == "unreadable OffsetTimeOriginal '5 hours'"


def _hyperfire_note(year: int) -> bytes:
    words = [0xF101, 4, 2, 0, 0, 0, ord("M"), 2, 3, 0, 7, 0, 30, 6, 11, 5, year, 1, 0, 41, 5]
    note = bytearray(128)
    note[: 2 * len(words)] = struct.pack(f"<{len(words)}H", *words)
    note[42:72] = "SL-CAM-0001".ljust(15, "\x00").encode("utf-16-le")
    note[84:86] = struct.pack("<H", 7800)
    note[86:108] = b"IRBIS-07".ljust(22, b"\x00")
    return bytes(note)


def test_maker_note_is_used_only_when_its_date_agrees(tmp_path: Path) -> None:
    path = tmp_path / "r.jpg"
    _jpeg_with_exif(path, offset=None, serial=None, note=_hyperfire_note(2023))
    info = read_exif(path)
    assert info.trigger is not None and info.serial_number == "SL-CAM-0001"
    assert (
        info.trigger.sequence_number,
        info.trigger.sequence_length,
        info.trigger.user_label,
    ) == (2, 3, "IRBIS-07")
    _jpeg_with_exif(path, offset=None, serial=None, note=_hyperfire_note(2019))
    info = read_exif(path)
    assert (
        info.maker_note_format == "reconyx-hyperfire"
        and info.trigger is None
        and info.serial_number is None
    )


def test_broken_files_give_an_error_not_an_exception(tmp_path: Path) -> None:
    original = reference_path(
        "camera-trap-images", "animl_southwest", "IMAG0031_wolf.JPG"
    ).read_bytes()
    half = tmp_path / "half.jpg"
    half.write_bytes(original[: len(original) // 2])
    info = read_exif(half)
    assert info.error == "truncated JPEG: no end-of-image marker"
    assert info.datetime_original_raw == "2013:03:31 16:27:36"  # the header survived
    stub = tmp_path / "stub.jpg"
    stub.write_bytes(original[:40])
    assert (read_exif(stub).error or "").startswith("cannot read the image header")
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture", encoding="utf-8")
    assert read_exif(text).error == "not an image file Pillow can identify"
    assert read_exif(tmp_path / "missing.jpg").error == "file not found"
    png = tmp_path / "frame.png"
    Image.new("L", (20, 10)).save(png)
    assert read_exif(png) == ExifInfo(path=str(png), format="PNG", width=20, height=10)


SMALL = "camera-trap-images/camtrapR/sample_images_indiv_tag/LeopardCat/StationA__2009-04-21__00-40-00(1).JPG"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_jpegs_never_raise(data: st.DataObject) -> None:
    original = bytearray((reference_dir() / SMALL).read_bytes())
    cut = data.draw(st.integers(0, len(original)))
    damaged = original[:cut]
    for _ in range(data.draw(st.integers(0, 8))):
        if damaged:
            position = data.draw(st.integers(0, len(damaged) - 1))
            damaged[position] = data.draw(st.integers(0, 255))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.jpg"
        path.write_bytes(bytes(damaged))
        info = read_exif(path)
    assert isinstance(info, ExifInfo)
    if cut < len(original):
        assert info.error is not None


@pytest.mark.parametrize("name", ["IMAG0004_cougar.JPG", "2021-05-28_SYFR0041_deer.JPG"])
def test_data_after_the_end_marker_is_not_truncation(name: str) -> None:
    # BolyMedia appends text after the JPEG end marker; SY files are MPO (two images).
    info = read_exif(reference_path("camera-trap-images", "animl_southwest", name))
    assert info.error is None and info.format in ("JPEG", "MPO")
