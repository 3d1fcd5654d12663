"""Demo step: one population analysis of the Ile-Alatau identification survey.

Runs only when the camera-trap and individuals demo made the survey with identified snow
leopards; otherwise does nothing. The analysis (yearly occasions, count detectors) runs in
the foreground and takes a few seconds. Its data are simulated demonstration data.
"""

from __future__ import annotations

import logging

from barys.demo.scenario import SIMULATED, DemoContext, step

log = logging.getLogger(__name__)

SURVEY_CODE = "ile-alatau-snow-leopard-id"
DEMO_PARAMS = {
    "occasion_days": 366,
    "detector": "count",
    "independence_hours": 4,
    "source": "both",
    "buffer_m": 15000.0,
    "spacing_m": 2000.0,
    "demo": True,
}


@step("population analysis (Ile-Alatau)")
def population_analysis(context: DemoContext) -> None:
    from barys.camtrap.models import Survey
    from barys.core import jobs
    from barys.population import services
    from barys.population.errors import PopulationError
    from barys.population.models import PopulationAnalysis

    survey = Survey.objects.filter(code=SURVEY_CODE).first()
    if survey is None:
        return
    existing = PopulationAnalysis.objects.filter(survey=survey, params__demo=True)
    if context.reset:
        existing.delete()
    elif existing.filter(state=PopulationAnalysis.State.DONE).exists():
        return
    else:
        existing.delete()
    try:
        analysis = services.start_analysis(
            survey=survey, actor=None, params=dict(DEMO_PARAMS), enqueue=False
        )
    except PopulationError as exc:
        log.info("population demo skipped: %s", exc)
        return
    analysis.title = f"{analysis.title} ({SIMULATED})"[:300]
    analysis.save(update_fields=["title"])
    if analysis.job is not None:
        jobs.run_job(analysis.job.pk)
    analysis.refresh_from_db()
    context.summary["population analyses"] = PopulationAnalysis.objects.count()
    context.summary["population analysis animals"] = analysis.results.get("n_animals", 0)
