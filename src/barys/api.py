"""The JSON API under ``/api/v1/``; each domain app contributes ``barys.<app>.api.router``."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from ninja import NinjaAPI

from barys import __version__
from barys.core.api import router as core_router
from barys.domains import DOMAIN_APPS

api = NinjaAPI(
    title="Barys API",
    version=__version__,
    description="Red Book registry, occurrence records and monitoring of rare and endangered "
    "animals of Kazakhstan. Exact locations of sensitive taxa are generalised unless the "
    "caller's role and scope allow them.",
    urls_namespace="api",
)
api.add_router("/", core_router)
for _app in DOMAIN_APPS:
    if find_spec(f"barys.{_app}.api") is not None:
        api.add_router("/", import_module(f"barys.{_app}.api").router)
