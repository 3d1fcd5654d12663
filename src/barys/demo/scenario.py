"""The demonstration scenario: an ordered list of idempotent steps.

Each domain module contributes a step (a plain function taking a :class:`DemoContext`); the
``barys demo`` command runs them in order. Every step can run again without adding anything.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

DEMO_ACCOUNTS: tuple[tuple[str, str, list[str]], ...] = (
    ("admin", "admin", []),
    ("curator", "curator", []),
    ("researcher", "researcher", ["ile-alatau"]),
    ("ranger", "observer", ["ile-alatau"]),
)
SIMULATED = "simulated demonstration data"


@dataclass
class DemoContext:
    """Shared state of one demo run; steps record what they made in ``summary``."""

    reset: bool = False
    summary: dict[str, int | str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)


Step = Callable[[DemoContext], None]
STEPS: list[tuple[str, Step]] = []


def step(name: str) -> Callable[[Step], Step]:
    def register(func: Step) -> Step:
        STEPS.append((name, func))
        return func

    return register


def _password_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-accounts.json"


def _passwords() -> dict[str, str]:
    path = _password_file()
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for username, _role, _scopes in DEMO_ACCOUNTS:
        if username not in stored:
            stored[username] = secrets.token_urlsafe(9)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored


@step("accounts")
def make_accounts(context: DemoContext) -> None:
    """One account per role; passwords are generated once and kept in the data directory."""
    from barys.core.models import Scope, User
    from barys.core.people import add_user

    Scope.objects.update_or_create(
        code="ile-alatau",
        defaults={
            "name_en": "Ile-Alatau National Park",
            "name_ru": "Иле-Алатауский национальный парк",
            "name_kk": "Іле-Алатау ұлттық паркі",
        },
    )
    passwords = _passwords()
    for username, role, scopes in DEMO_ACCOUNTS:
        exists = User.objects.filter(username=username).exists()
        add_user(
            username=username,
            role=role,
            scopes=scopes,
            password=None if exists else passwords[username],
            actor="demo",
        )
        context.accounts[username] = passwords[username]
    context.summary["accounts"] = len(DEMO_ACCOUNTS)


def run(
    *, reset: bool = False, progress: Callable[[str, int, int], None] | None = None
) -> DemoContext:
    """Run every registered step in order."""
    _load_module_steps()
    context = DemoContext(reset=reset)
    for index, (name, func) in enumerate(ordered_steps(), start=1):
        if progress:
            progress(name, index, len(STEPS))
        log.debug("demo step %s", name)
        func(context)
    return context


def ordered_steps() -> list[tuple[str, Step]]:
    """Steps in the order of their modules in ``BARYS_DEMO_MODULES`` (this module first),
    whatever order the modules happened to be imported in."""
    modules = [__name__, *settings.BARYS_DEMO_MODULES]
    rank = {module: index for index, module in enumerate(modules)}
    return sorted(STEPS, key=lambda item: rank.get(item[1].__module__, len(modules)))


def _load_module_steps() -> None:
    """Import the demo steps of the installed domain modules (each registers itself)."""
    import importlib
    from importlib.util import find_spec

    for module in settings.BARYS_DEMO_MODULES:
        if find_spec(module) is not None:
            importlib.import_module(module)
