"""The portal in a real browser: home, species page, language switch, signing in."""

from __future__ import annotations

from pathlib import Path

import pytest

from barys.records import importer, sources
from tests.browser.conftest import screenshot, type_credentials
from tests.records.helpers import row, write_csv
from tests.taxa.factories import small_registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(tmp_path: Path) -> None:
    small_registry()
    source = sources.get_or_create_source(title="Survey", code="survey")
    importer.import_occurrences(
        write_csv(
            tmp_path / "r.csv",
            [
                row(1),
                row(2, lat="43.3", lon="77.2"),
                row(3, name="Saiga tatarica", lat="48.5", lon="60.5"),
            ],
        ),
        source=source,
    )


def test_home_species_page_and_language_switch(site, page) -> None:
    page.goto("/en/")
    assert page.locator("h1").inner_text() == "Rare and endangered animals of Kazakhstan"
    page.wait_for_selector("#richness-map path.leaflet-interactive", timeout=15000)
    screenshot(page, "home-en")
    page.get_by_role("link", name="Snow leopard").first.click()
    page.wait_for_url("**/en/species/panthera-uncia/")
    assert page.locator("h1").inner_text() == "Snow leopard"
    screenshot(page, "species-snow-leopard-en")
    page.locator(".lang-switch a[hreflang=kk]").click()
    page.wait_for_url("**/kk/species/panthera-uncia/")
    assert page.locator("h1").inner_text() == "Барыс"
    page.locator(".lang-switch a[hreflang=ru]").click()
    assert page.locator("h1").inner_text() == "Снежный барс"
    screenshot(page, "species-snow-leopard-ru")
    assert page.console_errors == []


def test_researcher_signs_in_with_the_keyboard(site, page, make_user) -> None:
    make_user("aigerim", "researcher", ["ile-alatau"], password="a-long-test-password-1")
    page.goto("/ru/accounts/login/")
    type_credentials(page, "aigerim", "a-long-test-password-1")
    page.wait_for_url("**/ru/")
    assert page.get_by_role("link", name="aigerim").count() == 1
    page.goto("/ru/records/")
    page.wait_for_selector("#records-map .leaflet-interactive", timeout=15000)
    screenshot(page, "records-researcher-ru")
    assert page.console_errors == []
