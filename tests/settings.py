"""Settings for the test suite: the real settings, a throwaway data directory, and the test
database from ``BARYS_TEST_DATABASE_URL`` when it is set (PostgreSQL in CI)."""

from __future__ import annotations

import os
import tempfile

# every test process (each xdist worker) gets its own data directory: the file store, the
# re-identification indexes and the demo's files never mix with another worker's or with a
# real installation's data
os.environ["BARYS_DATA_DIR"] = tempfile.mkdtemp(
    prefix=f"barys-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-"
)
os.environ.setdefault("BARYS_SECRET_KEY", "test-" + "k" * 60)

from barys import conf  # noqa: E402
from barys.settings import *  # noqa: E402,F403
from barys.settings import DATABASES, HUEY, STORAGES  # noqa: E402

_test_url = os.environ.get("BARYS_TEST_DATABASE_URL")
if _test_url:
    DATABASES["default"] = conf.parse_database_url(
        _test_url, variable="BARYS_TEST_DATABASE_URL"
    ).django()
    DATABASES["default"]["CONN_MAX_AGE"] = 0

HUEY = dict(HUEY, immediate=True, huey_class="huey.MemoryHuey")
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = dict(
    STORAGES, staticfiles={"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
)
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
