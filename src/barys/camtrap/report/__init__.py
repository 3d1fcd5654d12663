"""The camera-trap survey report: effort, species and RAI, activity, occupancy, maps.

:func:`survey_report` builds a :class:`SurveyReport` (a service: no HTTP);
:func:`report_pdf` draws it as a PDF; :func:`parse_parameters` reads the parameters people
type. See ``docs/camera-traps.md`` ("Survey report").
"""

from barys.camtrap.report.parameters import (
    ReportParameterError,
    ReportParameters,
    parse_parameters,
    winter_summer_seasons,
)
from barys.camtrap.report.service import (
    MIN_ACTIVITY_DETECTIONS,
    MIN_OCCUPANCY_STATIONS,
    SNOW_LEOPARD_PREY,
    SurveyReport,
    survey_report,
)


def report_pdf(report: SurveyReport) -> bytes:
    """The report as PDF bytes (see :mod:`barys.camtrap.report.pdf`)."""
    from barys.camtrap.report.pdf import report_pdf as draw

    return draw(report)


__all__ = [
    "MIN_ACTIVITY_DETECTIONS",
    "MIN_OCCUPANCY_STATIONS",
    "SNOW_LEOPARD_PREY",
    "ReportParameterError",
    "ReportParameters",
    "SurveyReport",
    "parse_parameters",
    "report_pdf",
    "survey_report",
    "winter_summer_seasons",
]
