"""A small hand-made camera-trap survey with identified snow leopards (UTC times)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from barys.camtrap.models import Deployment, Media, Observation, Outage, Station, Survey
from barys.individuals.models import Annotation, Individual
from barys.taxa.models import Taxon

SCOPE = "ile-alatau"
# Exact station positions (degrees); the tests check that these never reach other people.
STATIONS = {"A": (43.05123, 77.01234), "B": (43.07456, 77.04567), "C": (43.03789, 77.07891)}


def utc(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2024, 1, day, hour, minute, tzinfo=UTC)


@dataclass
class SmallSurvey:
    survey: Survey
    taxon: Taxon
    stations: dict[str, Station]


def small_survey(station_scope: str = SCOPE) -> SmallSurvey:
    """Three stations, 20 days from 2024-01-01, one outage, six identified records.

    * A: deployed the whole time. B: outage 3 Jan 00:00 – 5 Jan 12:00 (2.5 days).
      C: deployed from 11 Jan only.
    * SL-1 at A on 1 Jan 10:00, 12:00 (same encounter: < 4 h) and 15:00 (a second one);
      SL-1 at B on 7 Jan. SL-2 at C on 12 Jan and (an annotation) at A on 17 Jan.
      SL-3 at B on 4 Jan (during the outage: left out) and on 18 Jan.
    """
    taxon = Taxon.objects.create(
        scientific_name="Panthera uncia",
        rank="species",
        slug="panthera-uncia",
        sensitivity_category=2,
    )
    survey = Survey.objects.create(
        code="tiny-survey",
        title="Tiny survey",
        scope_code=SCOPE,
        start_date=date(2024, 1, 1),
        end_date=date(2024, 1, 20),
    )
    survey.target_taxa.add(taxon)
    stations = {
        code: Station.objects.create(
            survey=survey, code=code, latitude=lat, longitude=lon, scope_code=station_scope
        )
        for code, (lat, lon) in STATIONS.items()
    }
    deployments = {
        "A": Deployment.objects.create(
            code="A-1", station=stations["A"], start=utc(1), end=utc(21)
        ),
        "B": Deployment.objects.create(
            code="B-1", station=stations["B"], start=utc(1), end=utc(21)
        ),
        "C": Deployment.objects.create(
            code="C-1", station=stations["C"], start=utc(11), end=utc(21)
        ),
    }
    Outage.objects.create(
        deployment=deployments["B"], start=utc(3), end=utc(5, 12), reason="snow_cover"
    )
    animals = {
        code: Individual.objects.create(code=code, taxon=taxon) for code in ("SL-1", "SL-2", "SL-3")
    }

    def observe(animal: str, station: str, moment: datetime) -> None:
        Observation.objects.create(
            deployment=deployments[station],
            level="event",
            event_start=moment,
            event_end=moment,
            observation_type="animal",
            taxon=taxon,
            individual=animals[animal],
        )

    observe("SL-1", "A", utc(1, 10))
    observe("SL-1", "A", utc(1, 12))
    observe("SL-1", "A", utc(1, 15))
    observe("SL-1", "B", utc(7, 8))
    observe("SL-2", "C", utc(12, 22))
    observe("SL-3", "B", utc(4, 3))
    observe("SL-3", "B", utc(18, 1))
    media = Media.objects.create(deployment=deployments["A"], timestamp=utc(17, 4))
    Annotation.objects.create(
        media=media,
        taxon=taxon,
        bbox_x=0.1,
        bbox_y=0.1,
        bbox_width=0.3,
        bbox_height=0.3,
        viewpoint="left",
        individual=animals["SL-2"],
    )
    return SmallSurvey(survey, taxon, stations)
