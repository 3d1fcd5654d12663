"""SVG charts: well-formed documents with the expected series, labels kept as text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import numpy as np
import pytest

from barys.analytics.effort import camera_operation, independent_detections, relative_abundance
from barys.analytics.occupancy import fit_occupancy
from barys.analytics.plots import (
    activity_overlap_svg,
    occupancy_prediction_svg,
    rai_bar_svg,
    station_operation_svg,
)
from tests.analytics.test_effort import KUALA_LUMPUR, load_camtraps, sample_detections
from tests.reference import reference_path

SVG = "{http://www.w3.org/2000/svg}"


def ids(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [el.attrib["id"] for el in root.iter() if "id" in el.attrib]


def series(svg: str) -> list[str]:
    return [i for i in ids(svg) if re.fullmatch(r"series-\d+", i)]


@pytest.fixture(scope="module")
def observations() -> tuple[np.ndarray, np.ndarray]:
    return (
        np.loadtxt(reference_path("overlap", "simulatedData_tigerObs.txt")),
        np.loadtxt(reference_path("overlap", "simulatedData_pigObs.txt")),
    )


def test_activity_overlap_chart(observations: tuple[np.ndarray, np.ndarray]) -> None:
    tiger, pig = observations
    svg = activity_overlap_svg(
        tiger,
        pig,
        label_a="Тигр",
        label_b="Кабан",
        title="Суточная активность",
        xlabel="Время",
        ylabel="Плотность",
    )
    assert series(svg) == ["series-0", "series-1"]
    found = ids(svg)
    assert {"overlap-area", "rug-0", "rug-1"} <= set(found)
    assert "Суточная активность" in svg and "Тигр" in svg  # text stays text (translatable)
    rug = ET.fromstring(svg).find(".//*[@id='rug-0']")
    assert rug is not None and len(list(rug.iter(f"{SVG}path"))) >= 1
    assert svg == activity_overlap_svg(
        tiger,
        pig,
        label_a="Тигр",
        label_b="Кабан",
        title="Суточная активность",
        xlabel="Время",
        ylabel="Плотность",
    )


def test_station_operation_chart() -> None:
    op = camera_operation(load_camtraps(), utc_offset=KUALA_LUMPUR)
    svg = station_operation_svg(
        op, title="Camera operation", active_label="active", outage_label="outage"
    )
    found = ids(svg)
    assert [i for i in found if i.startswith("station-")] == ["station-0", "station-1", "station-2"]
    assert [i for i in found if i.startswith("outages")] == ["outages"]  # StationC, 12-17 May
    for station in op.stations:
        assert station in svg


def test_rai_bar_chart() -> None:
    op = camera_operation(load_camtraps(), utc_offset=KUALA_LUMPUR)
    rai = relative_abundance(sample_detections(timedelta(minutes=60)), op).by_species()
    svg = rai_bar_svg(rai, title="RAI", xlabel="per 100 trap-nights", labels={"PBE": "Leopard cat"})
    assert series(svg) == [f"series-{n}" for n in range(5)]
    assert "Leopard cat" in svg and "MNE" in svg


def test_occupancy_prediction_chart() -> None:
    rng = np.random.default_rng(1)
    elevation = rng.normal(size=120)
    z = rng.random(120) < 1 / (1 + np.exp(-(0.5 + elevation)))
    y = (rng.random((120, 4)) < 0.4 * z[:, None]).astype(float)
    fit = fit_occupancy(y, site_covariates={"elevation": elevation}, psi="~ elevation")
    xs = np.linspace(-2, 2, 41)
    svg = occupancy_prediction_svg(
        xs,
        fit.predict_psi({"elevation": xs}),
        title="ψ",
        xlabel="elevation (SD)",
        observed=list(zip(elevation, z, strict=True)),
    )
    assert sorted(series(svg)) == ["series-0", "series-1"]  # curve and observed sites
    assert "interval" in ids(svg)


def test_empty_station_input_is_refused() -> None:
    with pytest.raises(ValueError, match="no deployments"):
        camera_operation([])
    with pytest.raises(ValueError):
        independent_detections(["A"], ["x", "y"], np.array(["2024-01-01"], dtype="datetime64[s]"))
