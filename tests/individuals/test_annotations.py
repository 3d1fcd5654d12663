"""Annotations: boxes, viewpoints, at most one individual, chips without metadata."""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from barys.camtrap.models import Detection, DetectionRun
from barys.core.audit import history
from barys.individuals import annotations, chips, decisions
from barys.individuals.errors import InvalidInput, RegistryConflict
from barys.individuals.models import Annotation
from tests.individuals.test_passports_world import (
    World,
    add_media,
    annotate,
    at,
    individual,
    jpeg,
    make_world,
    noise_image,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def test_an_annotation_belongs_to_at_most_one_individual(world: World) -> None:
    first = individual(world, "SL-IA-001")
    second = individual(world, "SL-IA-002")
    annotation = annotate(add_media(world.deployment_a, at(0)), first)
    assert annotation.individual == first
    assert list(first.annotations.all()) == [annotation]
    decisions.decide_same(annotation=annotation, individual=second, actor="test")
    annotation.refresh_from_db()
    assert annotation.individual == second
    assert not first.annotations.exists()
    assert Annotation.objects.filter(individual__in=[first, second]).count() == 1
    # the link is a single column: there is no way to hold two individuals
    field = Annotation._meta.get_field("individual")
    assert field.many_to_one and not field.many_to_many
    with pytest.raises(RegistryConflict):
        decisions.decide_same(annotation=annotation, individual=second, actor="test")


def test_box_from_a_detection_and_event(world: World) -> None:
    media = add_media(world.deployment_a, at(0))
    run = DetectionRun.objects.create(
        deployment=world.deployment_a,
        detector="megadetector",
        model="MDv5a",
        classification_threshold=0.2,
    )
    detection = Detection.objects.create(
        run=run,
        media=media,
        category="animal",
        confidence=0.93,
        bbox_x=0.2,
        bbox_y=0.3,
        bbox_width=0.5,
        bbox_height=0.4,
    )
    made = annotations.annotations_from_detections(media=media, actor="test", viewpoint="right")
    assert len(made) == 1
    annotation = made[0]
    assert annotation.bbox == (0.2, 0.3, 0.5, 0.4)
    assert annotation.origin == "detection" and annotation.detection == detection
    assert annotation.event_id == media.event_id is not None
    assert annotation.taxon == world.taxon  # the survey's single target taxon
    assert history(annotation).filter(action="create").exists()
    assert (
        annotations.annotations_from_detections(media=media, actor="test", viewpoint="left") == []
    )


@given(
    box=st.lists(
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3), st.none()),
        min_size=0,
        max_size=6,
    )
)
def test_bad_boxes_give_a_clear_error(box: list[object]) -> None:
    try:
        x, y, w, h = annotations.check_box(box)
    except InvalidInput as exc:
        assert str(exc).startswith("box:")
    else:
        assert all(math.isfinite(v) for v in (x, y, w, h))
        assert x >= 0 and y >= 0 and w > 0 and h > 0
        assert x + w <= 1 + 1e-6 and y + h <= 1 + 1e-6


def test_invalid_input_never_half_writes(world: World) -> None:
    media = add_media(world.deployment_a, at(0))
    for bad in [
        {"box": (0.5, 0.5, 0.7, 0.2)},
        {"box": (0.1, 0.1, 0.0, 0.2)},
        {"viewpoint": "sideways"},
        {"quality": "excellent"},
    ]:
        kwargs = {"media": media, "viewpoint": "left", "box": (0.1, 0.1, 0.2, 0.2), "actor": "test"}
        kwargs.update(bad)
        with pytest.raises(InvalidInput):
            annotations.create_annotation(**kwargs)  # type: ignore[arg-type]
    assert not Annotation.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.create(
            media=media,
            taxon=world.taxon,
            viewpoint="left",
            bbox_x=0.8,
            bbox_y=0.1,
            bbox_width=0.5,
            bbox_height=0.2,
        )


def test_identified_annotations_keep_an_observation_per_event(world: World) -> None:
    leopard = individual(world, "SL-IA-001", sex="female")
    media = add_media(world.deployment_a, at(0))
    annotate(media, leopard)
    second = add_media(world.deployment_a, at(0).replace(second=20))
    annotate(second, leopard)
    assert media.event_id == second.event_id
    observations = list(leopard.camera_observations.all())
    assert len(observations) == 1
    assert observations[0].event_id == media.event_id
    assert observations[0].individual_ref == "SL-IA-001" and observations[0].sex == "female"
    leopard.refresh_from_db()
    assert leopard.first_seen == leopard.last_seen is not None


def test_update_and_delete(world: World) -> None:
    leopard = individual(world, "SL-IA-001")
    annotation = annotate(add_media(world.deployment_a, at(0)))
    with pytest.raises(InvalidInput):
        annotations.update_annotation(annotation=annotation, actor="test", is_reference=True)
    annotations.update_annotation(
        annotation=annotation, actor="test", viewpoint="right", box=(0.2, 0.2, 0.3, 0.3)
    )
    annotation.refresh_from_db()
    assert annotation.viewpoint == "right" and annotation.bbox == (0.2, 0.2, 0.3, 0.3)
    decisions.decide_same(annotation=annotation, individual=leopard, actor="test")
    annotation.refresh_from_db()
    with pytest.raises(RegistryConflict):
        annotations.delete_annotation(annotation=annotation, actor="test")
    decisions.unassign(annotation=annotation, actor="test")
    annotation.refresh_from_db()
    annotations.delete_annotation(annotation=annotation, actor="test")
    assert not Annotation.objects.exists()


def test_chips_are_served_without_metadata_and_by_permission(
    client: Client, login: Callable[..., Client], world: World
) -> None:
    leopard = individual(world, "SL-IA-001")
    exif = Image.Exif()
    exif[0x010F] = "RECONYX"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 11.0, 15.5), 3: "E", 4: (77.0, 14.0, 4.5)}  # GPS
    data = jpeg(noise_image(7, (200, 150)), exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    media = add_media(world.deployment_a, at(0), data)
    reference = annotate(media, leopard, reference=True, box=(0.25, 0.2, 0.5, 0.4))
    plain = annotate(add_media(world.deployment_a, at(5)), leopard)
    response = client.get(f"/en/individuals/annotations/{reference.annotation_id}/chip.jpg")
    assert response.status_code == 200
    chip = Image.open(io.BytesIO(response.content))
    assert chip.size == (100, 60)
    assert not chip.getexif() and "exif" not in chip.info
    assert (
        client.get(f"/en/individuals/annotations/{plain.annotation_id}/chip.jpg").status_code == 403
    )
    assert (
        client.get(f"/en/individuals/annotations/{reference.annotation_id}/frame.jpg").status_code
        == 403
    )
    ranger = login("ranger", "observer", ["ile-alatau"])
    frame = ranger.get(f"/en/individuals/annotations/{reference.annotation_id}/frame.jpg")
    assert frame.status_code == 200
    assert not Image.open(io.BytesIO(frame.content)).getexif()
    assert (
        ranger.get(f"/en/individuals/annotations/{plain.annotation_id}/chip.jpg").status_code == 200
    )
    media.person_present = True
    media.save()
    assert (
        client.get(f"/en/individuals/annotations/{reference.annotation_id}/chip.jpg").status_code
        == 403
    )
    assert chips.pixel_box((0.25, 0.2, 0.5, 0.4), (200, 150)) == (50, 30, 150, 90)


def test_identify_page_adds_annotations_drawn_by_hand(
    login: Callable[..., Client], world: World
) -> None:
    media = add_media(world.deployment_a, at(0))
    researcher = login("res", "researcher", ["ile-alatau"])
    url = f"/en/individuals/identify/{media.event.event_id}/"
    page = researcher.get(url)
    assert page.status_code == 200
    assert "Suggest matches" in page.content.decode()
    response = researcher.post(
        url,
        {
            "action": "add",
            "media": media.pk,
            "x": "0.1",
            "y": "0.2",
            "width": "0.3",
            "height": "0.4",
            "viewpoint": "left",
            "quality": "good",
            "life_stage": "",
        },
    )
    assert response.status_code == 302
    annotation = Annotation.objects.get()
    assert annotation.bbox == pytest.approx((0.1, 0.2, 0.3, 0.4))
    assert annotation.origin == "hand" and annotation.event_id == media.event_id
    outsider = login("out", "researcher", ["aksu-zhabagly"])
    assert outsider.get(url).status_code == 403
    assert (
        outsider.post(url, {"action": "delete", "annotation": annotation.annotation_id}).status_code
        == 403
    )
