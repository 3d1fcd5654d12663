"""The population page, secr files, Red Book estimates and the design helper."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from django.urls import reverse

from barys.analytics.capture_recapture import fit_closed
from barys.analytics.secr import fit_secr, make_mask
from barys.analytics.survey_design import camera_grid, expected_captures
from barys.core import jobs
from barys.core.audit import history
from barys.core.models import AccessLogEntry
from barys.core.sensitivity import snap
from barys.population import pages, services
from barys.population.history import history_from_json
from barys.population.models import PopulationAnalysis
from barys.taxa.models import PopulationEstimate
from tests.population.fixtures import STATIONS, small_survey
from tests.reference import reference_path

pytestmark = pytest.mark.django_db

CAPTDATA_SPACING = 7.34375  # secr's default mask for captdata (buffer 100 m, nx 64)


def _captdata_analysis(survey: object) -> PopulationAnalysis:
    analysis = services.import_secr_files(
        survey=survey,  # type: ignore[arg-type]
        actor=None,
        capture_text=reference_path("secr_captdata", "capt.txt").read_text(),
        trap_text=reference_path("secr_captdata", "trap.txt").read_text(),
        detector="multi",
        buffer_m=100.0,
        spacing_m=CAPTDATA_SPACING,
        enqueue=False,
    )
    assert analysis.job is not None
    job = jobs.run_job(analysis.job.pk)
    assert job.state == "done", job.message
    analysis.refresh_from_db()
    return analysis


def _row(html: str, label: str) -> list[float]:
    match = re.search(rf'<tr data-key="{re.escape(label)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, label
    return [float(v) for v in re.findall(r'data-value="([^"]+)"', match.group(1))]


@pytest.mark.slow
def test_page_shows_the_same_numbers_as_direct_fits(login) -> None:  # type: ignore[no-untyped-def]
    made = small_survey()
    analysis = _captdata_analysis(made.survey)
    client = login("res", "researcher", ["ile-alatau"])
    response = client.get(reverse("population-survey", args=[made.survey.code]))
    assert response.status_code == 200
    html = response.content.decode()
    capthist = history_from_json(analysis.history)
    mask = make_mask(capthist.traps, buffer=100.0, spacing=CAPTDATA_SPACING)
    direct = {fn: fit_secr(capthist, mask=mask, detectfn=fn) for fn in ("HN", "HHN")}
    assert direct["HN"].loglik == pytest.approx(-759.0257, abs=1e-3)  # secr's captdata
    shown_aic, shown_aicc = _row(html, "aic"), _row(html, "aicc")
    shown_loglik = _row(html, "loglik")
    for column, fn in enumerate(("HN", "HHN")):
        assert shown_aic[column] == pytest.approx(direct[fn].aic, rel=1e-9)
        assert shown_aicc[column] == pytest.approx(direct[fn].aicc, rel=1e-9)
        assert shown_loglik[column] == pytest.approx(direct[fn].loglik, rel=1e-9)
    shown_d = _row(html, "d")
    assert shown_d[0] == pytest.approx(direct["HN"].estimates["D"].estimate, rel=1e-9)
    assert shown_d[0] == pytest.approx(5.4798, rel=1e-4)
    histories = capthist.histories()
    for model in ("M0", "Mt", "Mth Poisson2"):
        expected = fit_closed(histories, model, ci="lognormal")
        values = _row(html, model)
        assert values[0] == pytest.approx(expected.n_hat, rel=1e-9)
        assert values[1] == pytest.approx(expected.aic, rel=1e-9)
    assert 'id="plot-detection"' in html and 'id="plot-density"' in html
    assert 'id="plot-mask"' in html


def test_page_refused_to_anonymous_and_out_of_scope(client, login, make_user) -> None:  # type: ignore[no-untyped-def]
    made = small_survey()
    url = reverse("population-survey", args=[made.survey.code])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert login("ranger", "observer", ["ile-alatau"]).get(url).status_code == 403
    assert login("elsewhere", "researcher", ["altyn-emel"]).get(url).status_code == 403
    assert login("national", "researcher").get(url).status_code == 200
    start = reverse("population-start", args=[made.survey.code])
    assert login("other", "researcher", ["altyn-emel"]).post(start, {}).status_code == 403


def _exact_strings() -> list[str]:
    found = []
    for lat, lon in STATIONS.values():
        found += [f"{lat:.5f}", f"{lon:.5f}", f"{lat:.3f}", f"{lon:.3f}"]
    return found


def test_no_exact_positions_for_people_not_allowed_them(login) -> None:  # type: ignore[no-untyped-def]
    # stations kept by another park: a researcher of the survey's park may not see them exactly
    made = small_survey(station_scope="other-park")
    analysis = services.start_analysis(
        survey=made.survey,
        actor=None,
        params={"occasion_days": 5, "detector": "count"},
        enqueue=False,
    )
    assert analysis.job is not None
    jobs.run_job(analysis.job.pk)
    analysis.refresh_from_db()
    assert analysis.state == PopulationAnalysis.State.DONE
    client = login("res", "researcher", ["ile-alatau"])
    response = client.get(reverse("population-survey", args=[made.survey.code]))
    assert response.status_code == 200
    assert response.context["exact"] is False and response.context["can_export"] is False
    html = response.content.decode()
    for text in _exact_strings():
        assert text not in html
    assert "secr.zip" not in html
    download = reverse("population-secr-files", args=[made.survey.code, analysis.pk])
    assert client.get(download).status_code == 403
    assert not AccessLogEntry.objects.exists()
    # the traps drawn for this person are the generalised (0.1° grid) positions
    drawn = pages._generalised_traps(analysis, {code: 2 for code in STATIONS})
    assert drawn is not None and len(drawn) <= 3
    snapped = {(snap(lat, 0.1), snap(lon, 0.1)) for lat, lon in STATIONS.values()}
    assert len(drawn) == len(snapped)
    # someone allowed exact positions gets the files, and the read is logged
    owner = login("owner", "researcher", ["ile-alatau", "other-park"])
    page = owner.get(reverse("population-survey", args=[made.survey.code]))
    assert page.context["exact"] is True
    got = owner.get(download)
    assert got.status_code == 200 and got["Content-Type"] == "application/zip"
    assert AccessLogEntry.objects.filter(surface="population.secr-files").count() == 1


def test_curator_saves_an_audited_population_estimate(login) -> None:  # type: ignore[no-untyped-def]
    made = small_survey()
    analysis = _captdata_analysis(made.survey)
    url = reverse("population-save-estimate", args=[made.survey.code, analysis.pk])
    form = {"choice": "secr-HN", "area": "Ile-Alatau NP", "year_start": 2024, "source": ""}
    assert login("res", "researcher", ["ile-alatau"]).post(url, form).status_code == 403
    assert not PopulationEstimate.objects.exists()
    response = login("cur", "curator").post(url, form)
    assert response.status_code == 302
    estimate = PopulationEstimate.objects.get()
    fit = analysis.results["secr"]["HN"]
    assert estimate.taxon == made.taxon
    assert estimate.value == pytest.approx(fit["region_n"]["estimate"])
    assert estimate.lower == pytest.approx(fit["region_n"]["lcl"])
    assert "SECR (HN" in estimate.method and str(analysis.pk) in estimate.source
    entries = list(history(estimate))
    assert len(entries) == 1 and entries[0].action == "create"
    assert entries[0].actor is not None and entries[0].actor.username == "cur"


POLYGON = {
    "type": "Polygon",
    "coordinates": [[[77.0, 43.0], [77.3, 43.0], [77.3, 43.2], [77.0, 43.2], [77.0, 43.0]]],
}


def test_design_helper_returns_expected_captures(login) -> None:  # type: ignore[no-untyped-def]
    client = login("res", "researcher", ["ile-alatau"])
    params = {
        "polygon": json.dumps(POLYGON),
        "spacing_m": 4000,
        "density_per_100km2": 1.63,
        "sigma_m": 6073,
        "lambda0": 0.00256,
        "occasions": 90,
    }
    response = client.get(reverse("population-design"), params)
    assert response.status_code == 200
    result = response.context["result"]
    area = services.parse_polygon(json.dumps(POLYGON))
    projection = __import__("barys.analytics.projections", fromlist=["x"]).centred_laea(
        [area.centroid.y], [area.centroid.x]
    )
    cameras = camera_grid(projection.geometry_to_xy(area), 4000, detector="count")
    direct = expected_captures(
        cameras, density_per_100km2=1.63, sigma_m=6073, lambda0=0.00256, occasions=90
    )
    assert result.n_cameras == cameras.n_traps
    assert result.expected.n_animals == pytest.approx(direct.n_animals, rel=1e-12)
    assert result.expected.recaptures == pytest.approx(direct.recaptures, rel=1e-12)
    html = response.content.decode()
    shown = re.search(r'id="n-animals" data-value="([^"]+)"', html)
    assert shown and float(shown.group(1)) == pytest.approx(direct.n_animals, rel=1e-9)
    assert 'id="plot-design"' in html
    bad = client.get(reverse("population-design"), {**params, "polygon": "{nope"})
    assert bad.status_code == 200 and "GeoJSON" in bad.content.decode()
    assert (
        login("ranger", "observer", ["ile-alatau"]).get(reverse("population-design")).status_code
        == 403
    )
    assert np.isfinite(result.expected.rse_rule_of_thumb)


def test_imported_analysis_for_people_not_allowed_exact_positions(login) -> None:  # type: ignore[no-untyped-def]
    made = small_survey(station_scope="other-park")
    _captdata_analysis(made.survey)
    client = login("res", "researcher", ["ile-alatau"])
    response = client.get(reverse("population-survey", args=[made.survey.code]))
    assert response.status_code == 200 and response.context["exact"] is False
    shown = response.context["plots"]
    # no detectors and no coordinates: only a coarsened density surface and the curves
    assert "mask" not in shown and 'id="traps"' not in shown["density"]
    assert "detection" in shown


def test_home_panel_links_the_researchers_surveys(login, client) -> None:  # type: ignore[no-untyped-def]
    made = small_survey()
    page = reverse("population-survey", args=[made.survey.code])
    home = login("res", "researcher", ["ile-alatau"]).get("/en/")
    assert home.status_code == 200 and page.replace("/kk/", "/en/") in home.content.decode()
    elsewhere = login("other", "researcher", ["altyn-emel"]).get("/en/").content.decode()
    assert "/population/surveys/" not in elsewhere
    assert "/population/surveys/" not in client.get("/en/").content.decode()
