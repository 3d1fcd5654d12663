"""Camtrap DP export and import of surveys (the ORM side of :mod:`barys.interop.camtrap_dp`).

Export writes one package per survey: deployments (one row per deployment), media (media
with a usable time), observations (the stored ones, plus the latest machine classification
of each event and the machine boxes above their threshold where no stored observation says
otherwise) and an ``individuals`` resource when observations name individuals.

With ``public=True`` the package follows the sensitive-location policy: the coordinates of
deployments at stations that recorded sensitive taxa (or whose survey targets them) are
snapped to the policy's grid with ``coordinateUncertainty`` inflated and the location name,
set-up people and comments withheld; deployments of category-1 stations are left out with
their media and observations; media with people are left out; what was done is written into
the package description and the deployment tags (``dataGeneralizations:…``).

Import reads a package into a new (or the same, on a second run) survey. Identifiers are
kept as written, so importing the same package again changes nothing; package metadata and
resources outside the standard are kept and written back on export.
"""

from barys.camtrap.dp.export import export_all, export_survey, survey_for_export
from barys.camtrap.dp.importing import PackageRefused, import_package

__all__ = [
    "PackageRefused",
    "export_all",
    "export_survey",
    "import_package",
    "survey_for_export",
]
