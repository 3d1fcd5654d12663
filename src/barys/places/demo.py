"""Demo step: oblasts (Natural Earth), the approximate outline of Ile-Alatau National Park, a
schematic snow leopard range, then records located and EOO/AOO computed."""

from __future__ import annotations

from barys.demo.scenario import SIMULATED, DemoContext, step
from barys.places import builtin
from barys.places import geometry as geo
from barys.places.models import Place, PlaceKind, RangeKind
from barys.taxa.models import Taxon

#: Schematic mountain blocks where snow leopards live in Kazakhstan (Western Tien Shan and
#: Talas Alatau, Kyrgyz Alatau, Trans-Ili and Kungey Alatau, Ketmen, Zhetysu Alatau, Saur
#: and Tarbagatai, Altai), drawn coarsely for the demonstration (longitude, latitude).
SNOW_LEOPARD_BLOCKS: tuple[tuple[tuple[float, float], ...], ...] = (
    ((69.9, 42.2), (70.6, 42.6), (71.2, 42.5), (70.9, 41.9), (70.2, 41.8), (69.9, 42.2)),
    ((73.3, 42.8), (74.8, 42.95), (75.6, 42.85), (75.6, 42.6), (74.0, 42.55), (73.3, 42.8)),
    (
        (75.7, 43.1),
        (77.9, 43.35),
        (79.2, 43.1),
        (80.2, 42.9),
        (80.2, 42.6),
        (78.5, 42.75),
        (76.6, 42.85),
        (75.7, 43.1),
    ),
    ((78.6, 44.7), (80.1, 45.1), (80.9, 45.3), (80.9, 44.8), (80.0, 44.6), (78.6, 44.7)),
    ((82.1, 47.1), (84.5, 47.3), (85.6, 47.1), (85.6, 46.9), (83.5, 46.8), (82.1, 47.1)),
    ((84.9, 49.3), (86.4, 49.6), (87.2, 49.2), (86.9, 48.9), (85.4, 49.0), (84.9, 49.3)),
)


def _snow_leopard_range() -> str:
    polygon = {
        "type": "MultiPolygon",
        "coordinates": [[[list(p) for p in block]] for block in SNOW_LEOPARD_BLOCKS],
    }
    return geo.to_text(geo.parse(polygon))


@step("places and distribution maps")
def load_places(context: DemoContext) -> None:
    from barys.places import areas, locator

    places = [*builtin.oblasts(), builtin.ile_alatau()]
    uncia = Taxon.objects.filter(slug="panthera-uncia").first()
    if uncia is not None:
        places.append(
            builtin.BuiltinPlace(
                PlaceKind.RANGE,
                "panthera-uncia-current-schematic",
                "Snow leopard range (schematic)",
                "Ареал снежного барса (схема)",
                "Барыс таралу аймағы (сызба)",
                _snow_leopard_range(),
                SIMULATED,
                notes="Coarse mountain blocks drawn for the demonstration.",
                extra=(("taxon_id", uncia.pk), ("range_kind", RangeKind.CURRENT)),
            )
        )
    counts = builtin.load(places, actor="demo")
    moved = locator.relocate_all()
    from barys.records.models import Occurrence

    taxa = set(
        Occurrence.objects.filter(taxon__isnull=False).values_list("taxon_id", flat=True).distinct()
    )
    areas.recompute_areas(taxa)
    context.summary["places"] = Place.objects.count()
    context.summary["places created"] = counts["created"]
    context.summary["records located"] = moved["records"]
    context.summary["taxa with EOO/AOO"] = len(taxa)
