"""Browser tests: Playwright (Python) driving the system's Chromium against a live server.

Screenshots go to ``test-artifacts/`` at the repository root. Chromium comes from Debian's
``chromium`` package (``make test`` installs it); the tests fail with a clear message when it
is missing rather than skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reference import REPO_ROOT

# Playwright's synchronous API keeps an event loop in the test thread; the database work of the
# fixtures is still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("BARYS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture
def page(transactional_db: None, live_server: object) -> Iterator[object]:
    """A browser tab on the live server. Playwright's event loop lives only as long as this
    fixture (other browser tests start their own), and the database is set up before it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `apt-get install chromium` (make test does it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, base_url=live_server.url
        )  # type: ignore[attr-defined]
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.console_errors = errors  # type: ignore[attr-defined]
        yield tab
        context.close()
        browser.close()


def screenshot(tab: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def type_credentials(tab: object, username: str, password: str) -> None:
    """Type a username and password on the open login page with the keyboard only.

    The page autofocuses the username field; the browser applies that focus at its next
    rendering step, which may come after the load event, so typing waits for it rather than
    racing it (characters typed before would go nowhere)."""
    tab.wait_for_function(  # type: ignore[attr-defined]
        "() => document.activeElement && document.activeElement.id === 'id_username'"
    )
    tab.keyboard.type(username)  # type: ignore[attr-defined]
    tab.keyboard.press("Tab")  # type: ignore[attr-defined]
    tab.keyboard.type(password)  # type: ignore[attr-defined]
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
