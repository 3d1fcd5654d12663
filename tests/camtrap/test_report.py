"""The survey report: numbers checked by hand, sections, protected positions, access, PDF.

A small real survey: four stations (one in another protected area), deployments set up and
retrieved at local noon (so those days count half), one outage, and observations of three
taxa at known local times (UTC+06:00).
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from barys.camtrap import services
from barys.camtrap.models import Deployment, Observation, Survey
from barys.camtrap.report import (
    ReportParameterError,
    parse_parameters,
    report_pdf,
    survey_report,
    winter_summer_seasons,
)
from barys.core.models import AccessLogEntry
from barys.taxa.models import Taxon

pytestmark = pytest.mark.django_db

LOCAL = timezone(timedelta(hours=6))
LEOPARD, IBEX, FOX = "Panthera uncia", "Capra sibirica", "Vulpes vulpes"
#: station code -> (latitude, longitude, scope); six decimals so a leak is easy to spot.
STATIONS = {
    "S1": (43.111111, 77.111111, "ile-alatau"),
    "S2": (43.222222, 77.222222, "ile-alatau"),
    "S3": (43.333333, 77.333333, "turgen"),
    "S4": (43.444444, 77.444444, "ile-alatau"),
}
#: station -> (set-up day, retrieval day) in June 2023, at local noon.
PERIODS = {"S1": (1, 21), "S2": (1, 21), "S3": (3, 21), "S4": (1, 11)}
#: S2's camera did not work from 5 June 00:00 to 8 June 00:00 (local): three whole days.
OUTAGE = ("S2", 5, 8)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2023, 6, day, hour, minute, tzinfo=LOCAL).astimezone(UTC)


def _records() -> list[tuple[str, str, datetime]]:
    """(station, species, time): the observations of the survey."""
    rows: list[tuple[str, str, datetime]] = []
    # Snow leopard at night: 6 nights at S1 with extra records in and just out of the window.
    for day in range(2, 8):
        rows.append(("S1", LEOPARD, local(day, 22)))
    rows += [
        ("S1", LEOPARD, local(2, 22, 10)),  # same detection (10 min after its first record)
        ("S1", LEOPARD, local(2, 22, 29)),  # same detection (29 min)
        ("S1", LEOPARD, local(2, 22, 40)),  # a new one: 40 min after the detection's start
    ]
    rows += [("S2", LEOPARD, local(day, 23)) for day in (2, 3, 4, 10)]
    rows += [("S3", LEOPARD, local(day, 21)) for day in (5, 6)]
    # Ibex by day at S1, S2 and S4.
    rows += [("S1", IBEX, local(day, 9)) for day in range(3, 9)]
    rows += [("S2", IBEX, local(day, 14)) for day in (9, 10, 11, 12, 13)]
    rows += [("S4", IBEX, local(day, 11)) for day in (2, 3, 4, 5)]
    # Red fox: few records, one during S2's outage (not counted in the RAI).
    rows += [("S1", FOX, local(4, 2)), ("S2", FOX, local(9, 3)), ("S2", FOX, local(6, 1))]
    return rows


def taxon(name: str, category: int | None, english: str) -> Taxon:
    return Taxon.objects.create(
        scientific_name=name,
        rank="species",
        slug=name.lower().replace(" ", "-"),
        sensitivity_category=category,
        name_en=english,
    )


@pytest.fixture
def survey(db: None) -> Survey:
    taxa = {
        LEOPARD: taxon(LEOPARD, 2, "Snow leopard"),
        IBEX: taxon(IBEX, None, "Siberian ibex"),
        FOX: taxon(FOX, None, "Red fox"),
    }
    survey = services.create_survey(
        code="report-test", title="Report test survey", scope_code="ile-alatau", actor="test"
    )
    deployments: dict[str, Deployment] = {}
    for code, (lat, lon, scope) in STATIONS.items():
        station = services.create_station(
            survey=survey, code=code, latitude=lat, longitude=lon, scope_code=scope, actor="test"
        )
        first, last = PERIODS[code]
        deployments[code] = services.create_deployment(
            code=f"D-{code}",
            station=station,
            start=local(first, 12),
            end=local(last, 12),
            time_zone="+06:00",
            actor="test",
        )
    services.add_outage(
        deployment=deployments[OUTAGE[0]],
        start=local(OUTAGE[1], 0),
        end=local(OUTAGE[2], 0),
        reason="battery",
        actor="test",
    )
    rows = [
        Observation(
            deployment=deployments[station],
            level="event",
            event_start=moment,
            event_end=moment,
            observation_type="animal",
            taxon=taxa[species],
            scientific_name=species,
        )
        for station, species, moment in _records()
    ]
    # Not counted: a blank, a person and an animal without a taxon.
    moment = local(3, 12)
    rows += [
        Observation(
            deployment=deployments["S1"],
            level="event",
            event_start=moment,
            event_end=moment,
            observation_type=kind,
        )
        for kind in ("blank", "human", "animal")
    ]
    Observation.objects.bulk_create(rows)
    return survey


# --------------------------------------------------------------------------- expected values


def expected_trap_nights() -> dict[str, float]:
    """Set-up and retrieval days count half; the outage's whole days count nothing."""
    nights = {code: float(last - first) for code, (first, last) in PERIODS.items()}
    nights[OUTAGE[0]] -= OUTAGE[2] - OUTAGE[1]
    return nights


def working(station: str, moment: datetime) -> bool:
    """Did the station's camera work on the local day of ``moment``?"""
    day = moment.astimezone(LOCAL).day
    first, last = PERIODS[station]
    if station == OUTAGE[0] and OUTAGE[1] <= day < OUTAGE[2]:
        return False
    return first <= day <= last


def expected_detections(window_minutes: int = 30) -> dict[tuple[str, str], list[datetime]]:
    """Independent detections by hand: a record starts a new detection when it is at least
    ``window`` after the first record of the current detection (same station, species)."""
    by_key: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for station, species, moment in _records():
        by_key[(station, species)].append(moment)
    out: dict[tuple[str, str], list[datetime]] = {}
    for key, moments in by_key.items():
        firsts: list[datetime] = []
        for moment in sorted(moments):
            if not firsts or moment - firsts[-1] >= timedelta(minutes=window_minutes):
                firsts.append(moment)
        out[key] = firsts
    return out


def expected_rai(window_minutes: int = 30) -> dict[str, float]:
    counted: dict[str, int] = defaultdict(int)
    for (station, species), moments in expected_detections(window_minutes).items():
        counted[species] += sum(1 for m in moments if working(station, m))
    total = sum(expected_trap_nights().values())
    return {species: 100.0 * n / total for species, n in counted.items()}


# --------------------------------------------------------------------------- the service


def test_effort_detections_and_rai_match_hand_computation(survey: Survey) -> None:
    report = survey_report(survey, user=None, charts=False)
    nights = {row.code: row.trap_nights for row in report.stations}
    assert nights == pytest.approx(expected_trap_nights())
    assert report.trap_nights == pytest.approx(65.0)
    assert {row.code: row.outage_days for row in report.stations}["S2"] == pytest.approx(3.0)
    assert report.first_day == date(2023, 6, 1) and report.last_day == date(2023, 6, 21)
    assert report.seasons == ["summer 2023"]

    detections = expected_detections()
    leopard_s1 = detections[("S1", LEOPARD)]
    assert len(leopard_s1) == 7  # 6 nights + the record 40 minutes after the first
    species = {row.scientific_name: row for row in report.species}
    assert set(species) == {LEOPARD, IBEX, FOX}
    assert species[LEOPARD].records == 15
    assert species[LEOPARD].detections == 13
    assert species[FOX].detections == 2  # the fox during the outage is not counted
    assert report.excluded_detections == 1
    for name, value in expected_rai().items():
        assert species[name].rai == pytest.approx(value)
        assert species[name].by_season == [pytest.approx(value)]
    assert [row.scientific_name for row in report.species] == [IBEX, LEOPARD, FOX]
    assert species[LEOPARD].stations == 3 and species[FOX].stations == 2
    by_station = dict(report.station_rai)
    leopard_column = [row.scientific_name for row in report.species].index(LEOPARD)
    assert by_station["S1"][leopard_column] == pytest.approx(100 * 7 / 20)
    assert report.n_records == len(_records())

    # A narrower window splits the S1 records 10 and 29 minutes after the first.
    narrow = survey_report(survey, user=None, charts=False, independence_minutes=5)
    assert {r.scientific_name: r for r in narrow.species}[LEOPARD].detections == 15
    assert {r.scientific_name: r.rai for r in narrow.species} == pytest.approx(expected_rai(5))


def test_seasons_are_a_parameter(survey: Survey) -> None:
    seasons = {
        "early": [(date(2023, 6, 1), date(2023, 6, 10))],
        "late": [(date(2023, 6, 11), date(2023, 6, 30))],
    }
    report = survey_report(survey, user=None, charts=False, seasons=seasons)
    assert report.seasons == ["early", "late"]
    # early: S1 9.5, S2 9.5 - 3 (outage), S3 7.5, S4 9.5; late: the rest.
    assert report.trap_nights_by_season == pytest.approx([33.0, 32.0])
    leopard = {r.scientific_name: r for r in report.species}[LEOPARD]
    early = sum(
        1
        for (station, species), moments in expected_detections().items()
        if species == LEOPARD
        for m in moments
        if working(station, m) and m.astimezone(LOCAL).day <= 10
    )
    assert leopard.by_season == pytest.approx([100 * early / 33.0, 100 * (13 - early) / 32.0])
    assert winter_summer_seasons(date(2023, 10, 20), date(2024, 5, 3)) == {
        "summer 2023": [(date(2023, 10, 20), date(2023, 10, 31))],
        "winter 2023/24": [(date(2023, 11, 1), date(2024, 4, 30))],
        "summer 2024": [(date(2024, 5, 1), date(2024, 5, 3))],
    }


def test_activity_overlap_and_occupancy_when_enough_data(survey: Survey) -> None:
    report = survey_report(survey, user=None, charts=True)
    activity = {a.scientific_name: a for a in report.activity}
    assert set(activity) == {LEOPARD, IBEX}
    assert activity[LEOPARD].n == 13 and activity[IBEX].n == 15
    assert 20 <= activity[LEOPARD].peak_hour <= 24  # a nocturnal animal, in local time
    assert 8 <= activity[IBEX].peak_hour <= 15
    assert 0 < activity[LEOPARD].level < 1
    assert report.activity_omitted == [("Red fox", 3)]  # all its detections, outage included
    assert [(o.prey, o.estimator) for o in report.overlaps] == [(IBEX, "Dhat1")]
    assert 0 <= report.overlaps[0].value < 0.5
    fitted = {o.scientific_name: o for o in report.occupancy}
    assert set(fitted) == {LEOPARD, IBEX}
    leopard = fitted[LEOPARD]
    assert leopard.error == "" and leopard.sites == 4 and leopard.occasions == 3
    assert leopard.naive == pytest.approx(0.75)
    assert 0 < leopard.psi <= 1 and 0 < leopard.p < 1 and leopard.aic > 0
    assert report.occupancy_omitted == [("Red fox", 2)]
    charts = report.charts
    assert charts is not None
    assert charts.operation.startswith("<svg") and charts.effort_map.startswith("<svg")
    assert [s.scientific_name for s, _svg in charts.detection_maps] == [IBEX, LEOPARD, FOX]
    assert "Snow leopard" in charts.activity and len(charts.overlaps) == 1


def test_sections_are_explained_when_data_are_too_few(survey: Survey, login: Any) -> None:
    Observation.objects.exclude(scientific_name=FOX).delete()
    report = survey_report(survey, user=None, charts=True)
    assert report.activity == [] and report.overlaps == [] and report.occupancy == []
    assert "snow leopard" in report.overlap_note.lower()
    assert report.occupancy_omitted == [("Red fox", 2)]
    ranger = login("ranger", "observer", ["ile-alatau"])
    html = ranger.get(f"/en/camtrap/surveys/{survey.code}/report/").content.decode()
    assert "No species has 10 or more independent detections" in html
    assert "Too few independent detections for an activity curve" in html and "Red fox (3)" in html
    assert "No species was detected at 3 or more stations" in html
    assert "Detected at fewer than 3 stations, so not modelled" in html
    Observation.objects.all().delete()
    silent = survey_report(survey, user=None, charts=True)
    assert silent.species == [] and silent.n_detections == 0 and silent.occupancy == []
    assert silent.trap_nights == pytest.approx(65.0) and silent.charts is not None
    assert report_pdf(silent).startswith(b"%PDF")
    html = ranger.get(f"/en/camtrap/surveys/{survey.code}/report/").content.decode()
    assert "No animal observations with a taxon were recorded" in html
    empty = services.create_survey(code="empty", title="Empty", scope_code="ile-alatau")
    nothing = survey_report(empty, user=None)
    assert nothing.empty and nothing.stations == [] and nothing.charts is None
    assert report_pdf(nothing).startswith(b"%PDF")


def test_queries_are_few_and_do_not_grow_with_observations(survey: Survey) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            survey_report(survey, user=None, charts=False)
        return len(queries)

    before = count()
    assert before <= 12
    deployment = Deployment.objects.get(code="D-S4")
    ibex = Taxon.objects.get(scientific_name=IBEX)
    Observation.objects.bulk_create(
        Observation(
            deployment=deployment,
            level="media",
            event_start=local(2, 6) + timedelta(minutes=7 * k),
            event_end=local(2, 6) + timedelta(minutes=7 * k),
            observation_type="animal",
            taxon=ibex,
        )
        for k in range(500)
    )
    assert count() == before


def test_parameters_are_validated() -> None:
    assert parse_parameters({}).independence_minutes == 30
    assert (
        parse_parameters({"independence_minutes": " 60 ", "occasion_days": "14"}).occasion_days
        == 14
    )
    for query in (
        {"independence_minutes": "abc"},
        {"independence_minutes": "0"},
        {"independence_minutes": "100000"},
        {"occasion_days": "1.5"},
        {"occasion_days": "-3"},
    ):
        with pytest.raises(ReportParameterError, match="whole number"):
            parse_parameters(query)


# --------------------------------------------------------------------------- positions


def pdf_text(data: bytes) -> str:
    """The text of every (inflated) stream of a PDF, with TJ kerning pieces joined."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        raw = match.group(1)
        with contextlib.suppress(zlib.error):  # streams that are not compressed
            raw = zlib.decompress(raw)
        chunks.append(raw.decode("latin-1"))
    text = "\n".join(chunks)
    joined = re.sub(
        r"\[(.*?)\]\s*TJ",
        lambda m: "".join(re.findall(r"\((.*?)(?<!\\)\)", m.group(1))),
        text,
        flags=re.S,
    )
    return text + "\n" + joined


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def test_sensitive_station_is_generalised_for_a_researcher_from_another_area(
    survey: Survey, login: Any
) -> None:
    client = login("park-researcher", "researcher", ["ile-alatau"])
    page = client.get(f"/en/camtrap/surveys/{survey.code}/report/")
    assert page.status_code == 200
    html = page.content.decode()
    # S3 lies in another protected area: its snow leopard makes it category 2 -> a 0.1° cell;
    # three decimals would already reveal more than the category allows.
    assert "43.333" not in html and "77.333" not in html
    assert "43.35, 77.35" in html
    # Stations of the researcher's own park are exact; the two exact views are logged as one
    # entry for the report.
    assert "43.11111, 77.11111" in html
    (entry,) = AccessLogEntry.objects.filter(object_type="camtrap.station")
    assert entry.count == 2
    for section in ("Effort", "Species and relative abundance", "Diel activity", "Occupancy"):
        assert f"<h2>{section}</h2>" in html
    assert html.count("<svg") >= 6 and "<caption>" in html

    pdf = client.get(f"/en/camtrap/surveys/{survey.code}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="survey-report-report-test.pdf"'
    text = pdf_text(pdf.content)
    assert "43.333" not in text and "77.333" not in text
    assert "43.11111" in text  # the text is searchable: the check above means something
    # title, species, RAI by season, stations, operation, RAI chart, effort map, activity,
    # one overlap, three detection maps, activity table, occupancy
    assert pdf.content.startswith(b"%PDF") and page_count(pdf.content) == 14


def test_category_one_stations_are_withheld(survey: Survey, login: Any) -> None:
    Taxon.objects.filter(scientific_name=LEOPARD).update(sensitivity_category=1)
    client = login("park-researcher", "researcher", ["ile-alatau"])
    html = client.get(f"/en/camtrap/surveys/{survey.code}/report/").content.decode()
    assert "43.333" not in html and "77.333" not in html and "43.35, 77.35" not in html
    assert re.search(r"<td>S3</td>\s*<td>withheld</td>", html)
    assert "43.11111, 77.11111" in html  # the park's own stations stay exact for its staff
    public = survey_report(survey, user=None, charts=False)
    shown = {row.code: row.position for row in public.stations}
    assert shown["S1"].withheld and shown["S3"].withheld and shown["S4"].exact
    assert public.withheld == 3 and len(public.map_points) == 1


# --------------------------------------------------------------------------- access, parameters


def test_access_needs_a_role_in_the_survey_area(survey: Survey, login: Any) -> None:
    url = f"/en/camtrap/surveys/{survey.code}/report/"
    for path in (url, f"/en/camtrap/surveys/{survey.code}/report.pdf"):
        anonymous = Client().get(path)
        assert anonymous.status_code == 302 and "login" in anonymous["Location"]
        elsewhere = login(f"other-{len(path)}", "observer", ["altyn-emel"])
        assert elsewhere.get(path).status_code == 403
    ranger = login("ranger", "observer", ["ile-alatau"])
    assert ranger.get(url).status_code == 200
    detail = ranger.get(f"/en/camtrap/surveys/{survey.code}/").content.decode()
    assert url in detail
    assert url not in Client().get(f"/en/camtrap/surveys/{survey.code}/").content.decode()
    assert Client().get("/en/camtrap/surveys/no-such-survey/report/").status_code == 302


def test_bad_query_parameters_give_a_clear_message(survey: Survey, login: Any) -> None:
    ranger = login("ranger", "observer", ["ile-alatau"])
    url = f"/en/camtrap/surveys/{survey.code}/report/"
    for query in ("independence_minutes=abc", "occasion_days=0", "independence_minutes=99999"):
        response = ranger.get(f"{url}?{query}")
        assert response.status_code == 400
        assert "must be a whole number" in response.content.decode()
    assert (
        ranger.get(f"/en/camtrap/surveys/{survey.code}/report.pdf?occasion_days=x").status_code
        == 400
    )
    good = ranger.get(f"{url}?independence_minutes=5&occasion_days=10").content.decode()
    assert 'value="5"' in good and "10-day occasions" in good
