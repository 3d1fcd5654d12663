"""The map page's data endpoints, shared by ``maps.py`` and ``occurrences.py``: synthetic
protected areas and ranges to draw, and in-process latency of each endpoint. Django must be
set up before these functions are called."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
from _common import percentile


def build_places(taxon: Any, seed: int = 7) -> None:
    """The shipped oblasts, 120 synthetic protected areas and 6 ranges of ``taxon``."""
    from barys.places import builtin
    from barys.places.models import Place

    builtin.load_oblasts(actor="benchmark")
    rng = np.random.default_rng(seed)
    if Place.objects.filter(kind="protected_area").count() < 120:
        for i in range(120):
            lat, lon = rng.uniform(41.5, 54.0), rng.uniform(50.0, 85.0)
            angles = np.sort(rng.uniform(0, 2 * np.pi, 40))
            radius = rng.uniform(0.05, 0.6) * (1 + 0.3 * np.sin(5 * angles))
            ring = [
                [round(lon + r * np.cos(a) * 1.4, 5), round(lat + r * np.sin(a), 5)]
                for r, a in zip(radius, angles, strict=True)
            ]
            ring.append(ring[0])
            Place(
                kind="protected_area",
                code=f"bench-pa-{i:03d}",
                name_en=f"Area {i}",
                geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
            ).save()
    if Place.objects.filter(kind="range", taxon=taxon).exists():
        return
    for i in range(6):
        lat, lon = rng.uniform(42, 52), rng.uniform(52, 84)
        ring = [
            [lon - 2, lat - 1],
            [lon + 2, lat - 1],
            [lon + 2, lat + 1],
            [lon - 2, lat + 1],
            [lon - 2, lat - 1],
        ]
        Place(
            kind="range",
            code=f"bench-range-{taxon.slug}-{i}",
            name_en=f"Range {i}",
            taxon=taxon,
            range_kind="current" if i < 4 else "historical",
            geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
        ).save()


def endpoint_latency(client: Any, url: str, requests: int = 200) -> dict[str, float]:
    """p50 and p95 of ``requests`` GETs after 5 warm-up requests, and the body's size."""
    for _ in range(5):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    size = 0
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        times.append(time.perf_counter() - start)
        size = len(body)
    return {
        "p50_ms": round(1000 * percentile(times, 50), 2),
        "p95_ms": round(1000 * percentile(times, 95), 2),
        "bytes": size,
    }


def map_page_latencies(client: Any, slug: str, requests: int = 200) -> dict[str, Any]:
    """Every data endpoint the species map page calls, and the page itself."""
    from barys.places import mapdata

    mapdata.invalidate()
    urls = {
        "basemap": "/api/v1/places/basemap",
        "protected_areas": "/api/v1/places/features?kind=protected_area&simplify=0.001",
        "protected_areas_bbox": "/api/v1/places/features?kind=protected_area&bbox=70,42,80,46",
        "ranges": f"/api/v1/places/ranges?taxon={slug}",
        "areas": f"/api/v1/places/areas?taxon={slug}",
        "area_geometry_all": f"/api/v1/places/areas/geometry?taxon={slug}&period=all",
        "ogc_protected_areas": "/ogcapi/collections/protected-areas/items?limit=100",
        "ogc_occurrences_page": "/ogcapi/collections/occurrences/items?limit=100",
        "map_page": f"/en/species/{slug}/map/",
        "map_svg_cached": f"/en/species/{slug}/map.svg",
    }
    latencies: dict[str, Any] = {
        name: endpoint_latency(client, url, requests) for name, url in urls.items()
    }
    latencies["ogc_occurrences_bbox"] = endpoint_latency(
        client, "/ogcapi/collections/occurrences/items?limit=100&bbox=60,45,61,46", 20
    )
    return latencies
