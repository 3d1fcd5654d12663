"""The Red Book registry: taxa, names, editions, assessments, listing changes, population
estimates and conservation programmes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.core.localize import localized

RANKS: tuple[str, ...] = (
    "kingdom",
    "phylum",
    "class",
    "order",
    "family",
    "genus",
    "species",
    "subspecies",
)
RANK_ORDER = {rank: index for index, rank in enumerate(RANKS)}
LANGUAGES = ("kk", "ru", "en")


#: The ranks the species list, its search and the API show.
SPECIES_RANKS = ("species", "subspecies")


class Taxon(models.Model):
    class Rank(models.TextChoices):
        KINGDOM = "kingdom", _("kingdom")
        PHYLUM = "phylum", _("phylum")
        CLASS = "class", _("class")
        ORDER = "order", _("order")
        FAMILY = "family", _("family")
        GENUS = "genus", _("genus")
        SPECIES = "species", _("species")
        SUBSPECIES = "subspecies", _("subspecies")

    scientific_name = models.CharField(_("scientific name"), max_length=200, unique=True)
    authorship = models.CharField(_("authorship"), max_length=200, blank=True)
    rank = models.CharField(_("rank"), max_length=16, choices=Rank.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    slug = models.SlugField(max_length=200, unique=True)
    name_kk = models.CharField(_("Kazakh name"), max_length=200, blank=True)
    name_ru = models.CharField(_("Russian name"), max_length=200, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    class_name = models.CharField(
        _("class"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("Scientific name of the class, kept for filters."),
    )
    gbif_key = models.BigIntegerField(_("GBIF key"), null=True, blank=True)
    iucn_sis_id = models.BigIntegerField(_("IUCN SIS id"), null=True, blank=True)
    cites_appendix = models.CharField(_("CITES appendix"), max_length=8, blank=True)
    sensitivity_category = models.PositiveSmallIntegerField(
        _("sensitivity category"),
        null=True,
        blank=True,
        help_text=_("GBIF generalisation category 1–4; empty: not sensitive."),
    )
    sensitivity_reason = models.TextField(_("reason for sensitivity"), blank=True)
    sensitivity_review_date = models.DateField(_("sensitivity review date"), null=True, blank=True)
    national_category = models.CharField(
        _("national category (current)"), max_length=8, blank=True, db_index=True
    )
    iucn_category = models.CharField(
        _("IUCN category (current)"), max_length=4, blank=True, db_index=True
    )
    red_book_status = models.CharField(
        _("Red Book status"),
        max_length=16,
        blank=True,
        choices=[
            ("listed", _("listed")),
            ("delisted", _("delisted")),
            ("not_listed", _("not listed")),
        ],
        help_text=_("As recorded by the curators; empty: from the current edition's assessments."),
    )
    in_red_book = models.BooleanField(_("in the current Red Book"), default=False, db_index=True)
    uncertain = models.BooleanField(_("uncertain"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["scientific_name"]
        verbose_name = _("taxon")
        verbose_name_plural = _("taxa")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sensitivity_category__isnull=True)
                | models.Q(sensitivity_category__gte=1, sensitivity_category__lte=4),
                name="taxon_sensitivity_1_4",
            ),
        ]

    def __str__(self) -> str:
        return self.scientific_name

    def name(self, language: str | None = None) -> str:
        """Preferred vernacular name in ``language`` (falls back to English, then Latin)."""
        return localized(self, "name", language) or self.scientific_name

    @property
    def display_name(self) -> str:
        return self.name()

    def ancestors(self) -> list[Taxon]:
        chain: list[Taxon] = []
        node = self.parent
        seen = {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))


class VernacularName(models.Model):
    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="vernacular_names")
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=[("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))],
    )
    name = models.CharField(_("name"), max_length=200)
    preferred = models.BooleanField(_("preferred"), default=False)

    class Meta:
        verbose_name = _("vernacular name")
        verbose_name_plural = _("vernacular names")
        constraints = [
            models.UniqueConstraint(fields=["taxon", "language", "name"], name="vernacular_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class Synonym(models.Model):
    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="synonyms")
    name = models.CharField(_("synonym"), max_length=200, db_index=True)
    authorship = models.CharField(_("authorship"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        constraints = [models.UniqueConstraint(fields=["taxon", "name"], name="synonym_once")]

    def __str__(self) -> str:
        return self.name


class SearchToken(models.Model):
    """One normalised word of one of a taxon's names: prefix search uses its index."""

    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField(default=1)
    #: the taxon is a species or subspecies (what the species list and API search)
    species_level = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "taxon"], name="token_once")]
        # a prefix range over these indexes answers a query word without reading the table;
        # the second one holds the species-level taxa's tokens as one contiguous range
        indexes = [
            models.Index(fields=["token", "taxon", "weight"], name="token_taxon_weight"),
            models.Index(
                fields=["species_level", "token", "taxon", "weight"], name="species_token"
            ),
        ]

    def __str__(self) -> str:
        return self.token


class Category(models.Model):
    """A national (I–V) or IUCN category; labels are data because sources differ."""

    class Scheme(models.TextChoices):
        NATIONAL = "national", _("national")
        IUCN = "iucn", _("IUCN")

    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    code = models.CharField(_("code"), max_length=8)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label_kk = models.CharField(max_length=200, blank=True)
    label_ru = models.CharField(max_length=200, blank=True)
    label_en = models.CharField(max_length=200, blank=True)
    description_en = models.TextField(blank=True)

    class Meta:
        ordering = ["scheme", "order"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="category_once")]

    def __str__(self) -> str:
        return f"{self.scheme} {self.code}"

    def label(self, language: str | None = None) -> str:
        return localized(self, "label", language) or self.code


class Edition(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    scope = models.CharField(
        _("scope"), max_length=32, blank=True, help_text=_("animals, vertebrates or invertebrates")
    )
    title_kk = models.CharField(max_length=300, blank=True)
    title_ru = models.CharField(max_length=300, blank=True)
    title_en = models.CharField(max_length=300, blank=True)
    is_current = models.BooleanField(_("current"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    uncertain = models.BooleanField(_("uncertain"), default=False)

    class Meta:
        ordering = ["year", "code"]
        verbose_name = _("Red Book edition")
        verbose_name_plural = _("Red Book editions")

    def __str__(self) -> str:
        return self.code

    def title(self, language: str | None = None) -> str:
        return localized(self, "title", language) or self.code


class Assessment(models.Model):
    """A taxon's status in one edition."""

    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="assessments")
    edition = models.ForeignKey(
        Edition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        help_text=_("Empty: a global IUCN Red List assessment."),
    )
    national_category = models.CharField(_("national category"), max_length=8, blank=True)
    iucn_category = models.CharField(_("IUCN category"), max_length=4, blank=True)
    iucn_criteria = models.CharField(_("IUCN criteria"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    rationale_kk = models.TextField(_("rationale (Kazakh)"), blank=True)
    rationale_ru = models.TextField(_("rationale (Russian)"), blank=True)
    rationale_en = models.TextField(_("rationale (English)"), blank=True)
    threats = models.TextField(_("threats"), blank=True)
    measures = models.TextField(_("conservation measures"), blank=True)
    sources = models.TextField(_("sources"), blank=True)
    uncertain = models.BooleanField(_("uncertain"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["taxon", "edition"],
                condition=models.Q(edition__isnull=False),
                name="assessment_once_per_edition",
            ),
            models.UniqueConstraint(
                fields=["taxon", "year"],
                condition=models.Q(edition__isnull=True),
                name="global_assessment_once_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.taxon} {self.edition or 'IUCN'}: {self.national_category or '—'}"

    @property
    def sort_year(self) -> int:
        if self.edition is not None:
            return self.edition.year
        return self.year or 0

    def rationale(self, language: str | None = None) -> str:
        return localized(self, "rationale", language)


class ListingChange(models.Model):
    class Change(models.TextChoices):
        ADDED = "added", _("added")
        REMOVED = "removed", _("removed")
        CATEGORY_CHANGED = "category_changed", _("category changed")
        RENAMED = "renamed", _("renamed")

    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="listing_changes")
    from_edition = models.ForeignKey(
        Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="+")
    change = models.CharField(_("change"), max_length=20, choices=Change.choices)
    reason = models.TextField(_("reason"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    uncertain = models.BooleanField(_("uncertain"), default=False)

    class Meta:
        verbose_name = _("listing change")
        verbose_name_plural = _("listing changes")
        constraints = [
            models.UniqueConstraint(
                fields=["taxon", "to_edition", "change"], name="listing_change_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.taxon} {self.change} in {self.to_edition}"


class PopulationEstimate(models.Model):
    class Unit(models.TextChoices):
        INDIVIDUALS = "individuals", _("individuals")
        MATURE = "mature_individuals", _("mature individuals")
        PAIRS = "pairs", _("pairs")
        BREEDING_FEMALES = "breeding_females", _("breeding females")

    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="population_estimates")
    area = models.CharField(_("area"), max_length=200, blank=True)
    year_start = models.PositiveSmallIntegerField(_("from year"))
    year_end = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    lower = models.FloatField(_("lower bound"), null=True, blank=True)
    upper = models.FloatField(_("upper bound"), null=True, blank=True)
    unit = models.CharField(
        _("unit"), max_length=24, choices=Unit.choices, default=Unit.INDIVIDUALS
    )
    method = models.CharField(_("method"), max_length=200, blank=True)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    uncertain = models.BooleanField(_("uncertain"), default=False)

    class Meta:
        ordering = ["taxon", "area", "year_start"]
        verbose_name = _("population estimate")
        verbose_name_plural = _("population estimates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__isnull=False)
                | models.Q(lower__isnull=False, upper__isnull=False),
                name="estimate_has_value_or_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.taxon} {self.area} {self.year_start}: {self.central}"

    @property
    def central(self) -> float | None:
        """The value, or the interval's midpoint."""
        if self.value is not None:
            return self.value
        if self.lower is not None and self.upper is not None:
            return (self.lower + self.upper) / 2
        return None

    @property
    def year_mid(self) -> float:
        return (self.year_start + (self.year_end or self.year_start)) / 2


class Programme(models.Model):
    """A captive-breeding centre, nursery or reintroduction project."""

    class Kind(models.TextChoices):
        BREEDING_CENTRE = "breeding_centre", _("breeding centre")
        NURSERY = "nursery", _("nursery")
        REINTRODUCTION = "reintroduction", _("reintroduction project")

    code = models.CharField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_kk = models.CharField(max_length=300, blank=True)
    name_ru = models.CharField(max_length=300, blank=True)
    name_en = models.CharField(max_length=300, blank=True)
    taxon = models.ForeignKey(Taxon, on_delete=models.PROTECT, related_name="programmes")
    place = models.CharField(_("place"), max_length=300, blank=True)
    started = models.PositiveSmallIntegerField(_("started (year)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    uncertain = models.BooleanField(_("uncertain"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("conservation programme")
        verbose_name_plural = _("conservation programmes")

    def __str__(self) -> str:
        return self.code

    def name(self, language: str | None = None) -> str:
        return localized(self, "name", language) or self.code


class Milestone(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="milestones")
    date = models.CharField(_("date"), max_length=10, help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"))
    description_en = models.TextField(blank=True)
    description_ru = models.TextField(blank=True)
    uncertain = models.BooleanField(_("uncertain"), default=False)

    class Meta:
        ordering = ["programme", "date"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{self.programme} {self.date}"

    def description(self, language: str | None = None) -> str:
        return localized(self, "description", language)


class Release(models.Model):
    """Animals released from a programme; later records can point at a release."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="releases")
    taxon = models.ForeignKey(Taxon, on_delete=models.PROTECT, related_name="releases")
    date = models.CharField(_("date"), max_length=10, help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    count = models.PositiveIntegerField(_("number released"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=50, blank=True)
    age = models.CharField(_("age"), max_length=50, blank=True)
    marks = models.CharField(_("marks (rings, tags)"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    uncertain = models.BooleanField(_("uncertain"), default=False)

    class Meta:
        ordering = ["programme", "date"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")

    def __str__(self) -> str:
        return f"{self.programme} {self.date}: {self.count or '?'}"
