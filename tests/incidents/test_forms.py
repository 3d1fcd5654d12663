"""The field form in Kazakh, Russian and English: renders, accepts a submission, shows the
schema's errors on their fields; the incident page and list."""

from __future__ import annotations

import pytest

from barys.incidents.models import Incident, IncidentAction
from tests.incidents import factories

pytestmark = pytest.mark.django_db

#: A label of the sick-animal type's "condition" property in each language (schema data).
CONDITION = {"kk": "Жағдайы", "ru": "Состояние", "en": "Condition"}
WEAKENED = {"kk": "әлсіреген, арыған", "ru": "ослаблено, истощено", "en": "weakened or exhausted"}


def _post_data(**extra: str) -> dict[str, object]:
    data: dict[str, object] = {
        "occurred_at": "2023-12-04T07:40",
        "scope": factories.scope().pk,
        "latitude": "43.079137",
        "longitude": "76.758244",
        "uncertainty_m": "25",
        "locality": "Workers' quarters",
        "taxon": factories.snow_leopard().pk,
        "individual": "",
        "count": "1",
        "priority": "urgent",
        "state": "new",
        "outcome": "",
        "reporter_name": "Ranger",
        "narrative": "Weak, thin, did not run away.",
        "attr__condition": "weakened",
        "attr__body_condition": "emaciated",
        "attr__symptoms": ["lethargy", "wounds"],
        "attr__near_people": "true",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_form_renders_and_accepts_a_submission(login, language: str) -> None:
    client = login("ranger", "observer", ["ile-alatau"])
    url = f"/{language}/incidents/new/sick-animal/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{language}">' in html
    assert CONDITION[language] in html and WEAKENED[language] in html
    assert 'type="datetime-local"' in html and 'id="geolocate"' in html
    assert 'name="attr__symptoms"' in html and 'type="checkbox"' in html
    response = client.post(url, _post_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get()
    assert response["Location"] == f"/{language}/incidents/{incident.code}/"
    assert incident.attributes == {
        "condition": "weakened",
        "body_condition": "emaciated",
        "symptoms": ["lethargy", "wounds"],
        "near_people": True,
    }
    assert incident.priority == "urgent" and incident.scope.code == "ile-alatau"
    assert incident.occurred_at.isoformat() == "2023-12-04T01:40:00+00:00"  # UTC+6 then
    assert incident.reporter.username == "ranger"
    detail = client.get(response["Location"]).content.decode()
    assert incident.code in detail and CONDITION[language] in detail


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_schema_errors_land_on_their_fields(login, language: str) -> None:
    client = login("ranger", "observer", ["ile-alatau"])
    response = client.post(
        f"/{language}/incidents/new/poaching/",
        _post_data(attr__poaching_kind="", attr__suspects_detained="-3", attr__evidence=[]),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"attr__poaching_kind", "attr__evidence", "attr__suspects_detained"}
    assert Incident.objects.count() == 0
    html = response.content.decode()
    assert 'id="id_attr__suspects_detained_error"' in html


def test_photos_sent_with_the_form_are_attached(login) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from barys.incidents.demo import _simulated_photo

    client = login("ranger", "observer", ["ile-alatau"])
    photo = SimpleUploadedFile("cat.jpg", _simulated_photo("x", 43.1, 76.8), "image/jpeg")
    broken = SimpleUploadedFile("broken.jpg", b"not a picture", "image/jpeg")
    response = client.post(
        "/en/incidents/new/sick-animal/", {**_post_data(), "photos": [photo, broken]}, follow=True
    )
    incident = Incident.objects.get()
    assert [a.file.original_name for a in incident.attachments.all()] == ["cat.jpg"]
    assert incident.attachments.get().has_gps
    assert "broken.jpg" in response.content.decode()


def test_observer_cannot_record_outside_their_area(login) -> None:
    factories.scope("altyn-emel")
    client = login("ranger", "observer", ["ile-alatau"])
    response = client.post(
        "/en/incidents/new/sick-animal/", _post_data(scope=factories.scope("altyn-emel").pk)
    )
    assert response.status_code == 200
    assert "scope" in response.context["form"].errors
    assert Incident.objects.count() == 0


def test_anonymous_is_sent_to_sign_in() -> None:
    from django.test import Client

    response = Client().get("/en/incidents/new/sick-animal/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_choose_type_lists_the_builtin_types(login) -> None:
    html = login("ranger", "observer", ["ile-alatau"]).get("/ru/incidents/new/").content.decode()
    for name in (
        "Больное или ослабленное животное",
        "Гибель животного",
        "Спасение и передача",
        "Конфликт человека и животных",
        "Браконьерство (с доказательствами)",
        "Гибель на дороге",
    ):
        assert name in html


def test_actions_timeline_and_links(login) -> None:
    client = login("ranger", "observer", ["ile-alatau"])
    first = factories.incident()
    second = factories.incident(
        type_code="mortality", attributes={"suspected_cause": "unknown", "carcass_state": "fresh"}
    )
    response = client.post(
        f"/en/incidents/{first.code}/actions/",
        {
            "kind": "transfer",
            "at": "2023-12-04T14:00",
            "description": "To the Almaty Zoo",
            "outcome": "transferred_zoo",
            "state": "",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.outcome == "transferred_zoo" and first.state == "active"
    assert IncidentAction.objects.get().description == "To the Almaty Zoo"
    client.post(f"/en/incidents/{first.code}/links/", {"other": second.code})
    assert list(second.related.values_list("code", flat=True)) == [first.code]
    html = client.get(f"/en/incidents/{first.code}/").content.decode()
    assert "To the Almaty Zoo" in html and second.code in html


def test_edit_keeps_the_typed_attributes(login) -> None:
    client = login("ranger", "observer", ["ile-alatau"])
    incident = factories.incident()
    page = client.get(f"/en/incidents/{incident.code}/edit/")
    assert page.status_code == 200
    response = client.post(
        f"/en/incidents/{incident.code}/edit/",
        _post_data(attr__condition="injured", state="active"),
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.attributes["condition"] == "injured" and incident.state == "active"


def test_list_filters_and_statistics(login) -> None:
    client = login("curator", "curator")
    factories.incident()
    factories.incident(
        type_code="road-kill", attributes={"road": "A-2"}, taxon_obj=factories.argali()
    )
    html = client.get("/en/incidents/?type=road-kill").content.decode()
    assert "INC-2023-0002" in html and "INC-2023-0001/" not in html
    assert client.get("/en/incidents/?year=abc").status_code == 200
    stats = client.get("/en/incidents/statistics/")
    assert stats.status_code == 200
    assert stats.context["stats"].total == 2
    assert "<svg" in stats.content.decode()
