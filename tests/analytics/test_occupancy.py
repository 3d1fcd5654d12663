"""Occupancy model (validated against unmarked) and detection histories (camtrapR sample).

unmarked's frog data (``inst/csv/frog2001pcru.csv``, long format: site, Julian date,
Pcru count, observation covariates) with observation covariates standardised over all
non-missing values (SD with n - 1), counts above 1 truncated to 1, and
``occu(~ MinAfterSunset + Temperature ~ 1)`` gives psi = 0.8230724 (SE 0.04254) and
AIC 356.7591; the null model ``occu(~ 1 ~ 1)`` has AIC 461.00.
"""

from __future__ import annotations

import csv
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from barys.analytics.effort import camera_operation
from barys.analytics.occupancy import detection_history, fit_occupancy, parse_formula
from tests.analytics.test_effort import KUALA_LUMPUR, load_camtraps, sample_detections
from tests.reference import reference_path

OBS_COVARIATES = ("MinAfterSunset", "Wind", "Sky", "Temperature")


def load_frogs() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Long format to sites x occasions, occasions ordered by date within site (as csvToUMF)."""
    with reference_path("unmarked_frogs", "frog2001pcru.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_site: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_site.setdefault(row["RouteNumStopNum"], []).append(row)
    sites = sorted(by_site, key=float)
    n_occasions = max(len(v) for v in by_site.values())
    y = np.full((len(sites), n_occasions), np.nan)
    covs = {k: np.full((len(sites), n_occasions), np.nan) for k in OBS_COVARIATES}
    for i, site in enumerate(sites):
        for j, row in enumerate(sorted(by_site[site], key=lambda r: float(r["JulianDate"]))):
            y[i, j] = float(row["Pcru"])
            for name in OBS_COVARIATES:
                covs[name][i, j] = float(row[name])
    standardised = {k: (v - np.nanmean(v)) / np.nanstd(v, ddof=1) for k, v in covs.items()}
    return y, standardised


@pytest.fixture(scope="module")
def frogs() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    return load_frogs()


def test_frog_data_shape(frogs: tuple[np.ndarray, dict[str, np.ndarray]]) -> None:
    y, _ = frogs
    assert y.shape == (130, 3)
    assert int((~np.isnan(y)).sum()) == 337


def test_unmarked_frog_model_with_detection_covariates(
    frogs: tuple[np.ndarray, dict[str, np.ndarray]],
) -> None:
    y, covs = frogs
    fit = fit_occupancy(
        y, observation_covariates=covs, psi="~ 1", p="~ MinAfterSunset + Temperature"
    )
    assert fit.converged
    assert fit.n_parameters == 4
    assert fit.aic == pytest.approx(356.7591, abs=1e-4)
    psi = fit.predict_psi()
    assert psi.estimate[0] == pytest.approx(0.8230724, rel=1e-4)
    assert psi.se[0] == pytest.approx(0.04254, abs=5e-6)
    assert fit.psi.estimate[0] == pytest.approx(psi.estimate[0])
    assert set(fit.estimates) == {
        "psi((Intercept))",
        "p((Intercept))",
        "p(MinAfterSunset)",
        "p(Temperature)",
    }
    # the same model with the formula given as a list of names
    again = fit_occupancy(
        y, observation_covariates=covs, psi=[], p=["MinAfterSunset", "Temperature"]
    )
    assert again.log_likelihood == pytest.approx(fit.log_likelihood, abs=1e-9)


def test_unmarked_frog_null_model(frogs: tuple[np.ndarray, dict[str, np.ndarray]]) -> None:
    y, _ = frogs
    fit = fit_occupancy(y)
    assert fit.aic == pytest.approx(461.00, abs=0.005)
    assert fit.n_sites == 130


def _log_likelihood(y: np.ndarray, psi: float, p: float) -> float:
    total = 0.0
    for row in y:
        seen = row[~np.isnan(row)]
        history = np.prod(np.where(seen > 0, p, 1 - p))
        total += np.log(psi * history + (1 - psi) * (seen.sum() == 0))
    return float(total)


def test_small_case_likelihood_and_conditional_occupancy() -> None:
    y = np.array([[1, 0, 1], [0, 0, 0], [0, np.nan, 0], [0, 1, np.nan], [np.nan, np.nan, np.nan]])
    fit = fit_occupancy(y)
    psi = special.expit(fit.psi_coefficients["(Intercept)"].estimate)
    p = special.expit(fit.p_coefficients["(Intercept)"].estimate)
    assert fit.log_likelihood == pytest.approx(_log_likelihood(y[:4], psi, p), abs=1e-10)
    # the estimate is a maximum: nearby parameter values do not do better
    for dpsi, dp in ((1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)):
        assert _log_likelihood(y[:4], psi + dpsi, p + dp) < fit.log_likelihood
    assert not fit.sites_used[4] and fit.n_sites == 4
    assert np.isnan(fit.psi.estimate[4]) and np.isnan(fit.conditional_occupancy[4])
    assert fit.conditional_occupancy[0] == 1.0 and fit.conditional_occupancy[3] == 1.0
    expected = psi * (1 - p) ** 3 / (psi * (1 - p) ** 3 + 1 - psi)
    assert fit.conditional_occupancy[1] == pytest.approx(expected, rel=1e-10)
    assert np.isnan(fit.p[2, 1]) and fit.p[0, 0] == pytest.approx(p)


def test_missing_observation_covariate_equals_missing_survey(
    frogs: tuple[np.ndarray, dict[str, np.ndarray]],
) -> None:
    y, covs = frogs
    holed = {k: v.copy() for k, v in covs.items()}
    holed["Temperature"][5, 0] = np.nan
    y_holed = y.copy()
    y_holed[5, 0] = np.nan
    a = fit_occupancy(y, observation_covariates=holed, p="~ Temperature")
    b = fit_occupancy(y_holed, observation_covariates=covs, p="~ Temperature")
    assert a.log_likelihood == pytest.approx(b.log_likelihood, abs=1e-9)


def test_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(20240601)
    n_sites, n_occ = 400, 5
    forest = rng.normal(size=n_sites)
    effort = rng.uniform(2, 7, size=(n_sites, n_occ))
    z = rng.random(n_sites) < special.expit(0.3 + 1.0 * forest)
    p = special.expit(-1.0 + 0.4 * (effort - 4.5))
    y = (rng.random((n_sites, n_occ)) < p * z[:, None]).astype(float)
    y[rng.random((n_sites, n_occ)) < 0.1] = np.nan
    fit = fit_occupancy(
        y,
        site_covariates={"forest": forest},
        observation_covariates={"effort": effort - 4.5},
        psi="~ forest",
        p="~ effort",
    )
    truth = {"psi((Intercept))": 0.3, "psi(forest)": 1.0, "p((Intercept))": -1.0, "p(effort)": 0.4}
    for name, value in truth.items():
        est = fit.estimates[name]
        assert abs(est.estimate - value) < 3 * est.se, name
    curve = fit.predict_psi({"forest": np.array([-2.0, 0.0, 2.0])})
    assert np.all(np.diff(curve.estimate) > 0)
    assert np.all((curve.lower < curve.estimate) & (curve.estimate < curve.upper))


def test_categorical_site_covariate() -> None:
    rng = np.random.default_rng(7)
    habitat = np.array(["steppe", "forest", "rock"] * 60)
    truth = {"forest": 0.8, "rock": 0.5, "steppe": 0.2}
    z = rng.random(habitat.size) < np.array([truth[h] for h in habitat])
    y = (rng.random((habitat.size, 4)) < 0.5 * z[:, None]).astype(float)
    fit = fit_occupancy(y, site_covariates={"habitat": habitat}, psi="~ habitat")
    assert tuple(fit.psi_coefficients) == ("(Intercept)", "habitatrock", "habitatsteppe")
    pred = fit.predict_psi({"habitat": np.array(["forest", "rock", "steppe"])})
    assert pred.estimate[0] > pred.estimate[2]
    with pytest.raises(ValueError, match="unknown level"):
        fit.predict_psi({"habitat": np.array(["glacier"])})


def test_input_errors() -> None:
    with pytest.raises(ValueError, match="2-D"):
        fit_occupancy(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        fit_occupancy(np.array([[1.0, -1.0]]))
    with pytest.raises(KeyError, match="covariate 'elev'"):
        fit_occupancy(np.array([[1.0, 0.0], [0.0, 0.0]]), psi="~ elev")
    with pytest.raises(ValueError, match=r"expected \(2,\)"):
        fit_occupancy(np.array([[1.0, 0.0], [0.0, 0.0]]), site_covariates={"elev": np.ones(3)})


def test_parse_formula() -> None:
    assert parse_formula("~ 1").terms == () and parse_formula("~1").intercept
    f = parse_formula("~ MinAfterSunset + Temperature")
    assert f.terms == ("MinAfterSunset", "Temperature") and f.intercept
    assert str(f) == "~ MinAfterSunset + Temperature"
    assert not parse_formula("~ a - 1").intercept and not parse_formula("~ 0 + a").intercept
    for bad in ("a + b", "~ a*b", "~ log(a)", "~ a - b", "~ 0", "~", "~ a ++ b"):
        with pytest.raises(ValueError):
            parse_formula(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="~ +-01abc*()._", max_size=20))
def test_parse_formula_never_crashes(text: str) -> None:
    try:
        formula = parse_formula(text)
    except ValueError as err:
        assert "formula" in str(err)
    else:
        assert formula.intercept or formula.terms


# --------------------------------------------------------------------------- detection histories


def test_camtrapr_detection_history_vta_by_station() -> None:
    """camtrapR vignette 3: VTA, occasionLength 7, day1 = "station", camop without problems."""
    op = camera_operation(load_camtraps(with_problems=False), utc_offset=KUALA_LUMPUR)
    history = detection_history(op, sample_detections(), "VTA", occasion_length=7, day1="station")
    # records: A 10/04 (occ 2), A 06/05 (occ 5); B 15/04 (occ 2), B 27/04 (occ 4); C 24/04 (occ 3)
    np.testing.assert_array_equal(
        history.detections, [[0, 1, 0, 0, 1, 0, 0], [0, 1, 0, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0]]
    )
    np.testing.assert_array_equal(
        history.effort,
        [[6.5, 7, 7, 7, 7, 7, 0.5], [6.5, 7, 7, 7, 7, 7, 1.5], [6.5, 7, 7, 7, 7, 7, 1.5]],
    )
    assert [str(d) for d in history.first_day] == ["2009-04-02", "2009-04-03", "2009-04-04"]
    assert str(history.occasion_start()[2, 6]) == "2009-05-16"
    assert history.naive_occupancy == 1.0 and history.records_outside == 0
    assert not np.isnan(history.detections).any()


def test_camtrapr_detection_history_with_problems_by_survey() -> None:
    op = camera_operation(load_camtraps(), utc_offset=KUALA_LUMPUR)
    history = detection_history(op, sample_detections(), "TRA", occasion_length=7, day1="survey")
    row = history.detections[2]
    # StationC: problem 12/05-17/05 -> occasion 7 (14/05-17/05) has zero effort and is NaN;
    # the record on 12/05 (inside the problem) still counts for occasion 6, whose effort is 5
    np.testing.assert_array_equal(row[:6], [0, 1, 0, 1, 1, 1])
    assert np.isnan(row[6])
    np.testing.assert_array_equal(history.effort[2], [4.5, 7, 7, 7, 7, 5, 0])
    np.testing.assert_array_equal(history.effort[1], [5.5, 7, 7, 7, 7, 7, 2.5])
    counts = detection_history(
        op, sample_detections(), "TRA", occasion_length=7, day1="survey", output="count"
    )
    np.testing.assert_array_equal(counts.detections[2, :6], [0, 3, 0, 2, 2, 1])


def test_detection_history_from_a_given_day() -> None:
    op = camera_operation(load_camtraps(with_problems=False), utc_offset=KUALA_LUMPUR)
    history = detection_history(
        op, sample_detections(), "PBE", occasion_length=10, day1=date(2009, 4, 10)
    )
    assert history.n_occasions == 4  # 10/04 .. 17/05 is 38 days
    assert (
        history.records_outside == 4
    )  # B 05/04 00:11, 05/04 23:13, 07/04 and C 06/04 precede day 1
    np.testing.assert_array_equal(history.effort[0], [10, 10, 10, 4.5])


def test_detection_history_errors() -> None:
    op = camera_operation(load_camtraps(), utc_offset=KUALA_LUMPUR)
    with pytest.raises(ValueError, match="occasion_length"):
        detection_history(op, sample_detections(), "VTA", occasion_length=0)
    with pytest.raises(ValueError, match="day1"):
        detection_history(op, sample_detections(), "VTA", occasion_length=7, day1="first")  # type: ignore[arg-type]
