"""The sensitivity policy: grid snapping, uncertainty, withheld values, who sees what."""

from __future__ import annotations

import datetime as dt

import pytest

from barys.core import sensitivity as s
from barys.core.models import AccessLogEntry


def test_snap_to_cell_centres() -> None:
    assert s.snap(43.1234567, 0.1) == 43.15
    assert s.snap(77.0561, 0.1) == 77.05
    assert s.snap(43.1234567, 0.01) == 43.125
    assert s.snap(43.1234567, 0.001) == 43.1235
    assert s.snap(43.1234567, 1.0) == 43.5
    assert s.snap(-0.05, 0.1) == -0.05
    assert s.snap(43.2, 0.1) == 43.25  # a value on a cell edge belongs to the cell above


def test_cell_error_is_the_half_diagonal() -> None:
    # 0.1° cell centred at 43.15°N: half-sides 5,559.5 m (north) and 4,058 m (east at 43.1°N)
    error = s.cell_error_m(43.15, 0.1)
    assert 6_860 < error < 6_900


@pytest.mark.parametrize(
    ("category", "cell", "lat"), [(2, 0.1, 43.15), (3, 0.01, 43.125), (4, 0.001, 43.1235)]
)
def test_generalise_by_category(category: int, cell: float, lat: float) -> None:
    view = s.generalise(
        latitude=43.1234567,
        longitude=77.0561,
        uncertainty_m=30,
        locality="den under the rock",
        event_date=dt.date(2021, 3, 14),
        category=category,
        config=s.PolicyConfig(),
    )
    assert view.latitude == lat and view.cell_deg == cell and not view.exact
    assert view.uncertainty_m == round(30 + s.cell_error_m(lat, cell))
    assert f"{cell:g}° grid" in view.data_generalizations
    if category == 2:
        assert view.locality == "" and view.event_date == "2021"
        assert "locality" in view.information_withheld
    else:
        assert view.locality == "den under the rock" and view.event_date == "2021-03-14"


def test_category_one_is_withheld_unless_configured() -> None:
    view = s.generalise(
        latitude=43.12,
        longitude=77.05,
        uncertainty_m=None,
        locality="x",
        event_date="2020-01-02",
        category=1,
        config=s.PolicyConfig(),
    )
    assert view.withheld and view.latitude is None and view.longitude is None
    assert "coordinates" in view.information_withheld and view.event_date == "2020"
    gridded = s.generalise(
        latitude=43.12,
        longitude=77.05,
        uncertainty_m=None,
        locality="x",
        event_date="2020-01-02",
        category=1,
        config=s.PolicyConfig(category1_grid=True),
    )
    assert (gridded.latitude, gridded.longitude) == (43.5, 77.5)


def test_not_sensitive_passes_through_and_dens_are_withheld() -> None:
    view = s.generalise(
        latitude=43.12345,
        longitude=77.05,
        uncertainty_m=10,
        locality="x",
        event_date="2020-01-02",
        category=None,
    )
    assert view.exact and view.latitude == 43.12345
    den = s.generalise(
        latitude=43.12345,
        longitude=77.05,
        uncertainty_m=10,
        locality="x",
        event_date="2020-01-02",
        category=None,
        withhold_entirely=True,
    )
    assert den.withheld and den.latitude is None and den.locality == ""


def test_effective_category() -> None:
    assert s.effective_category(2) == 2
    assert s.effective_category(3, regional=[2]) == 2
    assert s.effective_category(None, regional=[4]) == 4
    assert s.effective_category(2, override=0) is None
    assert s.effective_category(None, override=1) == 1
    assert s.public_h3_resolution(2) == 5 and s.public_h3_resolution(None) == 9
    assert s.public_h3_resolution(1, s.PolicyConfig()) == 0


@pytest.mark.django_db
def test_who_sees_exact_and_the_access_log(make_user) -> None:
    ranger = make_user("ranger", "observer", ["ile-alatau"])
    outsider = make_user("outsider", "researcher", ["altyn-emel"])
    curator = make_user("cur", "curator")
    kwargs = dict(
        scope_codes=["ile-alatau"],
        surface="test",
        object_type="x",
        object_id="1",
        latitude=43.12345,
        longitude=77.0561,
        uncertainty_m=10,
        locality="den",
        event_date="2021-03-14",
        category=2,
    )
    assert s.view_location(user=ranger, **kwargs).exact
    assert s.view_location(user=curator, **kwargs).exact
    assert not s.view_location(user=outsider, **kwargs).exact
    assert AccessLogEntry.objects.filter(surface="test").count() == 2
