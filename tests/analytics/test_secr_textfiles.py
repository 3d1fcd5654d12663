"""DENSITY/secr text formats: reading the reference files, round trips, and bad input."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.analytics.secr import (
    CapthistFormatError,
    CaptureHistory,
    Traps,
    read_capthist,
    read_captures,
    read_mask_csv,
    read_traps,
    write_capthist,
)
from tests.reference import reference_path

HYPOTHESIS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def hare_paths() -> tuple[Path, Path]:
    return (
        reference_path("secr_hare", "hareCH6capt.txt"),
        reference_path("secr_hare", "hareCH6trap.txt"),
    )


def test_read_captdata_xy_layout() -> None:
    ch = read_capthist(
        reference_path("secr_captdata", "capt.txt"), reference_path("secr_captdata", "trap.txt")
    )
    assert (ch.n_animals, ch.n_detections, ch.n_occasions) == (76, 235, 5)
    assert ch.traps.ids[:3] == ("1", "2", "3") and ch.traps.n_traps == 100
    assert (ch.traps.x[1], ch.traps.y[1]) == (365.0, 395.0)
    # first line "1 1 2 365 605 2": animal 1, occasion 2, trap at (365, 605) = trap 9
    assert ch.counts[0, 1, ch.traps.index("9")] == 1
    assert ch.covariates["cov1"][0] == "2"


def test_read_hare_trap_id_layout() -> None:
    capt, trap = hare_paths()
    ch = read_capthist(capt, trap, "proximity")
    assert (ch.n_animals, ch.n_detections, ch.n_occasions, ch.traps.n_traps) == (68, 145, 6, 100)
    assert ch.session == "wickershamunburne"
    assert ch.traps.ids[0] == "0101" and ch.traps.x[1] == 60.96
    assert ch.counts[ch.animal_ids.index("1"), 1, ch.traps.index("0201")] == 1


@pytest.mark.parametrize("fmt", ["trapID", "XY"])
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    capt, trap = hare_paths()
    original = read_capthist(capt, trap, "count")
    write_capthist(original, tmp_path / "c.txt", tmp_path / "t.txt", fmt=fmt)  # type: ignore[arg-type]
    again = read_capthist(tmp_path / "c.txt", tmp_path / "t.txt", "count")
    assert again.animal_ids == original.animal_ids
    assert again.traps.ids == original.traps.ids
    assert np.array_equal(again.traps.x, original.traps.x)
    assert np.array_equal(again.counts, original.counts)


def test_usage_columns(tmp_path: Path) -> None:
    trap = tmp_path / "t.txt"
    trap.write_text("A 0 0 110 / cliff\nB 10 0 011 / scree\n")
    traps = read_traps(trap, detector="proximity", covariate_names=["habitat"])
    assert traps.usage is not None and traps.usage.tolist() == [[1, 1, 0], [0, 1, 1]]
    assert traps.covariates == {"habitat": ("cliff", "scree")}
    effort = tmp_path / "effort.csv"
    effort.write_text("A,0,0,86,3.5\nB,10,0,49,0\n")
    days = read_traps(effort, detector="count", binary_usage=False)
    assert days.usage is not None and days.usage.tolist() == [[86.0, 3.5], [49.0, 0.0]]
    capt = tmp_path / "c.txt"
    capt.write_text("1 x 1 A\n1 x 2 B\n")
    assert read_captures(capt, traps).counts[0].tolist() == [[1, 0], [0, 1], [0, 0]]
    capt.write_text("1 x 1 A\n1 x 1 B\n")
    with pytest.raises(CapthistFormatError, match=r"line 2, field 'Detector'.*not in use"):
        read_captures(capt, traps)
    write_capthist(read_captures(tmp_path / "c.txt", days), tmp_path / "c2", tmp_path / "t2")
    assert "86 3.5" in (tmp_path / "t2").read_text()


@pytest.mark.parametrize(
    ("trap_text", "capt_text", "line", "field", "reason"),
    [
        ("A 0 0\nB x 0\n", "1 a 1 A\n", 2, "x", "not a number"),
        ("A 0 0\nA 1 0\n", "1 a 1 A\n", 2, "Detector", "repeats line 1"),
        ("A 0 0\nB 1\n", "1 a 1 A\n", 2, None, "needs at least ID"),
        ("A 0 0 101\nB 1 0 11\n", "1 a 1 A\n", 2, "usage", "has 2 occasions"),
        ("A 0 0 1x1\n", "1 a 1 A\n", 1, "usage", "0/1 digits"),
        ("A 0 nan\n", "1 a 1 A\n", 1, "y", "finite"),
    ],
)
def test_trap_file_errors_name_line_and_field(
    tmp_path: Path, trap_text: str, capt_text: str, line: int, field: str | None, reason: str
) -> None:
    (tmp_path / "t.txt").write_text(trap_text)
    (tmp_path / "c.txt").write_text(capt_text)
    with pytest.raises(CapthistFormatError) as info:
        read_capthist(tmp_path / "c.txt", tmp_path / "t.txt")
    error = info.value
    assert (error.line, error.field) == (line, field)
    assert reason in str(error) and "t.txt" in str(error)


@pytest.mark.parametrize(
    ("capt_text", "line", "field", "reason"),
    [
        ("# header\n1 a 1 A\n1 a 2 Q\n", 3, "Detector", "unknown detector 'Q'"),
        ("1 a 1.5 A\n", 1, "Occasion", "whole number"),
        ("1 a -2 A\n", 1, "Occasion", "removals"),
        ("1 a 0 A\n", 1, "Occasion", "numbered from 1"),
        ("1 a 1 A\n1 a 1 B\n", 2, "Occasion", "already caught on occasion 1"),
        ("1 a 1\n", 1, None, "needs at least Session"),
        ("1 a 1 A\n2 b 1 B\n", None, "Session", "several sessions"),
        ("1 a 99999999999 A\n", 1, "Occasion", "more than"),
        ("1 a 1 A x\n1 b 1 B\n", 2, "covariates", "expected 1"),
        ("", None, None, "no captures"),
    ],
)
def test_capture_file_errors_name_line_and_field(
    tmp_path: Path, capt_text: str, line: int | None, field: str | None, reason: str
) -> None:
    (tmp_path / "t.txt").write_text("A 0 0\nB 10 0\n")
    (tmp_path / "c.txt").write_text(capt_text)
    with pytest.raises(CapthistFormatError) as info:
        read_capthist(tmp_path / "c.txt", tmp_path / "t.txt", "multi")
    assert (info.value.line, info.value.field) == (line, field)
    assert reason in str(info.value)


def test_missing_file_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(CapthistFormatError, match="cannot be read"):
        read_traps(tmp_path / "absent.txt")
    (tmp_path / "t.txt").write_bytes(b"A 0 0\n\xff\xfe 1 1\n")
    with pytest.raises(CapthistFormatError, match="line 2.*UTF-8"):
        read_traps(tmp_path / "t.txt")


def test_session_choice_and_xy_matching(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("A 0 0\nB 10 0\n")
    (tmp_path / "c.txt").write_text("s1 a 1 A\ns2 b 1 10 0\n")
    traps = read_traps(tmp_path / "t.txt")
    assert read_captures(tmp_path / "c.txt", traps, session="s1", fmt="trapID").animal_ids == ("a",)
    second = read_captures(tmp_path / "c.txt", traps, session="s2")
    assert second.counts[0, 0].tolist() == [0, 1]  # XY layout detected, matched to B
    with pytest.raises(CapthistFormatError, match="no detector at"):
        (tmp_path / "d.txt").write_text("1 a 1 5 5\n")
        read_captures(tmp_path / "d.txt", traps, fmt="XY")


# --- property-based tests: any input gives a result or a CapthistFormatError -----------------

garbage_line = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(["1", "0", "-1", "2.5", "x", "1e999", "nan", "/", "#", ",", "A", "B", " "]),
        max_size=8,
    ).map(" ".join),
)


def _check_error(error: CapthistFormatError, path: Path, n_lines: int) -> None:
    assert issubclass(CapthistFormatError, ValueError)
    assert str(path) in str(error)
    assert error.line is None or 1 <= error.line <= n_lines + 1


@HYPOTHESIS
@given(position=st.integers(min_value=0, max_value=100), line=garbage_line)
def test_trap_file_with_a_garbage_line(position: int, line: str) -> None:
    lines = reference_path("secr_captdata", "trap.txt").read_text().splitlines()
    lines.insert(position, line)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trap.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            traps = read_traps(path)
        except CapthistFormatError as error:
            _check_error(error, path, len(lines))
            if error.line is not None and line.split("#")[0].strip():
                assert error.line == position + 1 or error.field in ("Detector", "usage")
        else:
            assert traps.n_traps in (100, 101)


@HYPOTHESIS
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".csv"]))
def test_random_bytes_as_trap_or_capture_file(data: bytes, suffix: str) -> None:
    traps = Traps(("A", "B"), np.array([0.0, 10.0]), np.array([0.0, 0.0]), "count")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"file{suffix}"
        path.write_bytes(data)
        for reader in (lambda p: read_traps(p), lambda p: read_captures(p, traps)):
            try:
                reader(path)
            except CapthistFormatError as error:
                _check_error(error, path, data.count(b"\n") + 1)


@HYPOTHESIS
@given(
    lines=st.lists(garbage_line, min_size=1, max_size=6),
    detector=st.sampled_from(["multi", "proximity", "count"]),
)
def test_capture_file_with_garbage_lines(lines: list[str], detector: str) -> None:
    traps = Traps(
        ("A", "B"),
        np.array([0.0, 10.0]),
        np.array([0.0, 0.0]),
        detector,  # type: ignore[arg-type]
    )
    valid = ["1 a 1 A", "1 b 2 B"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "capt.txt"
        path.write_text("\n".join(valid + lines), encoding="utf-8")
        try:
            ch = read_captures(path, traps)
        except CapthistFormatError as error:
            _check_error(error, path, len(valid) + len(lines))
        else:
            assert isinstance(ch, CaptureHistory) and ch.n_animals >= 2


@HYPOTHESIS
@given(
    counts=st.lists(
        st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=2, max_size=2),
        min_size=1,
        max_size=5,
    )
)
def test_write_read_round_trip_of_count_histories(counts: list[list[list[int]]]) -> None:
    array = np.array(counts)
    array = array[array.sum(axis=(1, 2)) > 0]
    if array.shape[0] == 0:
        return
    traps = Traps(
        ("T1", "T2", "T3"), np.array([0.0, 0.5, 1e6]), np.array([1.25, 2.0, -3.0]), "count"
    )
    ch = CaptureHistory(traps, tuple(f"id{i}" for i in range(len(array))), array)
    with tempfile.TemporaryDirectory() as tmp:
        c, t = Path(tmp) / "c.txt", Path(tmp) / "t.txt"
        write_capthist(ch, c, t)
        again = read_capthist(c, t, "count", n_occasions=2)
    assert np.array_equal(again.counts, ch.counts)
    assert np.array_equal(again.traps.y, traps.y)


def test_mask_csv_errors_name_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "mask.csv"
    path.write_text("x,y\n0,0\n1500,0\n1500,abc\n")
    with pytest.raises(CapthistFormatError) as info:
        read_mask_csv(path)
    assert (info.value.line, info.value.field) == (4, "y")
    path.write_text("east,north\n0,0\n")
    with pytest.raises(CapthistFormatError, match="line 1.*columns x and y"):
        read_mask_csv(path)
    path.write_text("x,y\n0,0\n0,1500\n")
    with pytest.raises(CapthistFormatError, match="give spacing"):
        read_mask_csv(path)
    assert read_mask_csv(path, spacing=1500.0).area_ha == 450.0


@HYPOTHESIS
@given(
    data=st.one_of(st.binary(max_size=300), garbage_line.map(lambda s: ("x,y\n0,0\n" + s).encode()))
)
def test_mask_csv_with_garbage(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mask.csv"
        path.write_bytes(data)
        try:
            mask = read_mask_csv(path)
        except CapthistFormatError as error:
            _check_error(error, path, data.count(b"\n") + 1)
        else:
            assert mask.n_points >= 1 and mask.spacing > 0
