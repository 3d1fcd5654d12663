"""Backup and restore give back every row and every file."""

from __future__ import annotations

from pathlib import Path

import pytest

from barys.core import backup, filestore
from barys.core.models import AuditEntry, Scope, StoredFile, User

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_restore_round_trip(make_user, tmp_path: Path) -> None:
    make_user("keeper", "curator", ["ile-alatau"])
    stored = filestore.store_bytes(b"\xff\xd8 camera image bytes", original_name="IMG_0001.JPG")
    archive = tmp_path / "barys-backup.tar"
    manifest = backup.create_backup(archive)
    assert manifest["files"] >= 1 and manifest["tables"]["core_user"] == 1
    rows_before = {
        "users": list(User.objects.values_list("username", "password", "is_staff")),
        "scopes": list(Scope.objects.values_list("code", "name_en")),
        "audit": AuditEntry.objects.count(),
        "files": list(StoredFile.objects.values_list("sha256", "size")),
    }

    # damage everything after the backup
    User.objects.all().delete()
    Scope.objects.create(code="intruder", name_en="x")
    path = filestore.default_store().local_path(stored.sha256)
    path.chmod(0o644)
    path.unlink()

    backup.restore_backup(archive)
    assert (
        list(User.objects.values_list("username", "password", "is_staff")) == rows_before["users"]
    )
    assert list(Scope.objects.values_list("code", "name_en")) == rows_before["scopes"]
    assert AuditEntry.objects.count() == rows_before["audit"]
    assert list(StoredFile.objects.values_list("sha256", "size")) == rows_before["files"]
    with filestore.open_stored(stored.sha256) as handle:
        assert handle.read() == b"\xff\xd8 camera image bytes"


def test_restore_refuses_a_damaged_archive(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-backup.tar"
    bad.write_bytes(b"hello")
    with pytest.raises(backup.BackupError, match="not a Barys backup"):
        backup.restore_backup(bad)
