"""Camera-trap pages: who sees what, sensitive station positions, media files, forms."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from barys.camtrap.derivatives import build_derivatives
from barys.camtrap.detect import import_megadetector_batch
from barys.camtrap.exifedit import has_gps
from barys.camtrap.ingest import ingest_card
from barys.camtrap.models import Deployment, Media, Outage
from barys.core.models import AccessLogEntry
from barys.demo.camtrap_images import CameraIdentity, generate_card, megadetector_batch
from barys.taxa.models import Taxon

pytestmark = pytest.mark.django_db

Make = Callable[..., Deployment]
LAT, LON = 43.123456, 77.054321


@pytest.fixture
def site(make_deployment: Make, tmp_path: Path) -> dict[str, Any]:
    """A deployment at a station of a survey targeting a category-2 taxon, with a person."""
    deployment = make_deployment(
        "PG-1",
        serial="CAM-G",
        latitude=LAT,
        longitude=LON,
        time_zone="Asia/Almaty",
        station_code="IA-X1",
    )
    leopard = Taxon.objects.create(
        scientific_name="Panthera uncia",
        rank="species",
        slug="panthera-uncia",
        sensitivity_category=2,
    )
    deployment.station.survey.target_taxa.add(leopard)
    shots = generate_card(
        tmp_path / "card",
        n_images=9,
        start=datetime(2023, 11, 2),
        end=datetime(2024, 3, 1),
        camera=CameraIdentity(serial="CAM-G"),
        station_seed=4,
        seed=5,
        size=(320, 240),
        person_events=1,
        gps=(LAT, LON),
    )
    ingest_card(deployment=deployment, root=tmp_path / "card", derivatives=False)
    batch = megadetector_batch(shots, tmp_path / "md.json", subjects=("person", "snow leopard"))
    import_megadetector_batch(path=batch, deployment=deployment, actor="test")
    build_derivatives(deployment=deployment, workers=1)
    person = Media.objects.filter(deployment=deployment, person_present=True).first()
    plain = Media.objects.filter(deployment=deployment, person_present=False).first()
    return {
        "deployment": deployment,
        "person": person,
        "plain": plain,
        "survey": deployment.station.survey,
    }


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="ignore")
    return response.content.decode(errors="ignore")


def test_public_pages_show_generalised_positions_only(site: dict[str, Any]) -> None:
    client = Client()
    survey = site["survey"]
    for url in (
        f"/en/camtrap/surveys/{survey.code}/",
        f"/en/camtrap/surveys/{survey.code}/stations.geojson",
        "/en/camtrap/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = _text(response)
        assert "43.123" not in body and "77.054" not in body and "43.1234" not in body
    feature = client.get(f"/en/camtrap/surveys/{survey.code}/stations.geojson").json()["features"][
        0
    ]
    assert feature["geometry"]["coordinates"] == [77.05, 43.15]
    assert feature["properties"]["exact"] is False and feature["properties"]["elevation_m"] is None
    assert not AccessLogEntry.objects.exists()
    # Deployment pages need a sign-in and a role in the area.
    assert client.get(f"/en/camtrap/deployments/{site['deployment'].code}/").status_code == 302


def test_category_one_cameras_are_withheld(site: dict[str, Any]) -> None:
    Taxon.objects.update(sensitivity_category=1)
    body = Client().get(f"/en/camtrap/surveys/{site['survey'].code}/stations.geojson").json()
    assert body["features"] == []
    page = _text(Client().get(f"/en/camtrap/surveys/{site['survey'].code}/"))
    assert "withheld" in page and "43.1" not in page


def test_staff_see_exact_positions_and_it_is_logged(site: dict[str, Any], login: Any) -> None:
    ranger = login("ranger", "observer", ["ile-alatau"])
    body = ranger.get(f"/en/camtrap/surveys/{site['survey'].code}/stations.geojson").json()
    assert body["features"][0]["geometry"]["coordinates"] == [LON, LAT]
    entry = AccessLogEntry.objects.get()
    assert entry.object_type == "camtrap.station" and entry.count == 1
    other = login("elsewhere", "observer", ["altyn-emel"])
    body = other.get(f"/en/camtrap/surveys/{site['survey'].code}/stations.geojson").json()
    assert body["features"][0]["geometry"]["coordinates"] == [77.05, 43.15]


def test_deployment_page_timeline_and_events(site: dict[str, Any], login: Any) -> None:
    code = site["deployment"].code
    ranger = login("ranger", "observer", ["ile-alatau"])
    page = ranger.get(f"/en/camtrap/deployments/{code}/")
    assert page.status_code == 200
    text = _text(page)
    assert "<svg" in text and "Media per day" in text and "megadetector-json" in text
    events = _text(ranger.get(f"/en/camtrap/deployments/{code}/events/"))
    assert site["person"].media_id in events  # station staff see people (blurred previews)
    assert 'class="box box-person"' in events
    assert (
        login("elsewhere", "observer", ["altyn-emel"])
        .get(f"/en/camtrap/deployments/{code}/")
        .status_code
        == 403
    )


def test_people_are_hidden_from_all_but_admins_and_station_staff(
    site: dict[str, Any], login: Any
) -> None:
    code = site["deployment"].code
    person = site["person"].media_id
    curator = login("curator", "curator")
    events = _text(curator.get(f"/en/camtrap/deployments/{code}/events/"))
    assert person not in events and "with people are hidden" in events
    assert curator.get(f"/en/camtrap/media/{person}/preview/").status_code == 403
    assert curator.get(f"/en/camtrap/media/{site['plain'].media_id}/preview/").status_code == 200
    admin = login("root", "admin")
    assert admin.get(f"/en/camtrap/media/{person}/preview/").status_code == 200
    researcher = login("scientist", "researcher", ["ile-alatau"])
    assert researcher.get(f"/en/camtrap/media/{person}/thumbnail/").status_code == 200
    assert Client().get(f"/en/camtrap/media/{person}/preview/").status_code == 403


def test_originals_lose_gps_unless_the_viewer_may_see_exact(
    site: dict[str, Any], login: Any
) -> None:
    plain: Media = site["plain"]
    Media.objects.filter(pk=plain.pk).update(file_public=True)
    anonymous = Client().get(f"/en/camtrap/media/{plain.media_id}/original/")
    assert anonymous.status_code == 200
    data = anonymous.content
    assert not has_gps(data)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    ranger = login("ranger", "observer", ["ile-alatau"])
    exact = ranger.get(f"/en/camtrap/media/{plain.media_id}/original/").content
    assert has_gps(exact) and len(exact) == len(data)
    assert AccessLogEntry.objects.filter(object_type="camtrap.media").count() == 1
    # Private media stay private.
    Media.objects.filter(pk=plain.pk).update(file_public=False)
    assert Client().get(f"/en/camtrap/media/{plain.media_id}/original/").status_code == 403


def test_forms_outage_upload_and_detection(
    site: dict[str, Any], login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    deployment: Deployment = site["deployment"]
    ranger = login("ranger", "observer", ["ile-alatau"])
    response = ranger.post(
        f"/en/camtrap/deployments/{deployment.code}/outages/",
        {
            "start": "2024-01-10T08:00",
            "end": "2024-01-20T08:00",
            "reason": "snow_cover",
            "comment": "lens under snow",
        },
    )
    assert response.status_code == 302
    outage = Outage.objects.get()
    assert outage.start == datetime(2024, 1, 10, 2, 0, tzinfo=UTC)  # Almaty was UTC+6
    bad = ranger.post(
        f"/en/camtrap/deployments/{deployment.code}/outages/",
        {"start": "yesterday", "end": "", "reason": "battery"},
        follow=True,
    )
    assert "expected a date and time" in _text(bad) and Outage.objects.count() == 1
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 90, 60)).save(buffer, "JPEG")
    upload = ranger.post(
        f"/en/camtrap/deployments/{deployment.code}/upload/",
        {
            "files": [
                SimpleUploadedFile("UP1.JPG", buffer.getvalue()),
                SimpleUploadedFile("notes.txt", b"x"),
            ]
        },
    )
    text = _text(upload)
    assert upload.status_code == 200 and "1 new" in text and "unknown format" in text
    with django_capture_on_commit_callbacks(execute=True):
        detect = ranger.post(f"/en/camtrap/deployments/{deployment.code}/detect/")
    assert detect.status_code == 302
    outsider = login("elsewhere", "observer", ["altyn-emel"])
    assert outsider.post(f"/en/camtrap/deployments/{deployment.code}/detect/").status_code == 403


def test_event_page_offers_identification_to_researchers_of_the_park(
    site: dict[str, Any], login: Any
) -> None:
    event = site["plain"].event
    url = f"/en/camtrap/events/{event.event_id}/"
    researcher = login("scientist", "researcher", ["ile-alatau"])
    text = _text(researcher.get(url))
    assert f"/en/individuals/identify/{event.event_id}/" in text
    ranger = login("ranger", "observer", ["ile-alatau"])
    assert "/individuals/identify/" not in _text(ranger.get(url))
