"""Cleaning in the database and researchers' overrides (audited, scoped)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from barys.core.audit import history
from barys.core.models import AuditEntry
from barys.telemetry import services
from barys.telemetry.importing import import_fixes
from barys.telemetry.models import Fix, HomeRange, MovementLimit

pytestmark = pytest.mark.django_db

HEADER = "timestamp,location-long,location-lat,gps:hdop,individual-local-identifier\n"


def _track(tmp_path: Path, spike_at: int = 20, n: int = 60) -> Path:
    """Hourly fixes of SL-IA-017 walking ~300 m an hour, a 20 km spike at ``spike_at``, a
    duplicate time with another place at 30 and a poor-precision fix at 40."""
    rows = []
    for i in range(n):
        lat = 43.05 + (0.18 if i == spike_at else 0.0) + (i % 5) * 0.0005
        lon = 77.0 + i * 0.0037
        hdop = 14.0 if i == 40 else 1.1
        rows.append(
            f"2022-{1 + i // 24 // 28:02d}-{1 + (i // 24) % 28:02d} "
            f"{i % 24:02d}:00:00.000,{lon:.6f},{lat:.6f},{hdop},SL-IA-017"
        )
        if i == 30:
            rows.append(f"2022-01-02 06:00:00.000,{lon + 0.02:.6f},{lat:.6f},2.5,SL-IA-017")
    path = tmp_path / "hand.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def leopard(individual: Any, tmp_path: Path) -> Any:
    leopard = individual("SL-IA-017", species="Panthera uncia", category=1)
    import_fixes(_track(tmp_path))
    return leopard


def _flags(leopard: Any) -> dict[int, list[str]]:
    from barys.telemetry.cleaning import flag_names

    fixes = list(Fix.objects.filter(individual=leopard).order_by("timestamp", "id"))
    return {i: flag_names(f.flags) for i, f in enumerate(fixes) if f.flags}


def test_import_flags_hand_made_problems(leopard: Any) -> None:
    assert Fix.objects.filter(individual=leopard).count() == 61
    assert _flags(leopard) == {20: ["SPIKE"], 31: ["DUPLICATE_TIME"], 41: ["POOR_DOP"]}
    spike = Fix.objects.filter(individual=leopard).order_by("timestamp")[20]
    assert spike.outlier and spike.flag_values["turn_deg"] > 150
    # the snow leopard's built-in limit is 25 km/h
    assert services.rules_for(leopard.taxon).max_speed_kmh == 25.0
    entry = AuditEntry.objects.filter(
        object_type="individuals.individual", reason__startswith="telemetry cleaning"
    ).get()
    assert entry.after["fixes_flagged"] == 3


def test_a_taxon_limit_changes_the_verdict(leopard: Any) -> None:
    MovementLimit.objects.create(taxon=leopard.taxon, max_speed_kmh=0.2)
    assert services.rules_for(leopard.taxon).max_speed_kmh == 0.2
    services.clean_individual(individual=leopard)
    flags = _flags(leopard)
    assert flags[20] == ["SPIKE"]
    # walking 300-400 m an hour is now too fast for this (imaginary) limit
    assert sum(1 for names in flags.values() if "TOO_FAST" in names) > 10


def test_windows_give_the_same_flags_as_one_pass(leopard: Any) -> None:
    before = _flags(leopard)
    Fix.objects.filter(individual=leopard).update(flags=0, flag_values=None, outlier=False)
    services.clean_individual(individual=leopard, window=60)
    assert _flags(leopard) == before


def test_override_through_the_api_is_audited_and_scoped(
    leopard: Any, token_client: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    spike = Fix.objects.filter(individual=leopard).order_by("timestamp")[20]
    url = f"/api/v1/telemetry/fixes/{spike.pk}/override"
    body = json.dumps({"decision": "valid", "reason": "seen on camera there"})
    assert Client().post(url, body, content_type="application/json").status_code == 401
    far, _ = token_client("far", "researcher", ["other-park"])
    assert far.post(url, body, content_type="application/json").status_code == 403
    ranger, _ = token_client("ranger", "observer", ["ile-alatau"])
    assert ranger.post(url, body, content_type="application/json").status_code == 403
    near, _ = token_client("near", "researcher", ["ile-alatau"])
    missing = json.dumps({"decision": "valid", "reason": " "})
    assert near.post(url, missing, content_type="application/json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = near.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert len(callbacks) == 1  # the home ranges are rebuilt by a background job
    assert response.json() == {"id": spike.pk, "flags": [], "outlier": False, "override": "valid"}
    spike.refresh_from_db()
    assert spike.override == "valid" and spike.override_by.username == "near"
    entry = history(spike).filter(action="update").first()
    assert entry is not None and entry.reason == "seen on camera there"
    assert entry.before["override"] == "" and entry.after["override"] == "valid"
    assert entry.actor.username == "near"
    # ... with the fix in them
    assert (
        HomeRange.objects.filter(individual=leopard, season="all")
        .get(method="mcp", level=100.0)
        .n_fixes
        == 59
    )


def test_override_through_the_page(leopard: Any, login: Callable[..., Client]) -> None:
    fix = Fix.objects.filter(individual=leopard, flags=0).order_by("timestamp")[5]
    near = login("near", "researcher", ["ile-alatau"])
    page = near.get("/en/telemetry/individuals/SL-IA-017/flags/")
    assert page.status_code == 200 and b"out-and-back spike" in page.content
    response = near.post(
        f"/en/telemetry/fixes/{fix.pk}/override/",
        {"decision": "outlier", "reason": "collar on the ground"},
    )
    assert response.status_code == 302
    fix.refresh_from_db()
    assert fix.outlier and fix.override == "outlier"
    assert history(fix).filter(reason="collar on the ground").exists()
    ranger = login("ranger", "observer", ["ile-alatau"])
    assert (
        ranger.post(
            f"/en/telemetry/fixes/{fix.pk}/override/", {"decision": "", "reason": "x"}
        ).status_code
        == 403
    )
