"""MegaDetector batch-output JSON: reading real files, round trips, classification, bad input."""

from __future__ import annotations

import contextlib
import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.interop.errors import FormatError
from barys.interop.megadetector import (
    BatchResult,
    Detection,
    ImageResult,
    batch_from_dict,
    batch_to_dict,
    classify_image,
    classify_sequence,
    detector_version_from_name,
    read_batch,
    write_batch,
)
from tests.reference import reference_path

DRAFT = ("megadetector", "md_v5a_candidate_expected_output_DRAFT.json")
MDTOOLS = ("megadetector", "mdtools_test_folder_output.json")


@pytest.fixture(scope="module")
def draft() -> BatchResult:
    return read_batch(reference_path(*DRAFT))


@pytest.fixture(scope="module")
def mdtools() -> BatchResult:
    return read_batch(reference_path(*MDTOOLS))


def test_draft_file_counts_and_header(draft: BatchResult) -> None:
    assert draft.format_version == "1.1"
    assert draft.detector == "megadetector_v5_camonly_mosaic_xlarge_dist_5a_last"
    assert draft.detector_version == "v5"
    assert draft.typical_detection_threshold == 0.2
    assert dict(draft.detection_categories) == {"1": "animal", "2": "person", "3": "vehicle"}
    assert len(draft.images) == 31
    assert sum(len(i.detections or ()) for i in draft.images) == 79
    assert sum(1 for i in draft.images if i.detections == ()) == 7
    confs = [d.conf for i in draft.images for d in i.detections or ()]
    assert min(confs) == 0.01004 and max(confs) == 0.9561


def test_draft_exact_values(draft: BatchResult) -> None:
    first = draft.images[0]
    assert first.file == "snapshot_camdeboo_CDB_S1_A05_A05_R2_CDB_S1_A05_R2_IMAG0084.JPG"
    assert first.max_detection_conf == 0.9402
    assert first.detections is not None and len(first.detections) == 6
    assert first.detections[-1] == Detection("1", 0.9402, (0.3699, 0.3979, 0.1971, 0.211))
    # A real rounding artefact (x_min = -5e-07) is accepted and kept as written.
    wcs = draft.find_image("wcs_camera_traps_animals_0090_1439.jpg")
    assert wcs is not None and wcs.detections is not None
    assert wcs.detections[8].bbox == (-5e-07, 0.3259, 0.3942, 0.5907)
    vehicle = draft.find_image("caltech_camera_traps_58a022a4-23d2-11e8-a6a3-ec086b02610b.jpg")
    assert vehicle is not None and {d.category for d in vehicle.detections or ()} == {"1", "3"}


def test_mdtools_file_with_detector_metadata(mdtools: BatchResult) -> None:
    assert mdtools.format_version == "1.3"
    assert mdtools.detector == "md_v5a.0.0.pt"
    assert mdtools.detector_version == "v5a.0.0"
    assert mdtools.typical_detection_threshold == 0.2
    assert mdtools.info["detection_completion_time"] == "2023-04-07 18:42:52"
    assert mdtools.info["detector_metadata"]["conservative_detection_threshold"] == 0.05
    assert [i.file for i in mdtools.images][:3] == ["RCNX0395.JPG", "RCNX9700.JPG", "RCNX0500.JPG"]
    assert sum(len(i.detections or ()) for i in mdtools.images) == 21
    assert mdtools.images[2].detections == (
        Detection("1", 0.984, (0.0004882, 0.03888, 0.6469, 0.9381)),
    )


@pytest.mark.parametrize("parts", [DRAFT, MDTOOLS])
def test_round_trip_gives_back_the_same_document(parts: tuple[str, str], tmp_path: Path) -> None:
    path = reference_path(*parts)
    original = json.loads(path.read_text(encoding="utf-8"))
    batch = read_batch(path)
    assert batch_to_dict(batch) == original
    out = tmp_path / "out.json"
    write_batch(batch, out)
    assert json.loads(out.read_text(encoding="utf-8")) == original
    assert read_batch(out) == batch
    assert not (tmp_path / "out.json.part").exists()


def test_failure_and_classifications_round_trip(tmp_path: Path) -> None:
    document: dict[str, Any] = {
        "info": {"format_version": "1.4", "detector": "md_v5b.0.0.pt"},
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
        "classification_categories": {"0": "snow leopard", "1": "ibex"},
        "images": [
            {
                "file": "a/IMG_0001.JPG",
                "detections": [
                    {
                        "category": "1",
                        "conf": 0.91,
                        "bbox": [0.1, 0.2, 0.3, 0.4],
                        "classifications": [["0", 0.8], ["1", 0.1]],
                    }
                ],
            },
            {"file": "a/IMG_0002.JPG", "failure": "Failure image access", "detections": None},
            {
                "file": "v.mp4",
                "frame_rate": 20,
                "frames_processed": [0, 20],
                "detections": [
                    {"category": "2", "conf": 0.5, "bbox": [0.0, 0.0, 1.0, 1.0], "frame_number": 20}
                ],
            },
        ],
    }
    batch = batch_from_dict(document)
    assert batch.detector_version == "v5b.0.0"
    assert batch.images[0].detections is not None
    assert batch.images[0].detections[0].classifications == (("0", 0.8), ("1", 0.1))
    assert batch.images[1].detections is None and batch.images[1].failure == "Failure image access"
    assert batch.images[2].extra == {"frame_rate": 20, "frames_processed": [0, 20]}
    assert batch_to_dict(batch) == document
    write_batch(batch, tmp_path / "b.json")
    assert read_batch(tmp_path / "b.json") == batch


def test_classification_of_real_files(draft: BatchResult, mdtools: BatchResult) -> None:
    # Expected counts worked out by hand from each image's highest confidence.
    kinds = [classify_image(i, draft.detection_categories).observation_type for i in draft.images]
    assert kinds.count("animal") == 17 and kinds.count("blank") == 14
    kinds = [
        classify_image(i, mdtools.detection_categories, 0.2).observation_type
        for i in mdtools.images
    ]
    assert kinds == ["animal", "animal", "animal", "blank", "blank", "animal", "blank", "animal"]
    kinds = [
        classify_image(i, mdtools.detection_categories, 0.1).observation_type
        for i in mdtools.images
    ]
    assert kinds.count("animal") == 7
    blank = classify_image(mdtools.images[4], mdtools.detection_categories)
    assert blank.observation_type == "blank" and blank.confidence == 0.197  # best below 0.2
    whole = classify_sequence(mdtools.images, mdtools.detection_categories)
    assert (
        whole.observation_type == "animal"
        and whole.file == "RCNX0500.JPG"
        and whole.confidence == 0.984
    )


def test_classification_rules() -> None:
    animal = Detection("1", 0.6, (0.1, 0.1, 0.2, 0.2))
    person = Detection("2", 0.7, (0.5, 0.1, 0.2, 0.5))
    both = ImageResult("x.jpg", (animal, person))
    result = classify_image(both)
    assert result.observation_type == "human" and result.detection == person
    assert result.present == frozenset({"animal", "human"})
    sequence = [
        ImageResult("1.jpg", (Detection("1", 0.3, (0, 0, 0.1, 0.1)),)),
        ImageResult("2.jpg", (Detection("3", 0.25, (0, 0, 0.1, 0.1)),)),
        ImageResult("3.jpg", None, failure="Failure inference"),
    ]
    result = classify_sequence(sequence)
    assert (result.observation_type, result.file, result.confidence) == ("animal", "1.jpg", 0.3)
    assert classify_sequence(sequence, threshold=0.5).observation_type == "blank"
    assert classify_sequence([sequence[2]]).observation_type == "unclassified"
    assert classify_image(ImageResult("e.jpg", ())).detection is None
    # Categories outside animal/person/vehicle count as no detection.
    odd = ImageResult("o.jpg", (Detection("7", 0.99, (0, 0, 0.1, 0.1)),))
    assert classify_image(odd, {"7": "empty"}).observation_type == "blank"
    with pytest.raises(ValueError):
        classify_image(both, threshold=1.5)


def test_detector_version_from_name() -> None:
    assert detector_version_from_name("md_v5a.0.0.pt") == "v5a.0.0"
    assert detector_version_from_name("/models/md_v4.1.0.pb") == "v4.1.0"
    assert detector_version_from_name("megadetector_v4.1") == "v4.1"
    assert detector_version_from_name("yolo_custom.pt") is None
    assert detector_version_from_name(None) is None


def _valid() -> dict[str, Any]:
    return json.loads(reference_path(*MDTOOLS).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (
            lambda d: d["images"][1]["detections"][0].__setitem__("bbox", [0.5, 0.4, 1.2, 0.1]),
            "images[1].detections[0].bbox[2]",
            "must be between 0 and 1, got 1.2",
        ),
        (
            lambda d: d["images"][1]["detections"][0].__setitem__("bbox", [0.9, 0.4, 0.5, 0.1]),
            "images[1].detections[0].bbox",
            "reaches past the image edge",
        ),
        (
            lambda d: d["images"][1]["detections"][1].__setitem__("conf", 1.5),
            "images[1].detections[1].conf",
            "must be between 0 and 1, got 1.5",
        ),
        (
            lambda d: d["images"][1]["detections"][1].__setitem__("category", "4"),
            "images[1].detections[1].category",
            "unknown category id '4'",
        ),
        (
            lambda d: d["images"][1]["detections"][1].__setitem__("conf", True),
            "images[1].detections[1].conf",
            "expected a number",
        ),
        (
            lambda d: d["images"][1].pop("detections"),
            "images[1].detections",
            "missing for an image without a failure",
        ),
        (
            lambda d: d["info"].__setitem__("format_version", "2.0"),
            "info.format_version",
            "expected a 1.x version string",
        ),
        (lambda d: d.pop("detection_categories"), "detection_categories", "expected an object"),
    ],
)
def test_strict_validation_names_file_image_and_field(mutate: Any, field: str, reason: str) -> None:
    document = _valid()
    mutate(document)
    with pytest.raises(FormatError) as caught:
        batch_from_dict(document, "batch.json")
    error = caught.value
    assert error.path == "batch.json" and error.field == field and reason in error.reason
    message = str(error)
    assert message.startswith("batch.json, ") and f"field '{field}'" in message
    if field.startswith("images[1]."):
        assert error.item == "image 1 'RCNX9700.JPG'"


def test_broken_json_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"info": {"format_version": "1.3"}, "images": [', encoding="utf-8")
    with pytest.raises(FormatError, match=r"broken\.json: not valid JSON: .* line 1"):
        read_batch(path)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FormatError, match="not UTF-8"):
        read_batch(path)
    with pytest.raises(FormatError, match="cannot read the file"):
        read_batch(tmp_path / "missing.json")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.just(10**400)
    | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@settings(max_examples=150, deadline=None)
@given(st.data(), json_values)
def test_corrupted_documents_give_format_error_only(data: st.DataObject, replacement: Any) -> None:
    document = _valid()
    paths = _paths(document)[1:]
    target = data.draw(st.sampled_from(paths))
    broken = copy.deepcopy(document)
    holder = broken
    for key in target[:-1]:
        holder = holder[key]
    holder[target[-1]] = replacement
    try:
        batch = batch_from_dict(broken, "fuzz.json")
    except FormatError as error:
        assert str(error).startswith("fuzz.json")
    else:
        assert len(batch.images) == len(broken["images"])


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_arbitrary_json_gives_format_error_only(document: Any) -> None:
    with contextlib.suppress(FormatError):
        batch_from_dict(document)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_arbitrary_bytes_give_format_error_only(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.json"
        path.write_bytes(content)
        try:
            read_batch(path)
        except FormatError as error:
            assert str(path) in str(error)
