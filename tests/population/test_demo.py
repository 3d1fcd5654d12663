"""The demo step runs one analysis when the identification survey exists, else nothing."""

from __future__ import annotations

import pytest

from barys.demo.scenario import DemoContext
from barys.population.demo import SURVEY_CODE, population_analysis
from barys.population.models import PopulationAnalysis
from tests.population.fixtures import small_survey

pytestmark = pytest.mark.django_db


def test_demo_step_without_the_survey_does_nothing() -> None:
    population_analysis(DemoContext())
    assert not PopulationAnalysis.objects.exists()


def test_demo_step_runs_once() -> None:
    made = small_survey()
    made.survey.code = SURVEY_CODE
    made.survey.save()
    population_analysis(DemoContext())
    analysis = PopulationAnalysis.objects.get()
    assert analysis.state == PopulationAnalysis.State.DONE
    assert analysis.results["n_animals"] == 3
    assert "simulated demonstration data" in analysis.title
    population_analysis(DemoContext())
    assert PopulationAnalysis.objects.count() == 1
