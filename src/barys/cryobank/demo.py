"""Demo step: a cryobank with material of 19 rare vertebrates in a storage tree of dewars,
freezers, racks and boxes, including the samples of the Aksai snow leopard (December 2023).

The species are real Red Book taxa from the registry seed; the facility, the samples, their
quantities and every date are simulated demonstration data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from barys.demo.scenario import SIMULATED, DemoContext, step

ALMATY = ZoneInfo("Asia/Almaty")
FACILITY = "ALM"

#: (code, kind, name, parent code, rows, columns, storage condition)
STORAGE: tuple[tuple[str, str, str, str | None, int | None, int | None, str], ...] = (
    (FACILITY, "facility", "Cryobank, Almaty", None, None, None, ""),
    ("ALM-D1", "dewar", "Dewar 1 (vapour phase)", FACILITY, None, None, "ln2_vapour"),
    ("ALM-D1-R1", "rack", "Rack D1-1", "ALM-D1", None, None, "ln2_vapour"),
    ("ALM-D1-R1-B1", "box", "Box D1-1-1", "ALM-D1-R1", 9, 9, "ln2_vapour"),
    ("ALM-D1-R1-B2", "box", "Box D1-1-2", "ALM-D1-R1", 9, 9, "ln2_vapour"),
    ("ALM-D1-R2", "rack", "Rack D1-2", "ALM-D1", None, None, "ln2_vapour"),
    ("ALM-D1-R2-B1", "box", "Box D1-2-1", "ALM-D1-R2", 9, 9, "ln2_vapour"),
    ("ALM-D2", "dewar", "Dewar 2 (liquid phase)", FACILITY, None, None, "ln2_liquid"),
    ("ALM-D2-R1", "rack", "Canister D2-1", "ALM-D2", None, None, "ln2_liquid"),
    ("ALM-D2-R1-B1", "box", "Goblet box D2-1-1", "ALM-D2-R1", 5, 10, "ln2_liquid"),
    ("ALM-F1", "freezer", "Freezer 1 (−80 °C)", FACILITY, None, None, "minus80"),
    ("ALM-F1-R1", "rack", "Rack F1-1", "ALM-F1", None, None, "minus80"),
    ("ALM-F1-R1-B1", "box", "Box F1-1-1", "ALM-F1-R1", 9, 9, "minus80"),
    ("ALM-F1-R1-B2", "box", "Box F1-1-2", "ALM-F1-R1", 9, 9, "minus80"),
    ("ALM-F2", "freezer", "Freezer 2 (−20 °C)", FACILITY, None, None, "minus20"),
    ("ALM-F2-R1", "rack", "Shelf F2-1", "ALM-F2", None, None, "minus20"),
    ("ALM-F2-R1-B1", "box", "Box F2-1-1", "ALM-F2-R1", 10, 10, "minus20"),
)

#: Where each preservation goes.
BOX_FOR = {
    "ln2_vapour": ["ALM-D1-R1-B1", "ALM-D1-R1-B2", "ALM-D1-R2-B1"],
    "ln2_liquid": ["ALM-D2-R1-B1"],
    "minus80": ["ALM-F1-R1-B1", "ALM-F1-R1-B2"],
    "minus20": ["ALM-F2-R1-B1"],
    "ethanol": ["ALM-F2-R1-B1"],
}

#: The 19 rare vertebrates of the collection (registry names) and their material:
#: (material, quantity, unit, preservation, source kind, source detail, date).
COLLECTION: tuple[tuple[str, tuple[tuple[str, str, str, str, str, str, str], ...]], ...] = (
    (
        "Cervus elaphus bactrianus",
        (
            (
                "semen",
                "12",
                "straws",
                "ln2_liquid",
                "zoo",
                "Almaty Zoo breeding male",
                "2022-10-12",
            ),
            ("blood", "2", "ml", "minus80", "capture", "Karachingil (game reserve)", "2023-03-02"),
            (
                "skin",
                "0.3",
                "g",
                "ln2_vapour",
                "capture",
                "Karachingil (game reserve)",
                "2023-03-02",
            ),
        ),
    ),
    (
        "Hystrix indica",
        (
            ("muscle", "0.5", "g", "minus80", "incident", "road kill", "2021-06-19"),
            ("skin", "0.2", "g", "ln2_vapour", "incident", "road kill", "2021-06-19"),
            (
                "cell_culture",
                "4",
                "vials",
                "ln2_vapour",
                "incident",
                "fibroblasts from skin",
                "2021-07-30",
            ),
        ),
    ),
    (
        "Aquila nipalensis",
        (
            ("blood", "0.5", "ml", "minus80", "incident", "rehabilitation centre", "2024-08-15"),
            (
                "feather",
                "5",
                "pieces",
                "minus20",
                "incident",
                "rehabilitation centre",
                "2024-08-15",
            ),
        ),
    ),
    (
        "Haliaeetus albicilla",
        (
            ("muscle", "0.4", "g", "minus80", "necropsy", "found dead, Ili delta", "2022-11-04"),
            ("dna", "50", "ul", "minus80", "necropsy", "extract from muscle", "2022-12-01"),
        ),
    ),
    (
        "Otocolobus manul",
        (
            ("blood", "1", "ml", "minus80", "zoo", "Almaty Zoo", "2023-05-16"),
            ("hair", "20", "pieces", "minus20", "zoo", "Almaty Zoo", "2023-05-16"),
        ),
    ),
    (
        "Lynx lynx isabellinus",
        (("muscle", "0.5", "g", "minus80", "necropsy", "road kill, Zhetysu Alatau", "2020-09-08"),),
    ),
    (
        "Ursus arctos isabellinus",
        (
            ("hair", "15", "pieces", "minus20", "capture", "hair trap, Ile-Alatau", "2024-06-20"),
            ("dna", "40", "ul", "minus80", "capture", "extract from hair", "2024-07-11"),
        ),
    ),
    (
        "Ovis ammon karelini",
        (
            ("muscle", "0.6", "g", "minus80", "incident", "snared animal", "2024-02-11"),
            ("skin", "0.3", "g", "ethanol", "incident", "snared animal", "2024-02-11"),
        ),
    ),
    (
        "Equus hemionus kulan",
        (
            ("blood", "2", "ml", "minus80", "capture", "translocation, Altyn-Emel", "2023-09-27"),
            (
                "semen",
                "8",
                "straws",
                "ln2_liquid",
                "capture",
                "translocation, Altyn-Emel",
                "2023-09-27",
            ),
        ),
    ),
    (
        "Equus ferus przewalskii",
        (
            ("blood", "2", "ml", "minus80", "zoo", "reintroduction group", "2024-06-05"),
            ("oocytes", "6", "straws", "ln2_liquid", "zoo", "reintroduction group", "2024-06-05"),
        ),
    ),
    (
        "Gazella subgutturosa",
        (
            ("muscle", "0.5", "g", "minus80", "incident", "road kill", "2024-05-04"),
            ("skin", "0.2", "g", "ln2_vapour", "incident", "road kill", "2024-05-04"),
        ),
    ),
    ("Caracal caracal", (("skin", "0.2", "g", "ln2_vapour", "zoo", "Almaty Zoo", "2019-04-23"),)),
    ("Aquila chrysaetos", (("blood", "0.4", "ml", "minus80", "capture", "ringing", "2023-06-14"),)),
    (
        "Falco cherrug",
        (
            ("muscle", "0.3", "g", "minus80", "incident", "power line", "2024-04-22"),
            ("feather", "4", "pieces", "minus20", "incident", "power line", "2024-04-22"),
        ),
    ),
    (
        "Gypaetus barbatus",
        (("blood", "0.5", "ml", "minus80", "capture", "rehabilitation", "2022-08-30"),),
    ),
    (
        "Aegypius monachus",
        (("muscle", "0.4", "g", "minus80", "necropsy", "poisoned bait", "2021-03-15"),),
    ),
    ("Bubo bubo", (("blood", "0.3", "ml", "minus80", "zoo", "Almaty Zoo", "2023-11-02"),)),
    (
        "Phoenicopterus roseus",
        (
            (
                "feather",
                "6",
                "pieces",
                "minus20",
                "other",
                "Tengiz lake colony (moult)",
                "2022-07-19",
            ),
        ),
    ),
)

#: The Aksai snow leopard's necropsy samples (December 2023): material, quantity, unit,
#: preservation, preparation.
AKSAI_SAMPLES: tuple[tuple[str, str, str, str, str], ...] = (
    ("blood", "4", "ml", "minus80", "EDTA tubes"),
    ("serum", "2", "ml", "minus80", "cryovials"),
    ("muscle", "1.5", "g", "ln2_vapour", "cryovials"),
    ("skin", "0.6", "g", "ln2_vapour", "biopsy in cryoprotectant"),
    ("hair", "30", "pieces", "minus20", "paper envelope"),
    ("organ", "2", "g", "minus80", "liver, cryovials"),
)


def _date(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(hour=12, tzinfo=ALMATY)


def _next_free(box_codes: list[str], taken: dict[str, set[str]]) -> tuple[Any, str]:
    from barys.cryobank.models import Container
    from barys.cryobank.queries import free_positions

    for code in box_codes:
        box = Container.objects.get(code=code)
        for position in free_positions(box):
            if position not in taken.setdefault(code, set()):
                taken[code].add(position)
                return box, position
    raise RuntimeError(f"no free position in {', '.join(box_codes)}")


def _storage(actor: Any) -> int:
    from barys.cryobank import services
    from barys.cryobank.models import Container

    made = 0
    for code, kind, name, parent, rows, columns, preservation in STORAGE:
        if Container.objects.filter(code=code).exists():
            continue
        services.create_container(
            actor=actor,
            code=code,
            kind=kind,
            name=name,
            parent=Container.objects.get(code=parent) if parent else None,
            rows=rows,
            columns=columns,
            preservation=preservation,
            notes=SIMULATED,
        )
        made += 1
    return made


@step("Cryobank (19 rare vertebrates, the Aksai snow leopard)")
def make_cryobank(context: DemoContext) -> None:
    from barys.core.models import User
    from barys.cryobank import services
    from barys.cryobank.models import Sample
    from barys.incidents.demo import AKSAI_KEY, demo_uuid
    from barys.incidents.models import Incident
    from barys.taxa.models import Taxon

    curator = User.objects.filter(username="curator").first()
    actor: Any = curator or "demo"
    if curator is None:  # the accounts step did not run: nobody may keep the storage
        return
    _storage(actor)
    if Sample.objects.filter(remarks__contains=SIMULATED).exists():
        context.summary["cryobank samples"] = Sample.objects.count()
        return
    taken: dict[str, set[str]] = {}
    remark = f"{SIMULATED}."
    aksai = Incident.objects.filter(uuid=demo_uuid(AKSAI_KEY)).first()
    uncia = Taxon.objects.filter(scientific_name="Panthera uncia").first()
    if uncia is not None:
        collected = _date("2023-12-09")
        items = []
        for material, quantity, unit, preservation, preparation in AKSAI_SAMPLES:
            box, position = _next_free(BOX_FOR[preservation], taken)
            items.append(
                {
                    "material": material,
                    "quantity": Decimal(quantity),
                    "unit": unit,
                    "preservation": preservation,
                    "preparation": preparation,
                    "container": box,
                    "position": position,
                    "remarks": remark,
                }
            )
        made = services.register_samples_from_event(
            actor=actor,
            items=items,
            taxon=uncia,
            source_kind="necropsy",
            source_incident=aksai,
            source_detail="Almaty Zoo, necropsy",
            collected_at=collected,
            collected_by="zoo veterinarians",
            prepared_at=collected.date(),
            prepared_by="cryobank staff",
            at=collected,
        )
        muscle = next(s for s in made if s.material == "muscle")
        dna_box, dna_position = _next_free(BOX_FOR["minus80"], taken)
        extract = services.register_sample(
            actor=actor,
            taxon=uncia,
            parent=muscle,
            material="dna",
            preservation="minus80",
            quantity=Decimal("80"),
            unit="ul",
            source_kind="necropsy",
            source_incident=aksai,
            preparation="spin-column extract",
            prepared_at=dt.date(2024, 1, 15),
            prepared_by="cryobank staff",
            concentration_ng_ul=Decimal("56.4"),
            ratio_260_280=Decimal("1.86"),
            container=dna_box,
            position=dna_position,
            remarks=remark,
            code=f"{muscle.code}-1",
            reason="DNA extracted from the muscle sample",
            at=_date("2024-01-15"),
        )
        placements = [_next_free(BOX_FOR["minus80"], taken) for _ in range(2)]
        services.create_aliquots(
            parent=extract,
            actor=actor,
            count=2,
            quantity_each=Decimal("20"),
            placements=placements,
            reason="working aliquots",
            at=_date("2024-01-16"),
        )
        services.record_thaw(
            sample=extract, actor=actor, reason="aliquoting", at=_date("2024-01-16")
        )
        permit = services.add_permit(
            actor=actor,
            number="KZ-DEMO-2024-0031",
            kind="cites_export",
            issued_by="CITES Management Authority of Kazakhstan (demo)",
            issued_on=dt.date(2024, 3, 1),
            remarks=remark,
        )
        aliquot = Sample.objects.filter(parent=extract).order_by("code").first()
        if aliquot is not None:
            loan = services.loan_sample(
                sample=aliquot,
                actor=actor,
                borrower="Partner genetics laboratory (demo)",
                purpose="population genetics of snow leopards",
                permit=permit,
                due_on=dt.date(2024, 9, 1),
                at=_date("2024-03-05"),
            )
            services.return_loan(
                loan=loan,
                actor=actor,
                quantity_returned=Decimal("0"),
                reason="consumed in the analysis",
                at=_date("2024-08-20"),
            )
    for name, materials in COLLECTION:
        taxon = Taxon.objects.filter(scientific_name=name).first()
        if taxon is None:
            continue
        for material, quantity, unit, preservation, source, detail, when in materials:
            box, position = _next_free(BOX_FOR[preservation], taken)
            services.register_sample(
                actor=actor,
                taxon=taxon,
                material=material,
                quantity=Decimal(quantity),
                unit=unit,
                preservation=preservation,
                source_kind=source,
                source_detail=detail,
                collected_at=_date(when),
                container=box,
                position=position,
                prepared_at=_date(when).date(),
                remarks=remark,
                at=_date(when),
            )
    # one box moved to the other rack: its samples' custody logs record the move
    from barys.cryobank.models import Container

    box = Container.objects.get(code="ALM-D1-R1-B1")
    if box.parent and box.parent.code == "ALM-D1-R1" and box.samples.exists():
        services.move_container(
            container=box,
            new_parent=Container.objects.get(code="ALM-D1-R2"),
            actor=actor,
            reason="dewar 1 rack 1 reorganised",
            at=_date("2024-09-10"),
        )
    context.summary["cryobank samples"] = Sample.objects.count()
    context.summary["cryobank taxa"] = Sample.objects.values("taxon").distinct().count()
