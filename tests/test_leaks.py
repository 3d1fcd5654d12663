"""No public surface leaks an exact sensitive location.

Records of category 1–4 taxa are placed at known exact coordinates with secret localities,
inside a protected area. Every page reachable by links from the home pages, every API endpoint
and map layer, error pages and the public export are fetched as an anonymous visitor and as a
researcher of another park; no exact coordinate (to the decimals that would reveal more than
the category allows) and no withheld locality may appear anywhere.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from barys.records import export, importer, sources
from barys.records.models import Occurrence
from barys.taxa.models import Taxon
from tests.records.helpers import row, write_csv
from tests.taxa.factories import small_registry

pytestmark = pytest.mark.django_db

# taxon, category, exact latitude, longitude, decimals that must never appear, locality
SECRETS = [
    ("Felis chaus", 1, 44.61837, 79.27514, 2, "reed bed den KX-1"),
    ("Panthera uncia", 2, 43.18764, 77.23458, 3, "upper Aksai den KX-2"),
    ("Aegypius monachus", 3, 43.41629, 78.56271, 4, "nest cliff KX-3"),
    ("Saiga tatarica", 4, 48.73518, 61.84629, 5, "calving ground KX-4"),
]
HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/admin/", "/static/", "/accounts/logout/", "/api/v1/docs", "/jobs/")


def revealing(value: float, decimals: int) -> set[str]:
    """Strings that would reveal ``value`` to ``decimals`` places (rounded or truncated)."""
    rounded = f"{value:.{decimals}f}"
    truncated = str(int(value * 10**decimals) / 10**decimals)
    return {rounded, truncated.ljust(len(rounded), "0")}


@pytest.fixture
def secret_records(tmp_path: Path) -> list[Occurrence]:
    small_registry()
    for name, category, *_rest in SECRETS:
        Taxon.objects.filter(scientific_name=name).update(sensitivity_category=category)
    source = sources.get_or_create_source(title="Secret survey", code="secret-survey")
    # the exact date is withheld for categories 1 and 2 only
    rows = [
        row(
            i,
            name=name,
            lat=str(lat),
            lon=str(lon),
            locality=locality,
            date="2022-05-17" if category <= 2 else "2021-08-09",
        )
        for i, (name, category, lat, lon, _d, locality) in enumerate(SECRETS)
    ]
    importer.import_occurrences(write_csv(tmp_path / "secret.csv", rows), source=source)
    Occurrence.objects.update(protected_area="ile-alatau")
    return list(Occurrence.objects.all())


def forbidden_strings() -> dict[str, str]:
    found: dict[str, str] = {}
    for name, category, lat, lon, decimals, locality in SECRETS:
        for text in revealing(lat, decimals) | revealing(lon, decimals):
            found[text] = f"{name} coordinate"
        if category <= 2:  # localities are withheld for categories 1 and 2
            found[locality] = f"{name} locality"
    found["2022-05-17"] = "exact date of sensitive records"
    return found


def crawl(client: Client, records: list[Occurrence]) -> dict[str, str]:
    """Fetch every reachable page and the API; returns URL → body."""
    ids = [str(r.occurrence_id) for r in records]
    slugs = [t.slug for t in Taxon.objects.all()]
    queue = [f"/{lang}/" for lang in ("kk", "ru", "en")]
    queue += [f"/en/species/{slug}/" for slug in slugs]
    queue += [f"/en/records/{i}/" for i in ids] + [f"/en/records/?taxon={s}" for s in slugs]
    queue += [
        f"/en/records/{uuid.uuid4()}/",
        "/en/species/no-such-taxon/",
        "/en/no-such-page/",
        "/api/v1/occurrences/not-a-uuid",
    ]
    queue += [
        "/api/v1/occurrences",
        "/api/v1/occurrences?format=geojson&limit=500",
        "/api/v1/openapi.json",
        "/api/v1/taxa?limit=500",
        "/healthz",
    ]
    queue += [f"/api/v1/occurrences/{i}" for i in ids]
    queue += [f"/api/v1/occurrences?taxon={s}" for s in slugs]
    queue += [
        f"/api/v1/occurrences/cells?zoom={z}" + (f"&taxon={s}" if s else "")
        for z in (3, 6, 9, 12, 15)
        for s in ["", *slugs]
    ]
    seen: dict[str, str] = {}
    while queue and len(seen) < 600:
        url = queue.pop(0)
        if url in seen or url.startswith(SKIP) or "/admin/" in url:
            continue
        response = client.get(url, follow=False)
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        if response.get("Content-Type", "").startswith("image/"):
            # rendered maps hold page coordinates, not degrees: only their text can leak
            raw = b" ".join(re.findall(rb"<text[^>]*>([^<]*)</text>", raw))
        body = raw.decode("utf-8", errors="replace")
        seen[url] = body
        if "text/html" in response.get("Content-Type", ""):
            for link in HREF.findall(body):
                link = link.replace("&amp;", "&")
                if link not in seen and not link.startswith(SKIP):
                    queue.append(link)
    return seen


def assert_no_leak(pages: dict[str, str]) -> None:
    forbidden = forbidden_strings()
    for url, body in pages.items():
        for text, what in forbidden.items():
            assert text not in body, f"{url} reveals the {what} ({text!r})"


def test_anonymous_visitor_sees_nothing_exact(secret_records) -> None:
    pages = crawl(Client(), secret_records)
    assert len(pages) > 40
    assert any("/en/records/" in url for url in pages)
    assert_no_leak(pages)


def test_researcher_of_another_park_sees_nothing_exact(secret_records, login) -> None:
    client = login("elsewhere", "researcher", ["altyn-emel"])
    pages = crawl(client, secret_records)
    assert_no_leak(pages)


def test_researcher_of_the_park_does_see_them(secret_records, login) -> None:
    client = login("inside", "researcher", ["ile-alatau"])
    record = Occurrence.objects.get(taxon__scientific_name="Panthera uncia")
    body = client.get(f"/en/records/{record.occurrence_id}/").content.decode()
    assert "43.18764" in body and "upper Aksai den KX-2" in body  # the check can fail


def test_public_export_leaks_nothing(secret_records, tmp_path: Path) -> None:
    out = tmp_path / "public.zip"
    export.export_dwca(out)
    with zipfile.ZipFile(out) as archive:
        pages = {name: archive.read(name).decode() for name in archive.namelist()}
    assert_no_leak(pages)
