"""The content-addressed file store: copies, hard links, and never half a file."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

import pytest

from barys.core import filestore
from barys.core.filestore import LocalFileStore, sha256_of


def _source(folder: Path, name: str = "IMG_0001.JPG", size: int = 300_000) -> Path:
    path = folder / name
    path.write_bytes(os.urandom(size))
    return path


def test_sha256_of_files_of_any_size(tmp_path: Path) -> None:
    for size in (0, 1, 65_535, 1 << 20, (3 << 20) + 17):
        data = os.urandom(size)
        path = tmp_path / f"f{size}"
        path.write_bytes(data)
        assert sha256_of(path) == hashlib.sha256(data).hexdigest()


def test_copy_leaves_the_source_alone(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "store")
    source = _source(tmp_path)
    mode = source.stat().st_mode
    digest = sha256_of(source)
    store.put_path(source, digest)
    stored = store.local_path(digest)
    assert stored.read_bytes() == source.read_bytes()
    assert stored.stat().st_ino != source.stat().st_ino
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert source.stat().st_mode == mode
    assert not list(stored.parent.glob(".incoming-*"))


def test_link_shares_one_read_only_inode_and_outlives_the_source(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "store")
    source = _source(tmp_path)
    data = source.read_bytes()
    digest = sha256_of(source)
    store.put_path(source, digest, link=True)
    stored = store.local_path(digest)
    assert stored.stat().st_ino == source.stat().st_ino
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    source.unlink()
    assert sha256_of(stored) == digest and stored.read_bytes() == data
    # Placing the same content again (another name, another card) changes nothing.
    again = _source(tmp_path, "copy.jpg", 10)
    store.put_path(again, digest, link=True)
    assert stored.read_bytes() == data


@pytest.mark.parametrize("code", [errno.EXDEV, errno.EPERM, errno.EMLINK])
def test_link_falls_back_to_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    """Another file system (or a refused link) means a plain copy, not an error."""

    def refuse(src: object, dst: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(filestore.os, "link", refuse)
    store = LocalFileStore(tmp_path / "store")
    source = _source(tmp_path)
    digest = sha256_of(source)
    store.put_path(source, digest, link=True)
    stored = store.local_path(digest)
    assert stored.read_bytes() == source.read_bytes()
    assert stored.stat().st_ino != source.stat().st_ino


def test_someone_elses_file_is_copied_not_linked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _source(tmp_path)
    owner = source.stat().st_uid
    monkeypatch.setattr(filestore.os, "geteuid", lambda: owner + 1)
    store = LocalFileStore(tmp_path / "store")
    digest = sha256_of(source)
    store.put_path(source, digest, link=True)
    assert store.local_path(digest).stat().st_ino != source.stat().st_ino
    assert source.stat().st_mode & stat.S_IWUSR  # the source's mode was not touched


def test_a_failed_copy_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(src: object, dst: str | Path) -> None:
        Path(dst).write_bytes(b"half a fi")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(filestore.shutil, "copyfile", broken)
    store = LocalFileStore(tmp_path / "store")
    source = _source(tmp_path)
    digest = sha256_of(source)
    with pytest.raises(OSError, match="No space left"):
        store.put_path(source, digest)
    assert not store.exists(digest)
    assert not list(store.local_path(digest).parent.iterdir())
