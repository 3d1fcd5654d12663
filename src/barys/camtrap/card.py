"""What is on a camera card: the files to ingest, and each file examined (hashed, its EXIF or
video time read, stored in the file store) outside the database."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from barys.camtrap.detection.exif import ExifInfo, read_exif
from barys.core.filestore import default_store, sha256_of

IMAGE_TYPES: dict[str, str] = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
VIDEO_TYPES: dict[str, str] = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".avi": "video/x-msvideo",
    ".mts": "video/mp2t",
    ".3gp": "video/3gpp",
    ".mkv": "video/x-matroska",
    ".wmv": "video/x-ms-wmv",
}
#: Folders and files that cards and operating systems add; skipped silently.
_SYSTEM_NAMES = {"Thumbs.db", "desktop.ini", "System Volume Information", "$RECYCLE.BIN"}


@dataclass(frozen=True, slots=True)
class Problem:
    """A file with a problem: its path on the card and the reason."""

    path: str
    reason: str
    registered: bool

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "registered": self.registered}


@dataclass(slots=True)
class Examined:
    relpath: str
    name: str
    rejected: str | None = None
    sha256: str = ""
    size: int = 0
    media_type: str = ""
    exif: ExifInfo | None = None
    video_time: datetime | None = None
    problems: list[str] = field(default_factory=list)
    damaged: bool = False


def list_card(root: Path) -> tuple[list[Path], list[Problem]]:
    """Files under ``root`` in sorted order, and the ones skipped as unknown formats.

    Hidden files and folders (names starting with a dot) and system files are left out
    silently; other files that are neither images nor videos are returned as problems.
    """
    files: list[Path] = []
    unknown: list[Problem] = []
    if root.is_file():
        candidates: Iterator[Path] = iter([root])
        base = root.parent
    else:
        base = root

        def walk() -> Iterator[Path]:
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(
                    d for d in dirs if not d.startswith(".") and d not in _SYSTEM_NAMES
                )
                for name in sorted(names):
                    if not name.startswith(".") and name not in _SYSTEM_NAMES:
                        yield Path(folder) / name

        candidates = walk()
    for path in candidates:
        suffix = path.suffix.lower()
        if suffix in IMAGE_TYPES or suffix in VIDEO_TYPES:
            files.append(path)
        else:
            unknown.append(
                Problem(
                    path.relative_to(base).as_posix(),
                    f"unknown format ({suffix or 'no extension'}): not an image or a video",
                    registered=False,
                )
            )
    return files, unknown


def mp4_creation_time(path: Path) -> datetime | None:
    """The ``mvhd`` creation time of an MP4/MOV file (seconds since 1904), if found.

    Read as the camera's local time, as trail cameras write it. Only the first and last
    4 MiB are searched.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4 << 20)
            tail = b""
            if size > 8 << 20:
                handle.seek(size - (4 << 20))
                tail = handle.read()
    except OSError:
        return None
    for chunk in (head, tail):
        at = chunk.find(b"mvhd")
        if at < 0 or at + 16 > len(chunk):
            continue
        version = chunk[at + 4]
        try:
            if version == 1:
                seconds = struct.unpack(">Q", chunk[at + 8 : at + 16])[0]
            else:
                seconds = struct.unpack(">I", chunk[at + 8 : at + 12])[0]
        except struct.error:
            continue
        if seconds == 0:
            return None
        try:
            return datetime(1904, 1, 1) + timedelta(seconds=seconds)
        except OverflowError:
            return None
    return None


def examine(path: Path, base: Path, expected_serial: str, link: bool) -> Examined:
    """Hash, read and store one file (runs in a worker thread; no database access)."""
    relpath = path.relative_to(base).as_posix()
    result = Examined(relpath=relpath, name=path.name)
    suffix = path.suffix.lower()
    try:
        result.size = path.stat().st_size
        if result.size == 0:
            result.rejected = "empty file (0 bytes)"
            return result
        result.sha256 = sha256_of(path)
    except OSError as exc:
        result.rejected = f"cannot read the file: {exc.strerror or exc}"
        return result
    if suffix in VIDEO_TYPES:
        result.media_type = VIDEO_TYPES[suffix]
        result.video_time = mp4_creation_time(path) if suffix in {".mp4", ".m4v", ".mov"} else None
        if result.video_time is None:
            result.problems.append("no capture time found in the video")
    else:
        info = read_exif(path)
        if info.format is None:
            result.rejected = info.error or "not a readable image"
            return result
        result.exif = info
        result.media_type = {
            "JPEG": "image/jpeg",
            "MPO": "image/jpeg",
            "PNG": "image/png",
            "TIFF": "image/tiff",
        }.get(info.format, IMAGE_TYPES.get(suffix, ""))
        if info.error:
            result.problems.append(info.error)
            result.damaged = "truncated" in info.error or "cannot" in info.error
        if expected_serial and info.serial_number and info.serial_number != expected_serial:
            result.rejected = (
                f"taken by camera serial {info.serial_number}, not {expected_serial} of this "
                "deployment (a card mixing two cameras?)"
            )
            return result
        if info.captured_at is None and not info.error:
            result.problems.append("no EXIF capture time (DateTimeOriginal)")
    try:
        default_store().put_path(path, result.sha256, link=link)
    except OSError as exc:
        result.rejected = f"cannot store the file: {exc.strerror or exc}"
    return result
