"""Incident services: readable codes, permissions, audit, API creation, filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.core import audit
from barys.core.roles import PermissionDenied
from barys.incidents import services
from barys.incidents.models import Incident
from barys.incidents.queries import IncidentFilters
from barys.incidents.schema import AttributeErrors
from tests.incidents import factories
from tests.openapi import assert_matches_openapi

pytestmark = pytest.mark.django_db


def test_codes_count_per_year_and_changes_are_audited(make_user) -> None:
    ranger = make_user("ranger", "observer", ["ile-alatau"])
    first = factories.incident(actor=ranger)
    second = factories.incident(actor=ranger)
    later = factories.incident(actor=ranger, when=dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    assert [first.code, second.code, later.code] == [
        "INC-2023-0001",
        "INC-2023-0002",
        "INC-2024-0001",
    ]
    services.update_incident(incident=first, actor=ranger, state="resolved")
    actions = [e.action for e in audit.history(first)]
    assert actions == ["update", "create"]


def test_observers_record_only_in_their_scopes(make_user) -> None:
    ranger = make_user("ranger", "observer", ["ile-alatau"])
    with pytest.raises(PermissionDenied):
        factories.incident(actor=ranger, scope_code="altyn-emel")
    with pytest.raises(PermissionDenied):
        factories.incident(actor=ranger, scope_code="")
    incident = factories.incident(actor=ranger)
    other = make_user("other", "observer", ["altyn-emel"])
    with pytest.raises(PermissionDenied):
        services.update_incident(incident=incident, actor=other, state="resolved")
    with pytest.raises(PermissionDenied):
        services.set_published(incident=incident, actor=ranger, published=True)


def test_saving_invalid_attributes_is_refused_everywhere(make_user) -> None:
    incident = factories.incident()
    incident.attributes = {"condition": "asleep"}
    with pytest.raises(AttributeErrors) as caught:
        incident.save()
    assert set(caught.value.errors) == {"condition"}
    with pytest.raises(AttributeErrors):
        services.update_incident(
            incident=Incident.objects.get(pk=incident.pk),
            actor=make_user("cur", "curator"),
            attributes={},
        )


def poaching(**change: Any) -> dict[str, Any]:
    """The body of an API request recording a poaching incident in Ile-Alatau."""
    return {
        "type": "poaching",
        "occurred_at": "2024-02-11T12:20:00+05:00",
        "scope": "ile-alatau",
        "attributes": {"poaching_kind": "snare", "evidence": ["snares"]},
        **change,
    }


def test_api_creates_incidents_with_field_errors(token_client) -> None:
    factories.scope()
    client, _token = token_client("ranger", "observer", ["ile-alatau"])
    body = poaching(latitude=43.1, longitude=77.0, attributes={"poaching_kind": "snare"})
    bad = client.post("/api/v1/incidents", body, content_type="application/json")
    assert bad.status_code == 400 and "evidence" in bad.json()["detail"]
    body["attributes"]["evidence"] = ["snares"]
    good = client.post("/api/v1/incidents", body, content_type="application/json")
    assert good.status_code == 201, good.content
    assert good.json()["exact"] is True and good.json()["code"] == "INC-2024-0001"
    assert_matches_openapi("/api/v1/incidents", good.json(), method="post", status=201)
    outside = dict(body, scope="altyn-emel")
    factories.scope("altyn-emel")
    assert (
        client.post("/api/v1/incidents", outside, content_type="application/json").status_code
        == 403
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "alien-abduction"}, "type"),
        ({"scope": "atlantis"}, "scope"),
        ({"taxon": "panthera-leo"}, "taxon"),
        ({"individual": "SL-XX-999"}, "individual"),
        ({"priority": "whenever"}, "priority"),
        ({"occurred_at": "2024-02-11T12:20:00"}, "occurred_at"),
    ],
)
def test_api_names_the_field_of_an_unknown_code(token_client, change, field) -> None:
    factories.scope()
    client, _token = token_client("ranger", "observer", ["ile-alatau"])
    body = poaching(**change)
    response = client.post("/api/v1/incidents", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"].split(":")[0] == field
    assert not Incident.objects.exists()


def test_incident_types_are_listed_with_their_schema(client) -> None:
    types = client.get("/api/v1/incident-types").json()
    assert_matches_openapi("/api/v1/incident-types", types)
    assert {t["code"] for t in types} >= {
        "sick-animal",
        "mortality",
        "rescue-transfer",
        "human-wildlife-conflict",
        "poaching",
        "road-kill",
    }
    assert all(t["attribute_schema"]["type"] == "object" for t in types)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["type", "state", "priority", "scope", "taxon", "year", "q", "other"]),
        st.text(max_size=30),
        max_size=6,
    )
)
def test_any_filter_parameters_give_filters_or_clear_errors(params) -> None:
    filters = IncidentFilters.from_params(params)
    assert all(isinstance(e, str) for e in filters.errors)
    list(filters.apply(Incident.objects.all())[:1])


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attributes=st.dictionaries(
        st.sampled_from(["poaching_kind", "evidence", "x"]),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=10),
            st.lists(st.sampled_from(["snares", "camp", "?"]), max_size=3),
        ),
        max_size=3,
    ),
    latitude=st.one_of(st.none(), st.floats(-100, 100, allow_nan=False)),
)
def test_api_input_gives_an_incident_or_a_clear_error(token_client, attributes, latitude) -> None:
    from django.db import transaction

    factories.scope()
    with transaction.atomic():
        sid = transaction.savepoint()
        client, _token = token_client("ranger", "observer", ["ile-alatau"])
        body = {
            "type": "poaching",
            "occurred_at": "2024-02-11T12:20:00+05:00",
            "scope": "ile-alatau",
            "latitude": latitude,
            "longitude": 77.0 if latitude is not None else None,
            "attributes": attributes,
        }
        response = client.post("/api/v1/incidents", body, content_type="application/json")
        assert response.status_code in {201, 400, 422}, response.content
        assert Incident.objects.count() == (1 if response.status_code == 201 else 0)
        if response.status_code == 400:
            assert response.json()["detail"].split(":")[0] in {
                "attributes",
                "latitude",
                "longitude",
            }
        transaction.savepoint_rollback(sid)
