"""Closed-population log-linear models against Rcapture's published results.

Reference: Rcapture 1.4 ``tests/Examples/Rcapture-Ex.Rout.save`` (the package's own saved
example output): ``closedp.t(hare)``, ``closedpCI.t(hare, ...)`` and Seber (1982, p. 107).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from barys.analytics.capture_recapture import (
    MODELS,
    capture_frequencies,
    design_matrix,
    fit_all,
    fit_closed,
    observable_histories,
)
from tests.reference import reference_path


@pytest.fixture(scope="module")
def hare() -> np.ndarray:
    path = reference_path("rcapture_hare", "hare.csv")
    return np.loadtxt(path, delimiter=",", skiprows=1).astype(int)


# closedp.t(hare): abundance, stderr, deviance, df, AIC (Rcapture-Ex.Rout.save)
HARE_CLOSEDP = {
    "M0": (75.4, 3.5, 68.516, 61, 154.707),
    "Mt": (75.1, 3.4, 58.314, 56, 154.505),
    "Mh Chao": (79.8, 6.4, 58.023, 58, 150.214),
    "Mh Poisson2": (81.5, 5.7, 59.107, 60, 147.298),
    "Mh Darroch": (90.4, 11.6, 61.600, 60, 149.791),
    "Mh Gamma3.5": (100.6, 21.7, 62.771, 60, 150.961),
    "Mth Chao": (79.6, 6.3, 47.115, 52, 151.305),
    "Mth Poisson2": (81.1, 5.6, 48.137, 55, 146.327),
    "Mth Darroch": (90.5, 11.7, 50.706, 55, 148.896),
    "Mth Gamma3.5": (101.6, 22.4, 51.956, 55, 150.147),
    "Mb": (81.1, 8.3, 67.027, 60, 155.217),
    "Mbh": (74.2, 14.6, 63.257, 59, 153.447),
}


def test_hare_frequencies(hare: np.ndarray) -> None:
    cells, y = capture_frequencies(hare)
    k = cells.sum(axis=1)
    # descriptive(hare): f1..f6 = 25, 22, 13, 5, 1, 2
    assert [int(y[k == i].sum()) for i in range(1, 7)] == [25, 22, 13, 5, 1, 2]
    assert y.sum() == 68


@pytest.mark.parametrize("model", MODELS)
def test_hare_closedp_table(hare: np.ndarray, model: str) -> None:
    n_hat, se, deviance, df, aic = HARE_CLOSEDP[model]
    fit = fit_closed(hare, model, ci="none")
    assert round(fit.n_hat, 1) == n_hat
    assert round(fit.deviance, 3) == pytest.approx(deviance, abs=1e-9)
    assert fit.df == df
    assert round(fit.aic, 3) == pytest.approx(aic, abs=1e-9)
    assert fit.n_hat >= fit.n_captured == 68
    if model != "Mbh":
        assert round(fit.se, 1) == se


def test_mbh_standard_error_uses_the_exact_derivative(hare: np.ndarray) -> None:
    # Rcapture prints 14.6; one of its partial derivatives of N misses the factor (1 + X).
    # The exact delta method (checked against a numerical gradient) gives 4.65.
    fit = fit_closed(hare, "Mbh", ci="none")
    assert fit.se == pytest.approx(4.6488, abs=1e-3)


def test_chao_drops_negative_eta_like_rcapture(hare: np.ndarray) -> None:
    assert fit_closed(hare, "Mh Chao", ci="none").dropped_eta == ("eta5",)
    assert fit_closed(hare, "Mth Chao (LB)", ci="none").dropped_eta == ()
    kept = fit_closed(hare, "Mh Chao", ci="none", drop_negative_eta=False)
    assert kept.df == 57 and kept.coefficients["eta5"] < 0


def test_mth_poisson2_profile_interval(hare: np.ndarray) -> None:
    # closedpCI.t(hare, m = "Mth", h = "Poisson", h.control = list(theta = 2))
    fit = fit_closed(hare, "Mth Poisson2")
    assert round(fit.n_hat, 1) == 81.1 and round(fit.se, 1) == 5.6
    assert round(fit.aic) == 146
    assert fit.ci_method == "profile"
    assert fit.n_hat_multinomial is not None and round(fit.n_hat_multinomial, 1) == 80.1
    assert round(fit.lcl, 1) == 71.8
    assert round(fit.ucl, 1) == 93.8


def test_mt_with_indicator_for_history_111111(hare: np.ndarray) -> None:
    # closedpCI.t(hare, mX = cbind(mat, col), mname = "Mt without 111111")
    fit = fit_closed(hare, "Mt", indicator_histories=[(1, 1, 1, 1, 1, 1)])
    assert round(fit.n_hat, 1) == 76.8
    assert round(fit.se, 1) == 3.9
    assert round(fit.deviance, 3) == 47.894
    assert fit.df == 55
    assert round(fit.aic, 3) == 146.085
    assert fit.n_hat_multinomial is not None and round(fit.n_hat_multinomial, 1) == 76.0
    assert (round(fit.lcl, 1), round(fit.ucl, 1)) == (70.1, 85.4)
    assert "history_111111" in fit.coefficients


def test_fit_all_ranks_mth_poisson2_first(hare: np.ndarray) -> None:
    table = fit_all(hare)
    assert [f.model for f in table.fits] == list(MODELS)
    assert table.best.model == "Mth Poisson2"
    rows = table.rows()
    assert rows[7]["delta_aic"] == 0.0
    assert rows[0]["delta_aic"] == pytest.approx(154.707 - 146.327, abs=1e-3)
    assert "Mth Poisson2" in str(table)


def test_two_occasions_seber_example() -> None:
    # Seber (1982) p. 107 via closedp.t: 11: 167, 10: 781, 01: 254
    histories = np.array([[1, 1]] * 167 + [[1, 0]] * 781 + [[0, 1]] * 254)
    mt = fit_closed(histories, "Mt", ci="none")
    # Mt with two occasions is Lincoln-Petersen: (n11 + n10)(n11 + n01) / n11
    assert mt.n_hat == pytest.approx(948 * 421 / 167, rel=1e-10)
    assert (round(mt.n_hat, 1), round(mt.se, 1)) == (2389.9, 130.4)
    assert mt.df == 0 and mt.deviance == pytest.approx(0.0, abs=1e-8)
    m0 = fit_closed(histories, "M0", ci="none")
    assert (round(m0.n_hat, 1), round(m0.se, 1), round(m0.deviance, 3)) == (2805.6, 164.1, 281.334)
    mb = fit_closed(histories, "Mb", ci="none")
    assert (round(mb.n_hat, 1), round(mb.se, 1)) == (1295.0, 17.3)
    assert [f.model for f in fit_all(histories).fits] == ["M0", "Mt", "Mb"]


def test_lognormal_interval_formula(hare: np.ndarray) -> None:
    fit = fit_closed(hare, "M0", ci="lognormal")
    f0 = fit.n_hat - 68
    c = math.exp(1.959963984540054 * math.sqrt(math.log(1 + (fit.se / f0) ** 2)))
    assert fit.lcl == pytest.approx(68 + f0 / c, rel=1e-12)
    assert fit.ucl == pytest.approx(68 + f0 * c, rel=1e-12)


def test_observable_histories_and_designs() -> None:
    cells = observable_histories(3)
    assert cells.tolist()[0] == [1, 1, 1] and cells.tolist()[-1] == [0, 0, 1]
    assert len(cells) == 7
    chao, names = design_matrix("Mh Chao", 4)
    assert names == ["beta", "eta3", "eta4"]
    k = observable_histories(4).sum(axis=1)
    assert chao[:, 1].tolist() == np.maximum(k - 2, 0).tolist()
    assert chao[:, 2].tolist() == np.maximum(k - 3, 0).tolist()
    mb, _ = design_matrix("Mb", 3)
    # history 011: one occasion before the first capture, one capture after it
    assert mb[cells.tolist().index([0, 1, 1])].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("histories", "message"),
    [
        (np.zeros((3,)), "2-D"),
        (np.array([[1, 2], [0, 1]]), "only 0 and 1"),
        (np.array([[1, 0], [0, 0]]), "at least once"),
        (np.ones((2, 1)), "occasions"),
        (np.ones((0, 3)), "no animals"),
    ],
)
def test_invalid_histories(histories: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_closed(histories, "M0")


def test_unknown_model_and_bad_indicator(hare: np.ndarray) -> None:
    with pytest.raises(ValueError, match="unknown model"):
        fit_closed(hare, "Mx")
    with pytest.raises(ValueError, match="indicator history"):
        fit_closed(hare, "Mt", indicator_histories=[(1, 1, 1)])
