"""The detector protocol and registry: built-ins, order and fallback, the MegaDetector adapters."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from barys.camtrap.detection import (
    DEFAULT_ORDER,
    BoxDetection,
    DetectionContext,
    Detector,
    DetectorRegistry,
    DetectorUnavailable,
    ImageDetections,
    ImageInput,
    MegaDetectorDetector,
    MegaDetectorJsonDetector,
    MotionDetector,
    registry,
)
from barys.camtrap.detection.megadetector_runner import results_to_batch
from barys.interop.megadetector import batch_from_dict, batch_to_dict, read_batch
from tests.reference import reference_path

NO_MEGADETECTOR_PACKAGE = importlib.util.find_spec("megadetector") is None


class _Fixed:
    """A test detector that reports a fixed availability."""

    version = "0"

    def __init__(self, name: str, ok: bool) -> None:
        self.name = name
        self.ok = ok

    def available(self) -> tuple[bool, str]:
        return self.ok, f"{self.name} {'ready' if self.ok else 'switched off'}"

    def detect(
        self, images: Sequence[ImageInput], context: DetectionContext | None = None
    ) -> list[ImageDetections]:
        return [ImageDetections(str(i), (), self.name, self.version) for i in images]


def test_builtins_are_registered_in_order() -> None:
    assert registry.names() == ["megadetector", "megadetector-json", "motion"]
    assert DEFAULT_ORDER == ("megadetector", "megadetector-json", "motion")
    for name in registry.names():
        assert isinstance(registry.create(name), Detector)


def test_default_selection_falls_back_to_motion_with_reasons() -> None:
    selection = registry.select()
    assert isinstance(selection.detector, MotionDetector)
    reasons = dict(selection.skipped)
    assert list(reasons) == ["megadetector", "megadetector-json"]
    assert "BARYS_MEGADETECTOR_WEIGHTS" in reasons["megadetector"]
    assert reasons["megadetector-json"] == "no MegaDetector batch-output file given"


def test_megadetector_unavailable_reasons(tmp_path: Path) -> None:
    missing = tmp_path / "md_v5a.0.0.pt"
    ok, reason = MegaDetectorDetector(weights_path=missing).available()
    assert (
        not ok
        and str(missing) in reason
        and "BARYS_MEGADETECTOR_WEIGHTS" in reason
        and "does not exist" in reason
    )
    with pytest.raises(DetectorUnavailable, match="does not exist"):
        MegaDetectorDetector(weights_path=missing).detect([missing])
    ok, reason = MegaDetectorDetector().available()
    assert not ok and reason.startswith(
        "no MegaDetector weights configured: set BARYS_MEGADETECTOR_WEIGHTS"
    )


@pytest.mark.skipif(
    not NO_MEGADETECTOR_PACKAGE, reason="the megadetector package is installed here"
)
def test_megadetector_without_the_package(tmp_path: Path) -> None:
    weights = tmp_path / "md_v5a.0.0.pt"
    weights.write_bytes(b"not really weights")
    detector = MegaDetectorDetector(weights_path=weights)
    assert detector.version == "v5a.0.0"
    assert detector.available() == (
        False,
        "the optional package 'megadetector' is not installed (pip install 'barys[megadetector]')",
    )
    selection = registry.select(settings={"megadetector": {"weights_path": weights}})
    assert isinstance(selection.detector, MotionDetector)


def test_megadetector_adapter_calls_the_documented_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in for the package, shaped like its documented API, checks the adapter's calls."""
    weights = tmp_path / "md_v5a.0.0.pt"
    weights.write_bytes(b"weights")
    calls: dict[str, Any] = {}

    class Model:
        def generate_detections_one_image(
            self, image: Any, image_id: str, detection_threshold: float
        ) -> dict[str, Any]:
            calls.setdefault("images", []).append((image_id, detection_threshold))
            if image_id.endswith("bad.jpg"):
                return {"file": image_id, "failure": "Failure inference", "detections": []}
            return {
                "file": image_id,
                "max_detection_conf": 0.93,
                "detections": [
                    {"category": "1", "conf": 0.93, "bbox": [0.1, 0.2, 0.3, 0.4]},
                    {"category": "2", "conf": 0.4, "bbox": [0.5, 0.5, 0.2, 0.4]},
                    {
                        "category": "1",
                        "conf": 0.3,
                        "bbox": [0.9, 0.9, 0.5, 0.5],
                    },  # past the edge: dropped
                ],
            }

    def load_detector(model_file: str, force_cpu: bool = False) -> Model:
        calls["load"] = (model_file, force_cpu)
        return Model()

    def load_image(path: str) -> np.ndarray:
        if "unreadable" in path:
            raise OSError("cannot identify image file")
        return np.zeros((8, 8, 3), np.uint8)

    modules = {
        "megadetector": types.ModuleType("megadetector"),
        "megadetector.detection": types.ModuleType("megadetector.detection"),
        "megadetector.detection.run_detector": types.ModuleType(
            "megadetector.detection.run_detector"
        ),
        "megadetector.visualization": types.ModuleType("megadetector.visualization"),
        "megadetector.visualization.visualization_utils": types.ModuleType(
            "megadetector.visualization.visualization_utils"
        ),
    }
    modules["megadetector"].__spec__ = importlib.machinery.ModuleSpec("megadetector", None)
    modules["megadetector.detection.run_detector"].load_detector = load_detector  # type: ignore[attr-defined]
    modules["megadetector.visualization.visualization_utils"].load_image = load_image  # type: ignore[attr-defined]
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)

    detector = MegaDetectorDetector(weights_path=weights, force_cpu=True)
    assert detector.available() == (True, f"MegaDetector v5a.0.0 from {weights}")
    results = detector.detect(
        ["a/good.jpg", "a/bad.jpg", "a/unreadable.jpg", np.zeros((4, 4, 3), np.uint8)]
    )
    assert calls["load"] == (str(weights.resolve()), True)
    assert [i for i, _ in calls["images"]] == ["a/good.jpg", "a/bad.jpg", "array:3"]
    assert {t for _, t in calls["images"]} == {0.005}
    good, bad, unreadable, array = results
    assert good.detections == (
        BoxDetection("animal", 0.93, (0.1, 0.2, 0.3, 0.4)),
        BoxDetection("person", 0.4, (0.5, 0.5, 0.2, 0.4)),
    )
    assert (good.model, good.model_version, good.thresholds["output_threshold"]) == (
        "md_v5a.0.0.pt",
        "v5a.0.0",
        0.005,
    )
    assert bad.failure == "Failure inference" and bad.detections == ()
    assert unreadable.failure == "cannot read image: cannot identify image file"
    assert array.image == "array:3" and len(array.detections) == 2


def test_megadetector_json_detector_on_reference_images() -> None:
    batch_path = reference_path("megadetector", "md_v5a_candidate_expected_output_DRAFT.json")
    images = sorted(reference_path("megadetector", "images").glob("*"))
    assert len(images) == 16
    selection = registry.select(settings={"megadetector-json": {"batch_path": batch_path}})
    detector = selection.detector
    assert isinstance(detector, MegaDetectorJsonDetector)
    assert selection.skipped[0][0] == "megadetector"
    results = detector.detect([*images, Path("elsewhere/not_in_batch.jpg")])
    assert all(r.failure is None for r in results[:16])
    assert results[16].failure == "not in the MegaDetector batch output"
    batch = read_batch(batch_path)
    by_name = {Path(r.image).name: r for r in results[:16]}
    ena = by_name["ena24_7904.jpg"]
    expected = batch.find_image("ena24_7904.jpg")
    assert expected is not None and expected.detections is not None
    assert [(d.conf, d.bbox) for d in ena.detections] == [
        (d.conf, d.bbox) for d in expected.detections
    ]
    assert ena.detections[0].category == "animal"
    assert (
        ena.model == "megadetector_v5_camonly_mosaic_xlarge_dist_5a_last"
        and ena.model_version == "v5"
    )
    assert ena.thresholds == {"typical_detection_threshold": 0.2}
    assert (
        sum(len(r.detections) for r in results[:16]) == 57
    )  # counted in the JSON for the 16 files


def test_megadetector_json_with_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "md.json"
    broken.write_text("{", encoding="utf-8")
    detector = MegaDetectorJsonDetector(batch_path=broken)
    ok, reason = detector.available()
    assert not ok and reason.startswith(f"{broken}: not valid JSON")
    with pytest.raises(DetectorUnavailable):
        detector.detect([tmp_path / "x.jpg"])


def test_custom_registry_order_and_fallback() -> None:
    custom = DetectorRegistry()
    custom.register("first", lambda: _Fixed("first", False))
    custom.register("second", lambda **kw: _Fixed("second", kw.get("on", False)))
    custom.register("third", lambda: _Fixed("third", True))

    def broken() -> Detector:
        raise RuntimeError("weights corrupt")

    custom.register("broken", broken)
    selection = custom.select(["broken", "first", "ghost", "second", "third"])
    assert selection.detector is not None and selection.detector.name == "third"
    assert selection.skipped == (
        ("broken", "could not be built: weights corrupt"),
        ("first", "first switched off"),
        ("ghost", "not registered"),
        ("second", "second switched off"),
    )
    chosen = custom.select(["first", "second", "third"], {"second": {"on": True}})
    assert chosen.detector is not None and chosen.detector.name == "second"
    assert custom.select(["first"]).detector is None
    with pytest.raises(ValueError, match="already registered"):
        custom.register("third", lambda: _Fixed("x", True))
    custom.register("third", lambda: _Fixed("replacement", True), replace=True)
    assert custom.create("third").name == "replacement"
    with pytest.raises(KeyError, match="no detector named 'nope'"):
        custom.create("nope")
    custom.unregister("broken")
    assert custom.names() == ["first", "second", "third"]


def test_results_written_as_a_batch_read_back() -> None:
    results = [
        ImageDetections(
            "a.jpg",
            (BoxDetection("animal", 0.8, (0.1, 0.1, 0.2, 0.2)),),
            "motion",
            "1.0",
            {"k_high": 7.0},
        ),
        ImageDetections(
            "b.jpg", (), "motion", "1.0", {"k_high": 7.0}, failure="cannot read image: x"
        ),
    ]
    batch = batch_from_dict(batch_to_dict(results_to_batch(results)))
    assert batch.detector == "motion" and batch.detector_version == "1.0"
    assert batch.images[0].detections is not None and batch.images[0].detections[0].category == "1"
    assert batch.images[1].detections is None and batch.images[1].failure == "cannot read image: x"
    assert batch.info["detector_metadata"] == {"megadetector_version": "1.0", "k_high": 7.0}
    mixed = [*results, ImageDetections("c.jpg", (), "md_v5a.0.0.pt", "v5a.0.0")]
    with pytest.raises(ValueError, match="several models"):
        results_to_batch(mixed)
