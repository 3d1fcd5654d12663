"""The species map in a real browser (Playwright + the system Chromium): layers drawn, the
legend shown, no console errors, for a visitor and for a curator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from barys.places import areas, builtin
from barys.places.models import Place
from barys.records import cells
from tests.browser.conftest import ARGS, CHROMIUM, screenshot
from tests.places.factories import add_records, square, taxon

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(transactional_db: None, live_server: object) -> Iterator[object]:
    """A browser tab on the live server. Playwright runs an event loop in this thread, so it
    starts after the database is set up and stops before the database is flushed (Django
    refuses database work while a loop runs)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, base_url=live_server.url
        )  # type: ignore[attr-defined]
        tab = context.new_page()
        errors: list[str] = []

        def on_console(msg: object) -> None:  # failed loads are checked by URL below
            text = msg.text  # type: ignore[attr-defined]
            if msg.type == "error" and not text.startswith("Failed to load resource"):  # type: ignore[attr-defined]
                errors.append(text)

        def on_response(response: object) -> None:  # the site has no favicon yet
            url = response.url  # type: ignore[attr-defined]
            if response.status >= 400 and not url.endswith("/favicon.ico"):  # type: ignore[attr-defined]
                errors.append(f"{response.status} {url}")  # type: ignore[attr-defined]

        tab.on("console", on_console)
        tab.on("response", on_response)
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.console_errors = errors  # type: ignore[attr-defined]
        yield tab
        context.close()
        browser.close()


@pytest.fixture
def snow_leopard() -> None:
    builtin.load([*builtin.oblasts(), builtin.ile_alatau()])
    uncia = taxon("Panthera uncia", category=2, name_en="Snow leopard")
    Place(
        kind="range",
        code="uncia-current",
        name_en="Tien Shan",
        taxon=uncia,
        range_kind="current",
        geometry=json.dumps(square(76.0, 42.5, 80.0, 43.5)),
    ).save()
    add_records(
        uncia,
        [43.12, 43.23, 42.98, 43.05],
        [77.12, 77.45, 78.98, 77.7],
        years=[2018, 2019, 2021, 2022],
    )
    cells.rebuild()
    areas.recompute_areas([uncia.pk])


def test_public_map_draws_its_layers_without_errors(snow_leopard, page) -> None:
    page.goto("/en/species/panthera-uncia/map/")
    page.wait_for_selector("#species-map .species-map-legend div", timeout=15000)
    page.wait_for_function(
        "document.querySelectorAll('.leaflet-control-layers-overlays label').length >= 4",
        timeout=15000,
    )
    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    names = [o.strip() for o in overlays]
    assert "Ranges" in names and "Protected areas" in names
    assert "Occurrence records (generalised)" in names
    assert not any("EOO" in n for n in names)  # the hull is not for the public
    screenshot(page, "species-map-public-en")
    assert page.console_errors == []


@pytest.fixture
def curator(make_user) -> None:
    make_user("cora", "curator", password="a-long-test-password-1")


def test_curator_sees_the_eoo_and_aoo_layers(snow_leopard, curator, page) -> None:
    page.goto("/en/accounts/login/")
    page.fill("input[name=username]", "cora")
    page.fill("input[name=password]", "a-long-test-password-1")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/")
    page.goto("/en/species/panthera-uncia/map/")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-"
        "overlays label')).some(l => l.textContent.includes('EOO'))",
        timeout=15000,
    )
    page.select_option("#area-period", "2010-2019")
    page.wait_for_timeout(500)
    screenshot(page, "species-map-curator-en")
    assert page.console_errors == []
