"""The portal's sections of the home page."""

from __future__ import annotations

from typing import Any

from barys.core.navigation import Panel
from barys.portal import services
from barys.taxa.models import Taxon


def home_figures(**_: Any) -> Panel:
    return Panel("portal/home_figures.html", {"headlines": services.headlines()}, order=10)


def home_map(**_: Any) -> Panel:
    return Panel("portal/home_map.html", {}, order=20)


def home_species(**_: Any) -> Panel:
    featured = Taxon.objects.filter(
        slug__in=[
            "panthera-uncia",
            "saiga-tatarica",
            "felis-chaus",
            "aegypius-monachus",
            "falco-cherrug",
            "chlamydotis-macqueenii",
            "otocolobus-manul",
            "equus-ferus-przewalskii",
        ]
    )
    return Panel("portal/home_species.html", {"species": featured}, order=40)
