"""Places (protected areas, oblasts, monitoring sites, species ranges), the stored EOO and AOO
of each taxon, and the subconditions curators record for the IUCN pre-assessment.

Geometries are GeoJSON geometry objects in WGS84 longitude/latitude degrees, kept as text (no
spatial database is needed); the bounding box columns ``south``, ``west``, ``north``, ``east``
(degrees, indexed) prefilter spatial queries before shapely tests the exact geometry.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.core.localize import localized
from barys.core.models import Scope, User
from barys.taxa.models import Taxon


class PlaceKind:
    """Kinds of places (plain string constants, usable as model choices)."""

    PROTECTED_AREA = "protected_area"
    OBLAST = "oblast"
    SITE = "site"
    RANGE = "range"
    choices = [
        (PROTECTED_AREA, _("protected area")),
        (OBLAST, _("oblast")),
        (SITE, _("monitoring site")),
        (RANGE, _("species range")),
    ]
    values = [value for value, _label in choices]


class Designation:
    """Kinds of specially protected natural areas under the law of Kazakhstan."""

    NATURE_RESERVE = "nature_reserve"
    NATIONAL_PARK = "national_park"
    RESERVAT = "reservat"
    SANCTUARY = "sanctuary"
    NATURAL_MONUMENT = "natural_monument"
    REGIONAL_PARK = "regional_park"
    OTHER = "other"
    choices = [
        (NATURE_RESERVE, _("state nature reserve (zapovednik)")),
        (NATIONAL_PARK, _("national nature park")),
        (RESERVAT, _("state nature reservat")),
        (SANCTUARY, _("state nature sanctuary (zakaznik)")),
        (NATURAL_MONUMENT, _("natural monument")),
        (REGIONAL_PARK, _("regional nature park")),
        (OTHER, _("other protected area")),
    ]
    values = [value for value, _label in choices]


class IucnManagementCategory:
    """IUCN protected area management categories (Dudley 2008)."""

    IA, IB, II, III, IV, V, VI = "Ia", "Ib", "II", "III", "IV", "V", "VI"
    choices = [
        (IA, _("Ia strict nature reserve")),
        (IB, _("Ib wilderness area")),
        (II, _("II national park")),
        (III, _("III natural monument or feature")),
        (IV, _("IV habitat/species management area")),
        (V, _("V protected landscape/seascape")),
        (VI, _("VI protected area with sustainable use of natural resources")),
    ]
    values = [value for value, _label in choices]


class RangeKind:
    """Kinds of species ranges."""

    CURRENT = "current"
    HISTORICAL = "historical"
    BREEDING = "breeding"
    WINTERING = "wintering"
    REINTRODUCTION = "reintroduction"
    choices = [
        (CURRENT, _("current range")),
        (HISTORICAL, _("historical range")),
        (BREEDING, _("breeding range")),
        (WINTERING, _("wintering range")),
        (REINTRODUCTION, _("reintroduction area")),
    ]
    values = [value for value, _label in choices]


class Place(models.Model):
    """A named polygon (or, for monitoring sites, also a point) in WGS84 degrees."""

    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices, db_index=True)
    code = models.SlugField(
        _("code"),
        max_length=64,
        help_text=_("Unique within its kind; for a protected area also its scope code."),
    )
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    geometry = models.TextField(
        _("geometry (GeoJSON)"),
        help_text=_("A GeoJSON geometry in WGS84 longitude/latitude degrees."),
    )
    south = models.FloatField(_("south"), editable=False, db_index=True, help_text=_("degrees"))
    west = models.FloatField(_("west"), editable=False, db_index=True, help_text=_("degrees"))
    north = models.FloatField(_("north"), editable=False, db_index=True, help_text=_("degrees"))
    east = models.FloatField(_("east"), editable=False, db_index=True, help_text=_("degrees"))
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True, editable=False)
    # Protected areas.
    designation = models.CharField(
        _("designation"), max_length=20, blank=True, choices=Designation.choices
    )
    iucn_category = models.CharField(
        _("IUCN management category"),
        max_length=3,
        blank=True,
        choices=IucnManagementCategory.choices,
        help_text=_("Empty when not known."),
    )
    established_year = models.PositiveSmallIntegerField(
        _("established (year)"), null=True, blank=True
    )
    scope = models.ForeignKey(
        Scope,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
        verbose_name=_("scope"),
        help_text=_("Roles held in this scope apply to records inside the area."),
    )
    # Species ranges.
    taxon = models.ForeignKey(
        Taxon,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ranges",
        verbose_name=_("taxon"),
    )
    range_kind = models.CharField(
        _("range kind"), max_length=20, blank=True, choices=RangeKind.choices
    )
    source = models.CharField(
        _("source"), max_length=500, blank=True, help_text=_("Where the geometry comes from.")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="place_code_once_per_kind"),
            models.CheckConstraint(
                condition=~models.Q(kind="range")
                | (models.Q(taxon__isnull=False) & ~models.Q(range_kind="")),
                name="range_has_taxon_and_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "south", "north"], name="place_kind_lat"),
            models.Index(fields=["kind", "west", "east"], name="place_kind_lon"),
            models.Index(fields=["taxon", "range_kind"], name="place_taxon_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en or self.code} ({self.kind})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Derive the bounding box and the area from the geometry before saving."""
        from barys.places import geometry as geo

        update_fields = kwargs.get("update_fields")
        if update_fields is None or "geometry" in update_fields:
            shape = geo.parse(self.geometry)
            self.geometry = geo.to_text(shape)
            self.west, self.south, self.east, self.north = geo.bounds(shape)
            self.area_km2 = geo.area_km2(shape)
            if update_fields is not None:
                kwargs["update_fields"] = {
                    *update_fields,
                    "south",
                    "west",
                    "north",
                    "east",
                    "area_km2",
                }
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Place:
        instance = super().from_db(db, field_names, values)
        instance._located_as = instance.location_key()
        return instance

    def location_key(self) -> tuple[str, str, str] | None:
        """What records' places depend on (kind, code, geometry); None when not loaded."""
        if "geometry" in self.get_deferred_fields():
            return None
        return (self.kind, self.code, self.geometry)

    @property
    def moves_records(self) -> bool:
        """Whether this save can change which records lie in which place: a new place, or a
        changed kind, code or geometry."""
        before = getattr(self, "_located_as", None)
        return before is None or before != self.location_key()

    def name(self, language: str | None = None) -> str:
        return localized(self, "name", language) or self.code

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, as GeoJSON and OGC API order them."""
        return (self.west, self.south, self.east, self.north)


class _KindManager(models.Manager["Place"]):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def get_queryset(self) -> models.QuerySet[Place]:
        return super().get_queryset().filter(kind=self.kind)


# Proxies: the places of one kind, for the admin site (its form sets the kind).


class ProtectedArea(Place):
    KIND = PlaceKind.PROTECTED_AREA
    objects = _KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = _("protected area")
        verbose_name_plural = _("protected areas")


class Oblast(Place):
    KIND = PlaceKind.OBLAST
    objects = _KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = _("oblast")
        verbose_name_plural = _("oblasts")


class MonitoringSite(Place):
    KIND = PlaceKind.SITE
    objects = _KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = _("monitoring site")
        verbose_name_plural = _("monitoring sites")


class SpeciesRange(Place):
    KIND = PlaceKind.RANGE
    objects = _KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = _("species range")
        verbose_name_plural = _("species ranges")


class AreaEstimate(models.Model):
    """EOO and AOO of one taxon over one period, computed from its records.

    ``period`` is ``"all"`` or ``"YYYY-YYYY"`` (inclusive years). Areas in km²; ``hull`` and
    ``cells`` are GeoJSON geometries (longitude/latitude degrees) of the EOO hull and the
    occupied AOO cells (empty text when the grid has more than
    :data:`barys.places.areas.MAX_STORED_CELLS` cells).
    """

    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="area_estimates")
    period = models.CharField(_("period"), max_length=9, default="all")
    start_year = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    eoo_km2 = models.FloatField(
        _("EOO (km²)"), help_text=_("Raised to the AOO when smaller (IUCN 4.9).")
    )
    eoo_raw_km2 = models.FloatField(_("convex hull area (km²)"))
    aoo_km2 = models.FloatField(_("AOO (km²)"))
    cell_km = models.FloatField(_("AOO cell side (km)"), default=2.0)
    n_records = models.PositiveIntegerField(_("records used"))
    n_unique_points = models.PositiveIntegerField(_("distinct points"))
    n_cells = models.PositiveIntegerField(_("occupied cells"))
    hull = models.TextField(_("EOO hull (GeoJSON)"), blank=True)
    cells = models.TextField(_("AOO cells (GeoJSON)"), blank=True)
    projection = models.CharField(_("projection"), max_length=300, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["taxon", "period"]
        verbose_name = _("EOO and AOO")
        verbose_name_plural = _("EOO and AOO")
        constraints = [
            models.UniqueConstraint(fields=["taxon", "period"], name="area_once_per_taxon_period")
        ]

    def __str__(self) -> str:
        return f"{self.taxon} {self.period}: EOO {self.eoo_km2:g} km², AOO {self.aoo_km2:g} km²"


class PreAssessmentInputs(models.Model):
    """What a curator records for the IUCN criteria pre-assessment of a taxon.

    Yes/no fields are empty when unknown. Years for generation length, numbers of mature
    individuals for population sizes.
    """

    taxon = models.OneToOneField(
        Taxon, on_delete=models.CASCADE, related_name="preassessment_inputs"
    )
    period = models.CharField(
        _("EOO/AOO period"),
        max_length=9,
        default="all",
        help_text=_("Which stored EOO and AOO to use."),
    )
    population_series = models.CharField(
        _("population series"),
        max_length=250,
        blank=True,
        help_text=_(
            "Area and unit of the population estimates to use; empty: chosen automatically."
        ),
    )
    assessment_year = models.PositiveSmallIntegerField(
        _("assessment year"),
        null=True,
        blank=True,
        help_text=_("Empty: the last year of the population series."),
    )
    generation_length_years = models.FloatField(
        _("generation length (years)"), null=True, blank=True
    )
    mature_individuals = models.FloatField(_("mature individuals"), null=True, blank=True)
    subpopulation_sizes = models.CharField(
        _("subpopulation sizes"),
        max_length=500,
        blank=True,
        help_text=_("Mature individuals per subpopulation, separated by commas."),
    )
    number_of_locations = models.PositiveIntegerField(
        _("number of locations"), null=True, blank=True
    )
    severely_fragmented = models.BooleanField(_("severely fragmented"), null=True, blank=True)
    reduction_causes_ceased = models.BooleanField(
        _("causes of reduction reversible, understood and ceased"), null=True, blank=True
    )
    reduction_bases = models.CharField(_("bases of the reduction (a–e)"), max_length=5, blank=True)
    decline_eoo = models.BooleanField(_("continuing decline: EOO"), null=True, blank=True)
    decline_aoo = models.BooleanField(_("continuing decline: AOO"), null=True, blank=True)
    decline_habitat = models.BooleanField(_("continuing decline: habitat"), null=True, blank=True)
    decline_locations = models.BooleanField(
        _("continuing decline: locations or subpopulations"), null=True, blank=True
    )
    decline_mature = models.BooleanField(
        _("continuing decline: mature individuals"), null=True, blank=True
    )
    fluctuation_eoo = models.BooleanField(_("extreme fluctuations: EOO"), null=True, blank=True)
    fluctuation_aoo = models.BooleanField(_("extreme fluctuations: AOO"), null=True, blank=True)
    fluctuation_locations = models.BooleanField(
        _("extreme fluctuations: locations or subpopulations"), null=True, blank=True
    )
    fluctuation_mature = models.BooleanField(
        _("extreme fluctuations: mature individuals"), null=True, blank=True
    )
    plausible_future_threat = models.BooleanField(
        _("plausible future threat (D2)"), null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pre-assessment inputs")
        verbose_name_plural = _("pre-assessment inputs")

    def __str__(self) -> str:
        return f"{self.taxon}"
