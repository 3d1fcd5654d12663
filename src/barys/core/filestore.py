"""Content-addressed file store: originals are stored once under their SHA-256, never modified.

Stores are an extension point: :class:`FileStore` is the protocol and ``register_store`` adds
implementations; the built-in :class:`LocalFileStore` keeps files under the data directory.

A file is placed in the store either by copying it (the default) or, when the caller asks
for it with ``link=True``, by a hard link: no byte is copied, the store and the source share
one read-only inode, and deleting the source later frees nothing the store needs. A link is
made only when the source is on the store's file system and belongs to the user running
Barys; otherwise the file is copied.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings

from barys.core.models import StoredFile


class FileStore(Protocol):
    def put_path(self, path: Path, sha256: str, *, link: bool = False) -> None: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def local_path(self, sha256: str) -> Path: ...
    def iter_hashes(self) -> Iterator[str]: ...


class LocalFileStore:
    """Files at ``root/ab/cd/abcdef…``; writes go through a temporary file and a rename."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def local_path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.local_path(sha256).exists()

    def put_path(self, path: Path, sha256: str, *, link: bool = False) -> None:
        """Place ``path`` under ``sha256`` unless it is there already (see the module doc).

        The file appears under its final name only when complete (a temporary name, then a
        rename), so a run killed midway never leaves half a file in the store.
        """
        target = self.local_path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".incoming-{uuid.uuid4().hex}"
        try:
            if not (link and _hard_link(Path(path), tmp)):
                shutil.copyfile(path, tmp)
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)

    def open(self, sha256: str) -> BinaryIO:
        return self.local_path(sha256).open("rb")

    def iter_hashes(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in self.root.glob("??/??/*"):
            if not path.name.startswith("."):
                yield path.name


_STORES: dict[str, Callable[[], FileStore]] = {
    "local": lambda: LocalFileStore(Path(settings.FILE_STORE_DIR)),
}


def register_store(name: str, factory: Callable[[], FileStore]) -> None:
    _STORES[name] = factory


def default_store() -> FileStore:
    return _STORES["local"]()


def _hard_link(source: Path, tmp: Path) -> bool:
    """Hard-link ``source`` to ``tmp``; ``False`` when a link cannot or should not be made.

    Only the owner's regular files are linked: the store makes its files read-only, and
    changing the mode of someone else's file is not the store's business.
    """
    try:
        status = source.stat()
        if status.st_uid != os.geteuid() or not stat.S_ISREG(status.st_mode):
            return False
        os.link(source, tmp)
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP):
            return False
        raise
    return True


def sha256_of(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sha256_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_path(
    path: Path, *, original_name: str = "", content_type: str = "", sha256: str | None = None
) -> StoredFile:
    """Store a file once; returns its row (existing when the content was seen before)."""
    path = Path(path)
    digest = sha256 or sha256_of(path)
    default_store().put_path(path, digest)
    stored, _created = StoredFile.objects.get_or_create(
        sha256=digest,
        defaults={
            "size": path.stat().st_size,
            "original_name": original_name or path.name,
            "content_type": content_type,
        },
    )
    return stored


def store_bytes(data: bytes, *, original_name: str, content_type: str = "") -> StoredFile:
    with tempfile.NamedTemporaryFile(delete=False) as tmp:
        tmp.write(data)
        tmp_path = Path(tmp.name)
    try:
        return store_path(
            tmp_path,
            original_name=original_name,
            content_type=content_type,
            sha256=sha256_of_bytes(data),
        )
    finally:
        tmp_path.unlink(missing_ok=True)


def open_stored(sha256: str) -> BinaryIO:
    return default_store().open(sha256)
