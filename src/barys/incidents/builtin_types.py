"""The built-in incident types and their attribute schemas (seeded by a data migration).

Curators may edit them afterwards; :func:`seed_builtin_types` only adds missing types, so
their edits survive. Labels are data (like taxon names), given in Kazakh, Russian and English.
"""

from __future__ import annotations

from typing import Any

T = dict[str, str]


def _t(en: str, ru: str, kk: str) -> T:
    return {"en": en, "ru": ru, "kk": kk}


def _enum(
    values: list[tuple[str, str, str, str]],
    *,
    title: T,
    public: bool = False,
    description: str = "",
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "string",
        "enum": [v[0] for v in values],
        "title": title["en"],
        "x-title": title,
        "x-enum-labels": {
            "en": [v[1] for v in values],
            "ru": [v[2] for v in values],
            "kk": [v[3] for v in values],
        },
    }
    if public:
        spec["x-public"] = True
    if description:
        spec["description"] = description
    return spec


def _multi(values: list[tuple[str, str, str, str]], *, title: T) -> dict[str, Any]:
    return {
        "type": "array",
        "title": title["en"],
        "x-title": title,
        "uniqueItems": True,
        "items": {
            "type": "string",
            "enum": [v[0] for v in values],
            "x-enum-labels": {
                "en": [v[1] for v in values],
                "ru": [v[2] for v in values],
                "kk": [v[3] for v in values],
            },
        },
    }


def _bool(title: T) -> dict[str, Any]:
    return {"type": "boolean", "title": title["en"], "x-title": title}


def _int(title: T, minimum: int = 0, maximum: int | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "integer",
        "title": title["en"],
        "x-title": title,
        "minimum": minimum,
    }
    if maximum is not None:
        spec["maximum"] = maximum
    return spec


def _num(title: T, minimum: float = 0, maximum: float | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "number",
        "title": title["en"],
        "x-title": title,
        "minimum": minimum,
    }
    if maximum is not None:
        spec["maximum"] = maximum
    return spec


def _text(title: T, max_length: int = 200) -> dict[str, Any]:
    return {"type": "string", "title": title["en"], "x-title": title, "maxLength": max_length}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


AGE_CLASS = _enum(
    [
        ("young", "young of the year", "молодой текущего года", "биылғы төл"),
        ("subadult", "subadult", "полувзрослый", "жасөспірім"),
        ("adult", "adult", "взрослый", "ересек"),
        ("unknown", "unknown", "неизвестно", "белгісіз"),
    ],
    title=_t("Age class", "Возрастная группа", "Жас тобы"),
    public=True,
)

SEX = _enum(
    [
        ("female", "female", "самка", "ұрғашы"),
        ("male", "male", "самец", "еркек"),
        ("unknown", "unknown", "неизвестно", "белгісіз"),
    ],
    title=_t("Sex", "Пол", "Жынысы"),
    public=True,
)


SICK_ANIMAL = _object(
    {
        "condition": _enum(
            [
                ("weakened", "weakened or exhausted", "ослаблено, истощено", "әлсіреген, арыған"),
                ("injured", "injured", "травмировано", "жарақаттанған"),
                ("sick", "signs of disease", "признаки болезни", "ауру белгілері"),
                ("orphaned", "orphaned young", "осиротевший детёныш", "жетім төл"),
                ("trapped", "trapped or entangled", "в ловушке или запутано", "қақпанға түскен"),
            ],
            title=_t("Condition", "Состояние", "Жағдайы"),
            public=True,
        ),
        "body_condition": _enum(
            [
                ("good", "good", "хорошая", "жақсы"),
                ("fair", "fair", "удовлетворительная", "қанағаттанарлық"),
                ("poor", "poor", "плохая", "нашар"),
                ("emaciated", "emaciated", "истощение", "арықтаған"),
            ],
            title=_t("Body condition", "Упитанность", "Қоңдылығы"),
        ),
        "symptoms": _multi(
            [
                ("lethargy", "lethargy", "вялость", "енжарлық"),
                ("lameness", "lameness", "хромота", "ақсау"),
                ("wounds", "wounds", "раны", "жаралар"),
                (
                    "hair_loss",
                    "hair loss or mange",
                    "выпадение шерсти, чесотка",
                    "жүнінің түсуі, қотыр",
                ),
                (
                    "discharge",
                    "eye or nose discharge",
                    "выделения из глаз или носа",
                    "көзден не мұрыннан ағынды",
                ),
                ("breathing", "laboured breathing", "затруднённое дыхание", "қиын тыныс алу"),
                ("neurological", "abnormal behaviour", "аномальное поведение", "әдеттен тыс мінез"),
            ],
            title=_t("Symptoms", "Симптомы", "Белгілері"),
        ),
        "age_class": AGE_CLASS,
        "sex": SEX,
        "near_people": _bool(
            _t(
                "Came close to people or buildings",
                "Подходило к людям или постройкам",
                "Адамдарға не құрылыстарға жақындады",
            )
        ),
        "veterinarian_called": _bool(
            _t("Veterinarian called", "Вызван ветеринар", "Ветеринар шақырылды")
        ),
    },
    ["condition"],
)

MORTALITY = _object(
    {
        "suspected_cause": _enum(
            [
                ("unknown", "unknown", "неизвестна", "белгісіз"),
                ("disease", "disease", "болезнь", "ауру"),
                ("starvation", "starvation", "истощение, голод", "аштық"),
                ("predation", "predation or fight", "хищник или драка", "жыртқыш не төбелес"),
                (
                    "conflict",
                    "killed in conflict with people",
                    "убит в конфликте с людьми",
                    "адамдармен қақтығыста өлтірілген",
                ),
                ("poaching", "poaching", "браконьерство", "браконьерлік"),
                ("road", "vehicle collision", "столкновение с транспортом", "көлікпен соқтығысу"),
                ("power_line", "power line", "линия электропередачи", "электр желісі"),
                ("poisoning", "poisoning", "отравление", "улану"),
                ("fall", "fall or avalanche", "падение или лавина", "құлау не қар көшкіні"),
                ("old_age", "old age", "старость", "кәрілік"),
            ],
            title=_t(
                "Suspected cause of death", "Предполагаемая причина гибели", "Болжамды өлім себебі"
            ),
            public=True,
        ),
        "carcass_state": _enum(
            [
                ("fresh", "fresh", "свежая", "жаңа"),
                ("early_decay", "early decay", "начало разложения", "ыдырау басталған"),
                ("advanced_decay", "advanced decay", "сильное разложение", "қатты ыдыраған"),
                (
                    "remains",
                    "bones or remains only",
                    "только кости или остатки",
                    "тек сүйектер не қалдықтар",
                ),
            ],
            title=_t("State of the carcass", "Состояние туши", "Өлексенің күйі"),
        ),
        "estimated_days_dead": _int(
            _t(
                "Estimated days since death",
                "Дней с момента гибели (оценка)",
                "Өлгеннен бергі күндер (бағалау)",
            ),
            0,
            3650,
        ),
        "age_class": AGE_CLASS,
        "sex": SEX,
        "necropsy_planned": _bool(
            _t("Necropsy planned", "Вскрытие запланировано", "Патологиялық сою жоспарланған")
        ),
    },
    ["suspected_cause", "carcass_state"],
)

RESCUE_TRANSFER = _object(
    {
        "reason": _enum(
            [
                ("weakened", "weakened or sick", "ослаблено или больно", "әлсіреген не ауру"),
                ("injured", "injured", "травмировано", "жарақаттанған"),
                ("orphaned", "orphaned young", "осиротевший детёныш", "жетім төл"),
                ("conflict", "conflict with people", "конфликт с людьми", "адамдармен қақтығыс"),
                (
                    "confiscated",
                    "confiscated from people",
                    "изъято у людей",
                    "адамдардан тәркіленген",
                ),
            ],
            title=_t("Reason for rescue", "Причина спасения", "Құтқару себебі"),
            public=True,
        ),
        "destination_kind": _enum(
            [
                ("zoo", "zoo", "зоопарк", "хайуанаттар бағы"),
                (
                    "rehabilitation_centre",
                    "rehabilitation centre",
                    "реабилитационный центр",
                    "оңалту орталығы",
                ),
                (
                    "veterinary_clinic",
                    "veterinary clinic",
                    "ветеринарная клиника",
                    "ветеринарлық клиника",
                ),
                ("release_site", "release site", "место выпуска", "босату орны"),
            ],
            title=_t("Taken to", "Куда доставлено", "Қайда жеткізілді"),
            public=True,
        ),
        "destination_name": _text(
            _t(
                "Name of the receiving institution",
                "Название принимающего учреждения",
                "Қабылдаушы мекеменің атауы",
            )
        ),
        "transport_hours": _num(
            _t("Transport time (hours)", "Время перевозки (часы)", "Тасымалдау уақыты (сағат)"),
            0,
            240,
        ),
        "sedation_used": _bool(_t("Sedation used", "Применялась седация", "Седация қолданылды")),
        "age_class": AGE_CLASS,
        "sex": SEX,
    },
    ["reason", "destination_kind"],
)

HUMAN_WILDLIFE_CONFLICT = _object(
    {
        "conflict_kind": _enum(
            [
                (
                    "livestock",
                    "livestock killed or injured",
                    "гибель или ранение скота",
                    "малдың өлуі не жарақаттануы",
                ),
                (
                    "crops",
                    "crop or orchard damage",
                    "повреждение посевов или садов",
                    "егін не бақ зақымдалуы",
                ),
                ("property", "damage to property", "повреждение имущества", "мүліктің зақымдалуы"),
                ("human_injury", "person injured", "пострадал человек", "адам жарақаттанды"),
                (
                    "in_settlement",
                    "animal in a settlement",
                    "животное в населённом пункте",
                    "елді мекенде жануар",
                ),
            ],
            title=_t("Kind of conflict", "Вид конфликта", "Қақтығыс түрі"),
            public=True,
        ),
        "livestock_killed": _int(
            _t("Livestock killed", "Погибло голов скота", "Өлген мал басы"), 0, 1000
        ),
        "livestock_species": _multi(
            [
                ("sheep", "sheep", "овцы", "қой"),
                ("goat", "goats", "козы", "ешкі"),
                ("cattle", "cattle", "крупный рогатый скот", "ірі қара"),
                ("horse", "horses", "лошади", "жылқы"),
                ("camel", "camels", "верблюды", "түйе"),
                ("yak", "yaks", "яки", "қодас"),
                ("dog", "dogs", "собаки", "ит"),
                ("poultry", "poultry", "птица", "құс"),
            ],
            title=_t("Livestock affected", "Пострадавший скот", "Зардап шеккен мал"),
        ),
        "livestock_guarded": _bool(
            _t(
                "Livestock was guarded or penned",
                "Скот охранялся или был в загоне",
                "Мал күзетілді не қорада болды",
            )
        ),
        "compensation_requested": _bool(
            _t("Compensation requested", "Запрошена компенсация", "Өтемақы сұралды")
        ),
    },
    ["conflict_kind"],
)

POACHING = _object(
    {
        "poaching_kind": _enum(
            [
                ("snare", "snare or noose", "петля", "тұзақ"),
                ("trap", "leg-hold trap", "капкан", "қақпан"),
                ("shooting", "shooting", "отстрел", "ату"),
                ("poison", "poison bait", "отравленная приманка", "уланған жем"),
                ("nest_robbing", "nest robbing", "разорение гнезда", "ұяны тонау"),
                ("trade", "illegal trade", "незаконная торговля", "заңсыз сауда"),
                ("unknown", "unknown", "неизвестно", "белгісіз"),
            ],
            title=_t("Kind of poaching", "Вид браконьерства", "Браконьерлік түрі"),
            public=True,
        ),
        "evidence": _multi(
            [
                ("snares", "snares or traps", "петли или капканы", "тұзақтар не қақпандар"),
                ("cartridges", "cartridges", "гильзы", "гильзалар"),
                ("carcass", "carcass", "туша", "өлексе"),
                (
                    "parts",
                    "skin, bones or other parts",
                    "шкура, кости или части",
                    "терісі, сүйегі не бөліктері",
                ),
                (
                    "tracks",
                    "vehicle or human tracks",
                    "следы транспорта или людей",
                    "көлік не адам іздері",
                ),
                ("camp", "camp", "стоянка", "қос"),
                ("photos", "photographs", "фотографии", "фотосуреттер"),
                ("witness", "witness statements", "показания свидетелей", "куәгерлердің айғақтары"),
            ],
            title=_t("Evidence", "Доказательства", "Дәлелдер"),
        ),
        "evidence_items_seized": _int(
            _t("Evidence items seized", "Изъято предметов", "Тәркіленген заттар саны"), 0, 10000
        ),
        "case_reference": _text(
            _t(
                "Police or inspection case number",
                "Номер дела или протокола",
                "Іс не хаттама нөмірі",
            ),
            100,
        ),
        "reported_to_police": _bool(
            _t("Reported to the police", "Сообщено в полицию", "Полицияға хабарланды")
        ),
        "suspects_detained": _int(
            _t("Suspects detained", "Задержано подозреваемых", "Ұсталған күдіктілер"), 0, 1000
        ),
    },
    ["poaching_kind", "evidence"],
)
POACHING["properties"]["evidence"]["minItems"] = 1

ROAD_KILL = _object(
    {
        "road": _text(_t("Road", "Дорога", "Жол"), 100),
        "road_km": _num(_t("Kilometre mark", "Километр дороги", "Жол километрі"), 0, 5000),
        "vehicle_kind": _enum(
            [
                ("car", "car", "легковой автомобиль", "жеңіл көлік"),
                ("truck", "truck", "грузовик", "жүк көлігі"),
                ("bus", "bus", "автобус", "автобус"),
                ("train", "train", "поезд", "пойыз"),
                ("motorcycle", "motorcycle", "мотоцикл", "мотоцикл"),
                ("unknown", "unknown", "неизвестно", "белгісіз"),
            ],
            title=_t("Vehicle", "Транспорт", "Көлік"),
            public=True,
        ),
        "carcass_removed": _bool(_t("Carcass removed", "Туша убрана", "Өлексе алынды")),
        "age_class": AGE_CLASS,
        "sex": SEX,
    },
    [],
)

#: (code, en, ru, kk, default priority, order, schema)
BUILTIN_TYPES: tuple[tuple[str, str, str, str, str, int, dict[str, Any]], ...] = (
    (
        "sick-animal",
        "Sick or weakened animal",
        "Больное или ослабленное животное",
        "Ауру не әлсіреген жануар",
        "high",
        10,
        SICK_ANIMAL,
    ),
    ("mortality", "Mortality", "Гибель животного", "Жануардың өлімі", "normal", 20, MORTALITY),
    (
        "rescue-transfer",
        "Rescue and transfer",
        "Спасение и передача",
        "Құтқару және беру",
        "high",
        30,
        RESCUE_TRANSFER,
    ),
    (
        "human-wildlife-conflict",
        "Human–wildlife conflict",
        "Конфликт человека и животных",
        "Адам мен жабайы жануар қақтығысы",
        "normal",
        40,
        HUMAN_WILDLIFE_CONFLICT,
    ),
    (
        "poaching",
        "Poaching (with evidence)",
        "Браконьерство (с доказательствами)",
        "Браконьерлік (дәлелдерімен)",
        "high",
        50,
        POACHING,
    ),
    ("road-kill", "Road kill", "Гибель на дороге", "Жолдағы өлім", "low", 60, ROAD_KILL),
)


def seed_builtin_types(model: Any) -> int:
    """Create the built-in types that are missing (``model`` may be a historical model).

    Returns how many were created; existing types (perhaps edited by curators) are kept.
    """
    created = 0
    for code, en, ru, kk, priority, order, schema in BUILTIN_TYPES:
        _obj, was_created = model.objects.get_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_ru": ru,
                "name_kk": kk,
                "default_priority": priority,
                "order": order,
                "schema": schema,
                "built_in": True,
            },
        )
        created += int(was_created)
    return created
