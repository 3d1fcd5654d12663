"""The JSON API under ``/api/v1/``; each domain app contributes a router."""

from __future__ import annotations

from ninja import NinjaAPI

from barys import __version__
from barys.core.api import router as core_router

api = NinjaAPI(
    title="Barys API",
    version=__version__,
    description="Red Book registry, occurrence records and monitoring of rare and endangered "
    "animals of Kazakhstan. Exact locations of sensitive taxa are generalised unless the "
    "caller's role and scope allow them.",
    urls_namespace="api",
)
api.add_router("/", core_router)
