"""No fix coordinate leaks to the public or to researchers of other areas, live or old.

Every page and API response of the telemetry app is crawled as an anonymous visitor and as a
researcher of another protected area; every number with three or more decimals in the
responses is compared (truncated and rounded to 3 decimals, sign ignored) with every fix's
latitude and longitude. Researchers of the animal's own area see the fixes, and their views
are written to the access log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from barys.core.models import AccessLogEntry
from barys.core.navigation import panels
from barys.telemetry import ranges
from barys.telemetry.importing import ImportOptions, import_fixes
from barys.telemetry.models import Fix, HomeRange

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"-?\d+\.\d{3,}")


def _forms(value: float | str) -> set[str]:
    d = abs(Decimal(str(value)))
    return {
        str(d.quantize(Decimal("0.001"), rounding=ROUND_DOWN)),
        str(d.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)),
    }


def _fix_strings() -> set[str]:
    found: set[str] = set()
    for lat, lon in Fix.objects.filter(latitude__isnull=False).values_list("latitude", "longitude"):
        found |= _forms(lat) | _forms(lon)
    return found


def leaks(text: str, secrets: set[str]) -> set[str]:
    seen: set[str] = set()
    for number in NUMBER.findall(text):
        seen |= _forms(number)
    return seen & secrets


@pytest.fixture
def collared(individual: Any, recent_track: Any) -> dict[str, Any]:
    """PEPPER (category 2) transmitting now; SL-IA-017 (category 1) with an old track."""
    pepper = individual("PEPPER", species="Syncerus caffer", category=2)
    path, written = recent_track("Pepper")
    import_fixes(path, options=ImportOptions(individual_map={"Pepper": "PEPPER"}))
    leopard = individual("SL-IA-017", species="Panthera uncia", category=1)
    old, _ = recent_track("Queen", end=datetime.now(UTC) - timedelta(days=200))
    import_fixes(old, options=ImportOptions(individual_map={"Queen": "SL-IA-017"}))
    return {"pepper": pepper, "leopard": leopard, "written": written}


def _urls(code: str) -> list[str]:
    urls = []
    for lang in ("en", "ru", "kk"):
        urls += [
            f"/{lang}/telemetry/",
            f"/{lang}/telemetry/individuals/{code}/",
            f"/{lang}/telemetry/individuals/{code}/home-ranges/",
            f"/{lang}/individuals/{code}/",  # the passport page, with our collar panel
        ]
    api = f"/api/v1/telemetry/individuals/{code}"
    urls += [
        "/api/v1/telemetry/collars",
        f"{api}/home-ranges",
        f"{api}/track",
        f"{api}/track?layer=daily",
        f"{api}/track?layer=monthly",
        f"{api}/track?layer=detections",
        f"{api}/track?layer=fixes&include_outliers=false",
        "/api/v1/openapi.json",
    ]
    return urls


def _crawl(client: Client, codes: list[str]) -> str:
    text = []
    for code in codes:
        for url in _urls(code):
            response = client.get(url)
            assert response.status_code == 200, url
            text.append(response.content.decode())
        response = client.get(f"/en/telemetry/individuals/{code}/flags/")
        assert response.status_code == 403
        text.append(response.content.decode())
    return "\n".join(text)


def _panel(user: Any, individual: Any) -> str:
    request = RequestFactory().get(f"/en/individuals/{individual.code}/")
    request.user = user
    found = panels("individual", individual=individual, request=request)
    assert len(found) == 1
    return render_to_string(found[0].template, {"panel": found[0].context}, request=request)


@pytest.mark.slow
def test_anonymous_and_out_of_scope_never_see_a_fix(
    collared: dict[str, Any], login: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    from django.contrib.auth.models import AnonymousUser

    secrets = _fix_strings()
    assert len(secrets) > 300
    far = login("far", "researcher", ["other-park"])
    codes = ["PEPPER", "SL-IA-017"]
    for client in (Client(), far):
        assert leaks(_crawl(client, codes), secrets) == set()
    outsider = make_user("far2", "researcher", ["other-park"])
    for user in (AnonymousUser(), outsider):
        for key in ("pepper", "leopard"):
            assert leaks(_panel(user, collared[key]), secrets) == set()
    assert not AccessLogEntry.objects.exists()
    # the public gets no fix and no path, only generalised ranges (none for category 1)
    body = Client().get("/api/v1/telemetry/individuals/PEPPER/track").json()
    assert body["features"] == [] and body["exact"] is False and body["information_withheld"]
    public = Client().get("/api/v1/telemetry/individuals/PEPPER/home-ranges").json()
    assert public["features"] and all(f["properties"]["generalised"] for f in public["features"])
    assert (
        Client().get("/api/v1/telemetry/individuals/SL-IA-017/home-ranges").json()["features"] == []
    )


def test_recent_fixes_are_not_even_in_public_counts(collared: dict[str, Any]) -> None:
    cutoff = ranges.live_cutoff()
    old = sum(1 for t, _la, _lo in collared["written"] if t < cutoff)
    page = Client().get("/en/telemetry/individuals/PEPPER/")
    assert page.context["page"].stats["fixes"] == old < len(collared["written"])
    rows = HomeRange.objects.filter(individual=collared["pepper"]).exclude(public_geometry=None)
    assert rows and all(r.public_until < cutoff for r in rows)


def test_the_animals_own_researchers_see_fixes_and_are_logged(
    collared: dict[str, Any], login: Callable[..., Client]
) -> None:
    secrets = _fix_strings()
    near = login("near", "researcher", ["ile-alatau"])
    body = near.get("/api/v1/telemetry/individuals/PEPPER/track").json()
    assert body["exact"] is True and len(body["features"]) == len(collared["written"])
    assert leaks(near.get("/api/v1/telemetry/individuals/PEPPER/track").content.decode(), secrets)
    entry = AccessLogEntry.objects.filter(object_id="PEPPER").first()
    assert entry is not None and entry.count == len(collared["written"])
    assert entry.actor.username == "near"
    assert near.get("/en/telemetry/individuals/PEPPER/flags/").status_code == 200
    latest = max(t for t, _la, _lo in collared["written"])
    times = {f["properties"]["time"] for f in body["features"]}
    assert latest.strftime("%Y-%m-%dT%H:%M:%SZ") in times  # live positions, for them only


def test_token_clients_follow_the_same_rules(
    collared: dict[str, Any], token_client: Callable[..., Any]
) -> None:
    secrets = _fix_strings()
    far, _ = token_client("far-token", "researcher", ["other-park"])
    near, _ = token_client("near-token", "observer", ["ile-alatau"])
    url = "/api/v1/telemetry/individuals/PEPPER/track?layer=daily"
    assert leaks(far.get(url).content.decode(), secrets) == set()
    assert leaks(near.get(url).content.decode(), secrets)
