"""SECR maximum-likelihood fits against secr's published results.

* captdata (secr's ``secrdemo.0``: multi-catch, halfnormal, buffer 100 m, default mask):
  D = 5.47980 /ha (SE 0.6467), g0 = 0.27319 (SE 0.0271), sigma = 29.366 m (SE 1.305),
  log-likelihood -759.0257, AIC 1524.05.
* Namkha snow leopards (scr-workflow ``m0``: count detector, HHN, usage in days, given mask):
  log-likelihood -109.1400, AIC 224.280, AICc 225.371, D = 0.0163482705 /km^2 with CV 25.608 %
  and 95 % limits 0.00997577592 - 0.0267914949 /km^2 (``namkha_basic_results_abundance_AIC.csv``).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
import shapely

from barys.analytics.secr import CaptureHistory, Mask, SecrFit, Traps, fit_secr, make_mask
from barys.analytics.secr.likelihood import prepare
from barys.analytics.secr.simulate import simulate_capthist
from tests.analytics.test_secr_data import captdata, namkha


@pytest.fixture(scope="module")
def captdata_fit() -> SecrFit:
    return fit_secr(captdata())


@pytest.fixture(scope="module")
def namkha_fit() -> SecrFit:
    ch, mask = namkha()
    return fit_secr(ch, mask, detectfn="HHN")


def test_captdata_estimates(captdata_fit: SecrFit) -> None:
    est = captdata_fit.estimates
    assert est["D"].estimate == pytest.approx(5.47980, rel=2e-5)
    assert est["g0"].estimate == pytest.approx(0.27319, rel=2e-5)
    assert est["sigma"].estimate == pytest.approx(29.366, rel=2e-5)
    assert captdata_fit.loglik == pytest.approx(-759.0257, abs=1e-4)
    assert captdata_fit.aic == pytest.approx(1524.05, abs=5e-3)
    assert captdata_fit.converged


def test_captdata_standard_errors(captdata_fit: SecrFit) -> None:
    est = captdata_fit.estimates
    assert est["D"].se == pytest.approx(0.6467, rel=1e-3)
    assert est["g0"].se == pytest.approx(0.0271, rel=3e-3)
    assert est["sigma"].se == pytest.approx(1.305, rel=1e-3)
    # Wald limits on the link scale
    d = est["D"]
    assert d.lcl == pytest.approx(math.exp(d.beta - 1.959963984540054 * d.se_beta), rel=1e-12)
    assert d.lcl < d.estimate < d.ucl
    g0 = est["g0"]
    assert g0.link == "logit" and g0.se == pytest.approx(
        g0.estimate * (1 - g0.estimate) * g0.se_beta
    )


def test_captdata_derived_quantities(captdata_fit: SecrFit) -> None:
    fit = captdata_fit
    k, n = 3, 76
    assert fit.aicc == pytest.approx(fit.aic + 2 * k * (k + 1) / (n - k - 1), rel=1e-12)
    per100 = fit.density_per_100km2
    assert per100.estimate == pytest.approx(fit.density.estimate * 10_000, rel=1e-12)
    assert per100.se == pytest.approx(fit.density.se * 10_000, rel=1e-12)
    region = fit.region_n()
    assert region.estimate == pytest.approx(fit.density.estimate * fit.mask.area_ha, rel=1e-12)
    # with secr's log-normal SE, the log-normal interval of E.N is the Wald interval x area
    assert region.lcl == pytest.approx(fit.density.lcl * fit.mask.area_ha, rel=1e-9)
    assert fit.region_n(100.0).estimate == pytest.approx(fit.density.estimate * 100.0)
    assert fit.esa_ha == pytest.approx(76 / fit.density.estimate, rel=1e-12)
    assert "log-likelihood -759.0257" in fit.summary()


def test_namkha_count_detector(namkha_fit: SecrFit) -> None:
    fit = namkha_fit
    assert fit.loglik == pytest.approx(-109.1400, abs=5e-5)
    assert round(fit.aic, 3) == 224.280
    assert round(fit.aicc, 3) == 225.371
    per_km2 = fit.density_per_km2
    assert per_km2.estimate == pytest.approx(0.0163482705452036, rel=1e-5)
    assert per_km2.cv == pytest.approx(0.25608171534, rel=1e-3)
    assert per_km2.lcl == pytest.approx(0.00997577592251011, rel=1e-3)
    assert per_km2.ucl == pytest.approx(0.0267914949067862, rel=1e-3)
    assert fit.density_per_100km2.estimate == pytest.approx(1.63482705, rel=1e-5)
    assert fit.detector == "count" and "lambda0" in fit.estimates


def test_usage_scales_lambda0_only() -> None:
    # For a hazard model, doubling every camera's effort halves lambda0 and leaves D, sigma
    ch, mask = namkha()
    base = fit_secr(ch, mask, detectfn="HHN")
    doubled = fit_secr(ch, mask, detectfn="HHN", usage=2.0 * ch.usage())
    assert doubled.estimates["lambda0"].estimate == pytest.approx(
        base.estimates["lambda0"].estimate / 2, rel=1e-5
    )
    assert doubled.density.estimate == pytest.approx(base.density.estimate, rel=1e-5)
    assert doubled.estimates["sigma"].estimate == pytest.approx(
        base.estimates["sigma"].estimate, rel=1e-5
    )
    # only the product usage x lambda0 enters the likelihood
    assert doubled.loglik == pytest.approx(base.loglik, abs=1e-6)


@pytest.mark.parametrize("detector", ["multi", "proximity", "count"])
@pytest.mark.parametrize("detectfn", ["HN", "HHN"])
def test_analytic_gradient_matches_finite_differences(detector: str, detectfn: str) -> None:
    ch = captdata()
    ch = CaptureHistory(ch.traps.with_detector(detector), ch.animal_ids, ch.counts)  # type: ignore[arg-type]
    usage = np.ones((100, 5))
    usage[::7, 2] = 0.0  # some detectors unused on occasion 3 (no captures there)
    usage[ch.counts[:, 2, :].sum(axis=0) > 0, 2] = 1.0
    usage[:, 4] = 0.5
    data = prepare(ch, make_mask(ch.traps, 100, nx=16), detectfn, usage)  # type: ignore[arg-type]
    beta = np.array([1.7, -1.0 if detectfn == "HN" else -1.2, math.log(28.0)])
    _, grad = data.log_likelihood_gradient(beta)
    step = 1e-6
    numeric = [
        (data.log_likelihood(beta + e * step) - data.log_likelihood(beta - e * step)) / (2 * step)
        for e in np.eye(3)
    ]
    assert grad == pytest.approx(numeric, rel=1e-5, abs=1e-5)


def test_multi_catch_likelihood_by_hand() -> None:
    # one trap, one mask point on it, two occasions; animal caught on occasion 1 only.
    # Pr(history) = (1 - exp(-h)) * exp(-h), h = -log(1 - g0); a = cell area
    traps = Traps(("t",), np.array([0.0]), np.array([0.0]), "multi")
    ch = CaptureHistory(traps, ("a",), np.array([[[1], [0]]]))
    mask = Mask(np.array([0.0]), np.array([0.0]), 100.0)
    assert mask.cell_area_ha == 1.0
    data = prepare(ch, mask, "HN")
    g0, density = 0.3, 2.0
    beta = np.array([math.log(density), math.log(g0 / (1 - g0)), math.log(50.0)])
    pdot = 1 - (1 - g0) ** 2
    expected = math.log(density) - density * pdot + math.log(g0 * (1 - g0))
    assert data.log_likelihood(beta) == pytest.approx(expected, rel=1e-12)


def test_count_likelihood_includes_poisson_constants() -> None:
    # one trap with usage 3, one mask point 30 m away, counts 2 then 0 on two occasions
    traps = Traps(("t",), np.array([0.0]), np.array([0.0]), "count", np.array([[3.0, 1.0]]))
    ch = CaptureHistory(traps, ("a",), np.array([[[2], [0]]]))
    mask = Mask(np.array([30.0]), np.array([0.0]), 100.0)
    data = prepare(ch, mask, "HHN")
    lam0, sigma, density = 0.2, 40.0, 1.5
    lam = lam0 * math.exp(-(30.0**2) / (2 * sigma**2))
    pr = (3 * lam) ** 2 * math.exp(-3 * lam) / 2 * math.exp(-lam)
    expected = math.log(density) - density * (1 - math.exp(-4 * lam)) + math.log(pr)
    beta = np.array([math.log(density), math.log(lam0), math.log(sigma)])
    assert data.log_likelihood(beta) == pytest.approx(expected, rel=1e-12)


def test_identical_histories_get_the_multinomial_constant() -> None:
    traps = Traps(("t", "u"), np.array([0.0, 50.0]), np.array([0.0, 0.0]), "proximity")
    counts = np.array([[[1, 0]], [[1, 0]], [[0, 1]]])
    ch = CaptureHistory(traps, ("a", "b", "c"), counts)
    data = prepare(ch, make_mask(traps, 100, nx=8), "HN")
    assert data.constant == pytest.approx(-math.log(2.0))


def test_simulated_survey_recovers_truth() -> None:
    rng = np.random.default_rng(20240611)
    xs, ys = np.meshgrid(np.arange(8) * 30.0, np.arange(8) * 30.0)
    traps = Traps.from_xy(np.column_stack([xs.ravel(), ys.ravel()]), detector="count")
    mask = make_mask(traps, buffer=120.0, nx=32)
    ch = simulate_capthist(
        traps, mask, density=4.0, sigma=25.0, baseline=0.15, detectfn="HHN", n_occasions=4, rng=rng
    )
    fit = fit_secr(ch, mask, detectfn="HHN")
    for name, truth in (("D", 4.0), ("lambda0", 0.15), ("sigma", 25.0)):
        est = fit.estimates[name]
        assert abs(est.estimate - truth) < 2.5 * est.se, name
        assert est.lcl < truth < est.ucl, name


def test_habitat_clipped_mask_and_default_buffer(caplog: pytest.LogCaptureFixture) -> None:
    ch = captdata()
    left = make_mask(ch.traps, 100, habitat=shapely.box(0, 0, 500, 1000))
    assert left.x.max() <= 500
    fit = fit_secr(ch, left)
    assert fit.mask.n_points == left.n_points
    assert fit.density.estimate > 0
    with caplog.at_level(logging.WARNING):
        small = fit_secr(ch, buffer=20.0)
    assert small.edge_pdot > 0.1
    assert "buffer may be too small" in caplog.text


def test_rejects_bad_input() -> None:
    ch = captdata()
    with pytest.raises(ValueError, match="detectfn"):
        fit_secr(ch, detectfn="EX")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="usage"):
        fit_secr(ch, usage=np.ones((3, 3)))
    with pytest.raises(ValueError, match="zero usage"):
        fit_secr(ch, usage=np.zeros((100, 5)))
