"""The field form and the incident map in a real browser (Playwright + the system Chromium):
on a phone-sized screen the location button fills the coordinates, an offline submission is
kept on the phone and sent later, and the maps draw without console errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from barys.incidents.builtin_types import seed_builtin_types
from barys.incidents.models import Incident, IncidentType
from tests.browser.conftest import ARGS, CHROMIUM, screenshot
from tests.incidents import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-1"
T = TypeVar("T")


@pytest.fixture
def browser_context(transactional_db: None, live_server: object) -> Iterator[object]:
    """A phone-sized browser context on the live server (Playwright's loop lives only as long
    as this fixture, so Django may use the database before and after)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            base_url=live_server.url,  # type: ignore[attr-defined]
            geolocation={"latitude": 43.079137, "longitude": 76.758244, "accuracy": 12},
            permissions=["geolocation"],
        )
        yield context
        context.close()
        browser.close()


def _db(func: Callable[[], T]) -> T:
    """Run database work in a thread: Django refuses it while Playwright's loop runs here."""
    from django.db import connection

    def run() -> T:
        try:
            return func()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def types(transactional_db: None) -> None:
    seed_builtin_types(IncidentType)  # an earlier transactional test may have flushed them


@pytest.fixture
def ranger(types: None, make_user) -> None:
    make_user("ranger", "observer", ["ile-alatau"], password=PASSWORD)
    factories.snow_leopard()


@pytest.fixture
def published(types: None) -> None:
    factories.incident(taxon_obj=factories.argali(), published=True)


def _tab(context: object) -> object:
    tab = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    # failed loads are caught by the response listener (the browser's own favicon request,
    # which is not the page's, only shows up as a console message)
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    tab.console_errors = errors
    return tab


def _sign_in(tab: object, username: str) -> None:
    tab.goto("/en/accounts/login/")  # type: ignore[attr-defined]
    tab.fill("input[name=username]", username)  # type: ignore[attr-defined]
    tab.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    tab.wait_for_url("**/en/")  # type: ignore[attr-defined]


def test_field_form_on_a_phone_offline_then_online(ranger, browser_context) -> None:
    tab = _tab(browser_context)
    _sign_in(tab, "ranger")
    tab.goto("/ru/incidents/new/sick-animal/")
    tab.click("#geolocate")
    tab.wait_for_function("document.querySelector('[name=latitude]').value !== ''")
    assert tab.input_value("[name=latitude]") == "43.079137"
    assert tab.input_value("[name=uncertainty_m]") == "12"
    tab.select_option("[name=attr__condition]", "weakened")
    tab.check("input[name=attr__symptoms][value=lethargy]")
    tab.fill("[name=narrative]", "Thin, stayed near the huts.")
    box = tab.locator("#incident-form button[type=submit]").bounding_box()
    assert box["height"] >= 44  # a touch target
    browser_context.set_offline(True)
    tab.click("#incident-form button[type=submit]")
    tab.wait_for_selector("#offline-note:not([hidden])")
    assert _db(Incident.objects.count) == 0
    screenshot(tab, "incident-form-offline-ru")
    browser_context.set_offline(False)
    tab.goto("/ru/incidents/new/sick-animal/")  # later, back in coverage
    tab.wait_for_selector("#draft-note:not([hidden])")
    assert tab.input_value("[name=narrative]") == "Thin, stayed near the huts."
    assert tab.is_checked("input[name=attr__symptoms][value=lethargy]")
    tab.click("#incident-form button[type=submit]")
    tab.wait_for_url("**/ru/incidents/INC-*/")
    incident = _db(Incident.objects.get)
    assert incident.attributes == {"condition": "weakened", "symptoms": ["lethargy"]}
    assert (incident.latitude, incident.longitude) == (43.079137, 76.758244)
    assert tab.evaluate("localStorage.getItem('incident-draft-sick-animal')") is None
    tab.wait_for_selector("#incident-map .leaflet-interactive")
    assert tab.console_errors == []


def test_public_map_shows_cells_not_points(published, browser_context) -> None:
    tab = _tab(browser_context)
    tab.goto("/en/incidents/")
    tab.wait_for_selector("#incident-map path.leaflet-interactive")
    features = tab.evaluate(
        "JSON.parse(document.getElementById('incident-features').textContent).features"
    )
    assert [f["geometry"]["coordinates"] for f in features] == [[76.75, 43.05]]
    assert "43.079" not in tab.content()
    screenshot(tab, "incident-list-public-en")
    assert tab.console_errors == []
