"""Typed settings read from ``BARYS_*`` environment variables.

Every setting is declared once here with its type, default and help text. ``docs/settings.md``
lists them all (a test checks the list is complete). Invalid values raise
:class:`SettingError`, whose message names the variable and what is expected; the ``barys``
command prints that one line and exits with status 2.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str
    default: str | None
    help: str


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingError(f"{name}={raw!r}: expected a boolean (true/false, 1/0, yes/no)")


def _parse_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r}: expected a whole number") from None
    if value < 0:
        raise SettingError(f"{name}={raw!r}: expected a number >= 0")
    return value


def _parse_list(name: str, raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "BARYS_DATA_DIR",
        "path",
        "./barys-data",
        "Directory for the embedded SQLite database, the file store, the queue and the "
        "generated secret key.",
    ),
    Setting(
        "BARYS_DATABASE_URL",
        "url",
        None,
        "Database URL: sqlite:////ABSOLUTE/PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME. "
        "Default: SQLite file barys.sqlite3 in the data directory.",
    ),
    Setting(
        "BARYS_SECRET_KEY",
        "secret",
        None,
        "Django secret key. When not given it is generated once into DATA_DIR/secret_key. "
        "Refused when shorter than 32 characters or obviously insecure and debug is off.",
    ),
    Setting(
        "BARYS_DEBUG",
        "bool",
        "false",
        "Debug mode: detailed error pages. Never on a public server.",
    ),
    Setting(
        "BARYS_ALLOWED_HOSTS",
        "list",
        "localhost,127.0.0.1,[::1]",
        "Comma-separated host names the site answers to.",
    ),
    Setting(
        "BARYS_CSRF_TRUSTED_ORIGINS",
        "list",
        "",
        "Comma-separated origins (scheme://host[:port]) trusted for form posts behind a proxy.",
    ),
    Setting(
        "BARYS_REDIS_URL",
        "url",
        None,
        "Redis URL (redis://HOST:PORT/DB) for the task queue. When set, background work "
        "goes through Redis and any number of `barys worker` processes; otherwise an "
        "SQLite queue in the data directory.",
    ),
    Setting(
        "BARYS_LANGUAGES",
        "list",
        "kk,ru,en",
        "Languages offered, in order; a subset of kk, ru, en.",
    ),
    Setting(
        "BARYS_DEFAULT_LANGUAGE",
        "str",
        "kk",
        "Language used when the browser asks for none of the offered ones.",
    ),
    Setting(
        "BARYS_TIME_ZONE",
        "timezone",
        "Asia/Almaty",
        "Time zone for showing dates and times (data are stored in UTC).",
    ),
    Setting("BARYS_LOG_LEVEL", "choice", "INFO", "Log level: DEBUG, INFO, WARNING, ERROR."),
    Setting(
        "BARYS_LOGIN_MAX_FAILURES",
        "int",
        "5",
        "Failed logins allowed per account or address within the throttle window.",
    ),
    Setting(
        "BARYS_LOGIN_THROTTLE_MINUTES",
        "int",
        "15",
        "Length of the login throttle window in minutes.",
    ),
    Setting(
        "BARYS_WORKERS",
        "int",
        "2",
        "Worker threads of the queue consumer started by `barys serve` and `barys worker`.",
    ),
    Setting(
        "BARYS_SERVER_THREADS", "int", "8", "Threads of the web server started by `barys serve`."
    ),
    Setting(
        "BARYS_MEGADETECTOR_WEIGHTS",
        "path",
        None,
        "Path of MegaDetector weights (.pt) for the optional megadetector extra. Without "
        "it the detection pipeline uses the next detector.",
    ),
    Setting(
        "BARYS_REID_EMBEDDING_WEIGHTS",
        "path",
        None,
        "Path of deep re-identification embedding weights (ONNX or TorchScript). Without "
        "it re-identification uses local features only.",
    ),
    Setting(
        "BARYS_TILE_URL",
        "str",
        "",
        "Optional tile-layer URL template ({z}/{x}/{y}) for online installations; the "
        "offline vector outline of Kazakhstan is always available.",
    ),
    Setting(
        "BARYS_CATEGORY1_PUBLIC",
        "choice",
        "withhold",
        "What the public sees of category-1 sensitive records: withhold (no coordinates) "
        "or grid (the centre of a 1° cell).",
    ),
    Setting(
        "BARYS_SENSITIVE_DATE_PRECISION",
        "choice",
        "year",
        "Precision of public dates of category 1–2 sensitive records: year or month.",
    ),
    Setting(
        "BARYS_LIVE_POSITION_DAYS",
        "int",
        "30",
        "Collar fixes younger than this many days are never public.",
    ),
    Setting(
        "BARYS_EMAIL_HOST",
        "str",
        "",
        "SMTP host for notifications; empty writes e-mails to the log instead.",
    ),
    Setting("BARYS_EMAIL_PORT", "int", "25", "SMTP port."),
    Setting("BARYS_EMAIL_USER", "str", "", "SMTP user name."),
    Setting("BARYS_EMAIL_PASSWORD", "secret", "", "SMTP password."),
    Setting("BARYS_EMAIL_USE_TLS", "bool", "false", "Use STARTTLS for SMTP."),
    Setting("BARYS_EMAIL_FROM", "str", "barys@localhost", "Sender address of notifications."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_INSECURE_KEYS = {"", "changeme", "secret", "django-insecure", "insecure"}
_LANGUAGES = ("kk", "ru", "en")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class DatabaseConfig:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.engine == "sqlite"

    def django(self) -> dict[str, Any]:
        if self.is_sqlite:
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": self.name,
                "OPTIONS": {
                    "init_command": (
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; "
                        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768;"
                    ),
                    "transaction_mode": "IMMEDIATE",
                },
            }
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }


def parse_database_url(url: str, *, variable: str = "BARYS_DATABASE_URL") -> DatabaseConfig:
    """Parse ``sqlite:///path`` or ``postgresql://user:pass@host:port/name``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/file or sqlite:////absolute/file (one slash belongs to the URL)
        path = unquote(parts.path)[1:]
        if parts.netloc or not path:
            raise SettingError(f"{variable}={url!r}: expected sqlite:////ABSOLUTE/PATH")
        return DatabaseConfig(engine="sqlite", name=path)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise SettingError(f"{variable}={url!r}: expected a database name after the host")
        try:
            port = str(parts.port or "")
        except ValueError:
            raise SettingError(f"{variable}={url!r}: the port is not a number") from None
        return DatabaseConfig(
            engine="postgresql",
            name=name,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=parts.hostname or "",
            port=port,
        )
    raise SettingError(
        f"{variable}={url!r}: expected a URL starting with sqlite:/// or postgresql://"
    )


@dataclass(frozen=True)
class Config:
    """The validated settings."""

    data_dir: Path
    database: DatabaseConfig
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    redis_url: str | None
    languages: list[str]
    default_language: str
    time_zone: str
    log_level: str
    login_max_failures: int
    login_throttle_minutes: int
    workers: int
    server_threads: int
    megadetector_weights: Path | None
    reid_embedding_weights: Path | None
    tile_url: str
    category1_public: str
    sensitive_date_precision: str
    live_position_days: int
    email_host: str
    email_port: int
    email_user: str
    email_password: str
    email_use_tls: bool
    email_from: str


def _raw(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None or value == "":
        return _BY_NAME[name].default
    return value


def _secret_key(env: Mapping[str, str], data_dir: Path, debug: bool) -> str:
    given = env.get("BARYS_SECRET_KEY", "")
    if given:
        if not debug and (
            len(given) < 32
            or given.lower() in _INSECURE_KEYS
            or given.startswith("django-insecure")
        ):
            raise SettingError(
                "BARYS_SECRET_KEY: expected at least 32 random characters "
                "(an insecure key is refused while BARYS_DEBUG is off)"
            )
        return given
    key_file = data_dir / "secret_key"
    if key_file.exists():
        key = key_file.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = key_file.with_suffix(".tmp")
    tmp.write_text(key + "\n", encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(key_file)
    return key


def _choice(env: Mapping[str, str], name: str, options: tuple[str, ...]) -> str:
    value = (_raw(env, name) or "").strip().lower()
    if value not in options:
        raise SettingError(f"{name}={value!r}: expected one of {', '.join(options)}")
    return value


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    raw = _raw(env, name)
    return Path(raw).expanduser() if raw else None


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read and validate every ``BARYS_*`` setting; raises :class:`SettingError`."""
    env = os.environ if env is None else env
    unknown = sorted(
        k for k in env if k.startswith("BARYS_") and k not in _BY_NAME and k not in _EXTRA_ALLOWED
    )
    if unknown:
        raise SettingError(f"{unknown[0]}: unknown setting (known: see docs/settings.md)")
    data_dir = Path(_raw(env, "BARYS_DATA_DIR") or "./barys-data").expanduser().resolve()
    debug = _parse_bool("BARYS_DEBUG", _raw(env, "BARYS_DEBUG") or "false")
    db_url = _raw(env, "BARYS_DATABASE_URL") or f"sqlite:///{data_dir / 'barys.sqlite3'}"
    database = parse_database_url(db_url)
    languages = _parse_list("BARYS_LANGUAGES", _raw(env, "BARYS_LANGUAGES") or "")
    bad = [lang for lang in languages if lang not in _LANGUAGES]
    if bad or not languages:
        raise SettingError(
            f"BARYS_LANGUAGES={env.get('BARYS_LANGUAGES')!r}: expected a comma-separated "
            f"subset of {', '.join(_LANGUAGES)}"
        )
    default_language = _raw(env, "BARYS_DEFAULT_LANGUAGE") or "kk"
    if default_language not in languages:
        raise SettingError(
            f"BARYS_DEFAULT_LANGUAGE={default_language!r}: expected one of {', '.join(languages)}"
        )
    time_zone = _raw(env, "BARYS_TIME_ZONE") or "Asia/Almaty"
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError(
            f"BARYS_TIME_ZONE={time_zone!r}: expected an IANA time zone such as Asia/Almaty"
        ) from None
    log_level = (_raw(env, "BARYS_LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        raise SettingError(
            f"BARYS_LOG_LEVEL={log_level!r}: expected one of {', '.join(_LOG_LEVELS)}"
        )
    redis_url = _raw(env, "BARYS_REDIS_URL")
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingError(f"BARYS_REDIS_URL={redis_url!r}: expected a redis:// URL")

    def integer(name: str) -> int:
        return _parse_int(name, _raw(env, name) or "0")

    return Config(
        data_dir=data_dir,
        database=database,
        secret_key=_secret_key(env, data_dir, debug),
        debug=debug,
        allowed_hosts=_parse_list("BARYS_ALLOWED_HOSTS", _raw(env, "BARYS_ALLOWED_HOSTS") or ""),
        csrf_trusted_origins=_parse_list(
            "BARYS_CSRF_TRUSTED_ORIGINS", _raw(env, "BARYS_CSRF_TRUSTED_ORIGINS") or ""
        ),
        redis_url=redis_url,
        languages=languages,
        default_language=default_language,
        time_zone=time_zone,
        log_level=log_level,
        login_max_failures=max(1, integer("BARYS_LOGIN_MAX_FAILURES")),
        login_throttle_minutes=max(1, integer("BARYS_LOGIN_THROTTLE_MINUTES")),
        workers=max(1, integer("BARYS_WORKERS")),
        server_threads=max(1, integer("BARYS_SERVER_THREADS")),
        megadetector_weights=_optional_path(env, "BARYS_MEGADETECTOR_WEIGHTS"),
        reid_embedding_weights=_optional_path(env, "BARYS_REID_EMBEDDING_WEIGHTS"),
        tile_url=_raw(env, "BARYS_TILE_URL") or "",
        category1_public=_choice(env, "BARYS_CATEGORY1_PUBLIC", ("withhold", "grid")),
        sensitive_date_precision=_choice(env, "BARYS_SENSITIVE_DATE_PRECISION", ("year", "month")),
        live_position_days=integer("BARYS_LIVE_POSITION_DAYS"),
        email_host=_raw(env, "BARYS_EMAIL_HOST") or "",
        email_port=integer("BARYS_EMAIL_PORT"),
        email_user=_raw(env, "BARYS_EMAIL_USER") or "",
        email_password=_raw(env, "BARYS_EMAIL_PASSWORD") or "",
        email_use_tls=_parse_bool("BARYS_EMAIL_USE_TLS", _raw(env, "BARYS_EMAIL_USE_TLS") or ""),
        email_from=_raw(env, "BARYS_EMAIL_FROM") or "barys@localhost",
    )


# Variables read by the test and benchmark harnesses, not by the application itself.
_EXTRA_ALLOWED = frozenset({"BARYS_TEST_DATABASE_URL", "BARYS_REFERENCE_DATA", "BARYS_BENCH_CACHE"})
