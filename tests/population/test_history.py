"""Capture histories of a hand-made survey; secr files out and back in."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.population import services
from barys.population.errors import PopulationError
from barys.population.history import (
    HistoryParams,
    history_from_json,
    history_to_json,
    survey_capture_history,
)
from barys.population.models import PopulationAnalysis
from tests.population.fixtures import small_survey

pytestmark = pytest.mark.django_db

ORDER = ("A", "B", "C")


def test_count_history_has_the_expected_counts_and_usage() -> None:
    made = small_survey()
    built = survey_capture_history(
        survey=made.survey, params=HistoryParams(occasion_days=5, detector="count")
    )
    ch = built.capthist
    assert ch.traps.ids == ORDER
    assert ch.animal_ids == ("SL-1", "SL-2", "SL-3")
    assert ch.n_occasions == 4
    expected = np.zeros((3, 4, 3), dtype=int)
    expected[0, 0, 0] = 2  # SL-1 at A: 10:00 and 15:00 (12:00 is within 4 h of 10:00)
    expected[0, 1, 1] = 1  # SL-1 at B on 7 Jan
    expected[1, 2, 2] = 1  # SL-2 at C on 12 Jan
    expected[1, 3, 0] = 1  # SL-2 at A on 17 Jan (annotation)
    expected[2, 3, 1] = 1  # SL-3 at B on 18 Jan; 4 Jan fell in the outage
    np.testing.assert_array_equal(ch.counts, expected)
    np.testing.assert_allclose(ch.traps.usage, [[5, 5, 5, 5], [2.5, 5, 5, 5], [0, 0, 5, 5]])
    assert len(built.dropped) == 1 and "SL-3 at B" in built.dropped[0]
    # stations 2–5 km apart, projected to metres
    distance = np.hypot(*(ch.traps.xy[0] - ch.traps.xy[1]))
    assert 2000 < distance < 5000


def test_proximity_and_window_and_sources() -> None:
    made = small_survey()
    prox = survey_capture_history(
        survey=made.survey, params=HistoryParams(occasion_days=5, detector="proximity")
    ).capthist
    assert prox.counts[0, 0, 0] == 1 and prox.n_detections == 5
    short = survey_capture_history(
        survey=made.survey,
        params=HistoryParams(
            start=date(2024, 1, 11),
            end=date(2024, 1, 20),
            occasion_days=10,
            detector="count",
            source="observations",
            independence_hours=0,
        ),
    ).capthist
    assert short.animal_ids == ("SL-2", "SL-3") and short.n_occasions == 1
    np.testing.assert_allclose(short.traps.usage[:, 0], [10, 10, 10])
    with pytest.raises(PopulationError):
        survey_capture_history(
            survey=made.survey,
            params=HistoryParams(start=date(2025, 1, 1), end=date(2025, 1, 2)),
        )


def test_json_round_trip() -> None:
    made = small_survey()
    built = survey_capture_history(survey=made.survey, params=HistoryParams(occasion_days=5))
    back = history_from_json(history_to_json(built))
    np.testing.assert_array_equal(back.counts, built.capthist.counts)
    np.testing.assert_array_equal(back.traps.usage, built.capthist.traps.usage)


@pytest.mark.parametrize("fmt", ["XY", "trapID"])
@pytest.mark.parametrize("detector", ["count", "proximity"])
def test_export_and_reimport_give_the_same_history(fmt: str, detector: str) -> None:
    made = small_survey()
    analysis = services.start_analysis(
        survey=made.survey,
        actor=None,
        params={"occasion_days": 5, "detector": detector},
        enqueue=False,
    )
    payload = services.export_secr_files(analysis=analysis, fmt=fmt)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        capture = archive.read("capt.txt").decode()
        trap = archive.read("trap.txt").decode()
        assert "binary.usage = FALSE" in archive.read("README.txt").decode()
    imported = services.import_secr_files(
        survey=made.survey,
        actor=None,
        capture_text=capture,
        trap_text=trap,
        detector=detector,
        enqueue=False,
    )
    original = history_from_json(analysis.history)
    again = history_from_json(imported.history)
    assert again.animal_ids == original.animal_ids
    assert again.traps.ids == original.traps.ids
    np.testing.assert_array_equal(again.counts, original.counts)
    np.testing.assert_allclose(again.traps.xy, original.traps.xy, atol=1e-6)
    np.testing.assert_allclose(again.traps.usage, original.traps.usage)
    assert imported.source == PopulationAnalysis.Source.IMPORT


TRAP = "A 0 0 11\nB 1000 0 11\n"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet="AB 0123456789xyz#\n/-.,", max_size=80))
def test_bad_capture_files_give_a_clear_error(capture: str) -> None:
    before = PopulationAnalysis.objects.count()
    try:
        services.read_secr_files(
            capture_text=capture, trap_text=TRAP, detector="count", capture_name="mine.txt"
        )
    except PopulationError as exc:
        message = str(exc)
        assert message and "/tmp" not in message
    assert PopulationAnalysis.objects.count() == before


def test_bad_trap_file_names_the_file_line_and_field() -> None:
    with pytest.raises(PopulationError, match=r"traps\.txt, line 2, field 'y'"):
        services.read_secr_files(
            capture_text="1 a 1 A\n",
            trap_text="A 0 0\nB 10 north\n",
            detector="count",
            trap_name="traps.txt",
        )


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=120))
def test_bad_geojson_gives_a_clear_error(text: str) -> None:
    try:
        shape = services.parse_polygon(text)
    except PopulationError as exc:
        assert str(exc).startswith("GeoJSON")
    else:
        assert shape.geom_type in ("Polygon", "MultiPolygon")


def test_geojson_polygon_in_degrees_is_required() -> None:
    with pytest.raises(PopulationError, match="Polygon"):
        services.parse_polygon('{"type": "Point", "coordinates": [77, 43]}')
    with pytest.raises(PopulationError, match="degrees"):
        services.parse_polygon(
            '{"type": "Polygon", "coordinates": [[[500000, 4700000], [510000, 4700000], '
            "[510000, 4710000], [500000, 4700000]]]}"
        )
