"""Small registry fixtures built through the ORM (names and facts of real taxa)."""

from __future__ import annotations

from barys.taxa import search, services
from barys.taxa.models import (
    Assessment,
    Category,
    Edition,
    ListingChange,
    Synonym,
    Taxon,
    VernacularName,
)
from barys.taxa.names import slugify_scientific


def taxon(name: str, rank: str, parent: Taxon | None, **names: str) -> Taxon:
    return Taxon.objects.create(
        scientific_name=name, rank=rank, parent=parent, slug=slugify_scientific(name), **names
    )


def small_registry() -> dict[str, object]:
    for code, order, ru in (
        ("I", 1, "Исчезающие"),
        ("II", 2, "Сокращающиеся"),
        ("III", 3, "Редкие"),
        ("IV", 4, "Неопределённые"),
        ("V", 5, "Восстановленные"),
    ):
        Category.objects.create(scheme="national", code=code, order=order, label_ru=ru, label_en=ru)
    for order, code in enumerate(("EX", "EW", "CR", "EN", "VU", "NT", "LC", "DD", "NE")):
        Category.objects.create(scheme="iucn", code=code, order=order, label_en=code)
    animalia = taxon("Animalia", "kingdom", None, name_en="Animals")
    chordata = taxon("Chordata", "phylum", animalia)
    mammalia = taxon(
        "Mammalia",
        "class",
        chordata,
        name_en="Mammals",
        name_ru="Млекопитающие",
        name_kk="Сүтқоректілер",
    )
    aves = taxon("Aves", "class", chordata, name_en="Birds", name_ru="Птицы", name_kk="Құстар")
    carnivora = taxon("Carnivora", "order", mammalia)
    felidae = taxon("Felidae", "family", carnivora)
    panthera = taxon("Panthera", "genus", felidae)
    felis = taxon("Felis", "genus", felidae)
    uncia = taxon(
        "Panthera uncia",
        "species",
        panthera,
        name_kk="Барыс",
        name_ru="Снежный барс",
        name_en="Snow leopard",
    )
    uncia.authorship = "(Schreber, 1775)"
    uncia.save()
    chaus = taxon(
        "Felis chaus",
        "species",
        felis,
        name_kk="Қамыс мысығы",
        name_ru="Камышовый кот",
        name_en="Jungle cat",
    )
    artiodactyla = taxon("Artiodactyla", "order", mammalia)
    bovidae = taxon("Bovidae", "family", artiodactyla)
    saiga_genus = taxon("Saiga", "genus", bovidae)
    saiga = taxon(
        "Saiga tatarica",
        "species",
        saiga_genus,
        name_kk="Ақбөкен",
        name_ru="Сайгак",
        name_en="Saiga antelope",
    )
    accipitriformes = taxon("Accipitriformes", "order", aves)
    accipitridae = taxon("Accipitridae", "family", accipitriformes)
    aegypius = taxon("Aegypius", "genus", accipitridae)
    vulture = taxon(
        "Aegypius monachus",
        "species",
        aegypius,
        name_kk="Кәдімгі тазқара",
        name_ru="Чёрный гриф",
        name_en="Cinereous vulture",
    )
    VernacularName.objects.create(taxon=uncia, language="ru", name="Ирбис")
    VernacularName.objects.create(taxon=uncia, language="en", name="Ounce")
    Synonym.objects.create(taxon=uncia, name="Uncia uncia", authorship="(Schreber, 1775)")
    old = Edition.objects.create(
        code="RB-2008-VERT",
        year=2008,
        scope="vertebrates",
        title_en="Red Book of Kazakhstan, vertebrates",
    )
    new = Edition.objects.create(
        code="RB-5",
        year=2025,
        scope="animals",
        is_current=True,
        title_en="Red Book of Kazakhstan, fifth edition",
    )
    Assessment.objects.create(taxon=uncia, edition=old, national_category="I", iucn_category="EN")
    Assessment.objects.create(
        taxon=uncia,
        edition=new,
        national_category="I",
        iucn_category="VU",
        rationale_en="Rare mountain predator.",
    )
    Assessment.objects.create(taxon=saiga, edition=old, national_category="III", iucn_category="CR")
    Assessment.objects.create(taxon=saiga, edition=new, national_category="V", iucn_category="NT")
    Assessment.objects.create(taxon=chaus, edition=new, national_category="I", iucn_category="LC")
    Assessment.objects.create(taxon=vulture, edition=new, national_category="I", iucn_category="NT")
    ListingChange.objects.create(
        taxon=chaus,
        from_edition=old,
        to_edition=new,
        change="added",
        reason="Rare in the reed beds of the south.",
    )
    ListingChange.objects.create(
        taxon=saiga,
        from_edition=old,
        to_edition=new,
        change="category_changed",
        reason="Numbers recovered.",
    )
    ListingChange.objects.create(
        taxon=uncia,
        from_edition=old,
        to_edition=new,
        change="renamed",
        reason="Uncia uncia → Panthera uncia.",
    )
    services.refresh_status()
    search.reindex()
    return {
        "uncia": uncia,
        "saiga": saiga,
        "chaus": chaus,
        "vulture": vulture,
        "old": old,
        "new": new,
        "felis": felis,
        "panthera": panthera,
        "mammalia": mammalia,
    }
