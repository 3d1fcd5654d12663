"""Settings: parsing, clear errors, and the documentation is complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from barys import conf
from tests.reference import REPO_ROOT


def test_defaults_use_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    config = conf.load({"BARYS_DATA_DIR": str(tmp_path)})
    assert config.database.is_sqlite
    assert config.database.name == str(tmp_path / "barys.sqlite3")
    assert config.time_zone == "Asia/Almaty"
    assert config.languages == ["kk", "ru", "en"]
    # the secret key is generated once and kept
    key = (tmp_path / "secret_key").read_text().strip()
    assert len(key) >= 32 and config.secret_key == key
    assert conf.load({"BARYS_DATA_DIR": str(tmp_path)}).secret_key == key


def test_postgres_url_is_parsed() -> None:
    db = conf.parse_database_url("postgresql://barys:s%40cret@db.example:5433/barys_prod")
    assert (db.engine, db.user, db.password, db.host, db.port, db.name) == (
        "postgresql",
        "barys",
        "s@cret",
        "db.example",
        "5433",
        "barys_prod",
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BARYS_DEBUG": "maybe"}, "BARYS_DEBUG"),
        ({"BARYS_DATABASE_URL": "mysql://x/y"}, "BARYS_DATABASE_URL"),
        ({"BARYS_LANGUAGES": "kk,de"}, "BARYS_LANGUAGES"),
        ({"BARYS_TIME_ZONE": "Mars/Olympus"}, "BARYS_TIME_ZONE"),
        ({"BARYS_SECRET_KEY": "short"}, "BARYS_SECRET_KEY"),
        ({"BARYS_WORKERS": "many"}, "BARYS_WORKERS"),
        ({"BARYS_LOG_LEVEL": "LOUD"}, "BARYS_LOG_LEVEL"),
        ({"BARYS_TYPO": "1"}, "BARYS_TYPO"),
    ],
)
def test_invalid_settings_name_the_variable(tmp_path: Path, env: dict, variable: str) -> None:
    with pytest.raises(conf.SettingError) as err:
        conf.load({"BARYS_DATA_DIR": str(tmp_path), **env})
    assert str(err.value).startswith(variable)


def test_insecure_key_allowed_only_in_debug(tmp_path: Path) -> None:
    config = conf.load(
        {"BARYS_DATA_DIR": str(tmp_path), "BARYS_DEBUG": "true", "BARYS_SECRET_KEY": "short"}
    )
    assert config.secret_key == "short"


def test_cli_reports_a_bad_setting_in_one_line_with_exit_2(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BARYS_DATA_DIR": str(tmp_path), "BARYS_DEBUG": "maybe"}
    done = subprocess.run(
        [sys.executable, "-m", "barys.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "BARYS_DEBUG" in lines[0] and "boolean" in lines[0]


def test_cli_reports_an_unreachable_database(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "BARYS_DATA_DIR": str(tmp_path),
        "BARYS_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    done = subprocess.run(
        [sys.executable, "-m", "barys.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "cannot reach the database" in done.stderr


def test_docs_list_every_setting() -> None:
    text = (REPO_ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(BARYS_[A-Z0-9_]+)`", text))
    declared = {s.name for s in conf.SETTINGS}
    assert declared - documented == set(), "settings missing from docs/settings.md"
    assert documented - declared - set(conf._EXTRA_ALLOWED) == set(), (
        "docs/settings.md lists settings that do not exist"
    )


def test_production_settings_hash_passwords_with_argon2() -> None:
    import barys.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
