"""Readers and writers of the DENSITY / secr text formats for detectors and captures.

Trap file (one detector per line): ``ID x y [usage] [/ covariates]``, x/y in metres. Usage is
either a string of 0/1 digits, one per occasion (``binary_usage=True``, as secr's
``read.traps``), or one non-negative number per occasion (effort, e.g. days active).

Capture file (one detection per line): ``Session ID Occasion Detector [covariates]``
(``fmt="trapID"``) or ``Session ID Occasion X Y [covariates]`` (``fmt="XY"``; the detector is
found by its coordinates). Occasions are numbered from 1.

In both files blank lines and text after ``#`` are ignored; fields are separated by blanks or
tabs, or by commas when the file name ends in ``.csv``. Every problem is reported as a
:class:`CapthistFormatError` naming the file, the line and the field.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from barys.analytics.secr.capthist import CaptureHistory, DetectorType, Traps, _check_detector

logger = logging.getLogger(__name__)

__all__ = [
    "CapthistFormatError",
    "read_capthist",
    "read_captures",
    "read_traps",
    "write_capthist",
    "write_captures",
    "write_traps",
]

MAX_OCCASIONS = 10_000
XY_TOLERANCE_M = 1e-3
CaptureFormat = Literal["auto", "trapID", "XY"]


class CapthistFormatError(ValueError):
    """A detector or capture file that cannot be read; names the file, line and field."""

    def __init__(self, path: str | Path, line: int | None, field: str | None, message: str):
        self.path = str(path)
        self.line = line
        self.field = field
        self.reason = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class _Line:
    number: int
    tokens: list[str]


def _data_lines(path: str | Path) -> Iterator[_Line]:
    """Non-empty, comment-stripped lines split into fields."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise CapthistFormatError(p, None, None, f"cannot be read ({exc.strerror})") from exc
    comma = p.suffix.lower() == ".csv"
    for number, chunk in enumerate(raw.split(b"\n"), start=1):
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise CapthistFormatError(p, number, None, "is not valid UTF-8 text") from None
        text = text.split("#", 1)[0].strip().lstrip("\ufeff")
        if not text:
            continue
        tokens = [t.strip() for t in text.split(",")] if comma else text.split()
        if comma and any(t == "" for t in tokens):
            raise CapthistFormatError(p, number, None, "has an empty field")
        yield _Line(number, tokens)


def _number(path: str | Path, line: int, field: str, token: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise CapthistFormatError(path, line, field, f"{token!r} is not a number") from None
    if not math.isfinite(value):
        raise CapthistFormatError(path, line, field, f"{token!r} is not a finite number")
    return value


def read_traps(
    path: str | Path,
    *,
    detector: DetectorType = "multi",
    binary_usage: bool = True,
    covariate_names: Sequence[str] | None = None,
) -> Traps:
    """Read a DENSITY/secr trap file (``ID x y [usage] [/ covariates]``; x/y in metres)."""
    detector = _check_detector(detector)
    ids: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    usages: list[list[float]] = []
    covs: list[list[str]] = []
    seen: dict[str, int] = {}
    usage_width: int | None = None
    cov_width: int | None = None
    for line in _data_lines(path):
        tokens = line.tokens
        if len(tokens) < 3:
            raise CapthistFormatError(path, line.number, None, "needs at least ID, x and y")
        trap_id = tokens[0]
        if trap_id in seen:
            raise CapthistFormatError(
                path, line.number, "Detector", f"{trap_id!r} repeats line {seen[trap_id]}"
            )
        seen[trap_id] = line.number
        x = _number(path, line.number, "x", tokens[1])
        y = _number(path, line.number, "y", tokens[2])
        rest = tokens[3:]
        cov_tokens: list[str] = []
        if "/" in rest:
            cut = rest.index("/")
            rest, cov_tokens = rest[:cut], rest[cut + 1 :]
        elif rest and rest[-1].startswith("/"):
            cov_tokens = [rest[-1][1:]]
            rest = rest[:-1]
        usage = _parse_usage(path, line.number, rest, binary_usage)
        if usage_width is None:
            usage_width = len(usage)
        elif len(usage) != usage_width:
            raise CapthistFormatError(
                path,
                line.number,
                "usage",
                f"has {len(usage)} occasions where earlier lines have {usage_width}",
            )
        if cov_width is None:
            cov_width = len(cov_tokens)
        elif len(cov_tokens) != cov_width:
            raise CapthistFormatError(
                path,
                line.number,
                "covariates",
                f"has {len(cov_tokens)} values, expected {cov_width}",
            )
        ids.append(trap_id)
        xs.append(x)
        ys.append(y)
        usages.append(usage)
        covs.append(cov_tokens)
    if not ids:
        raise CapthistFormatError(path, None, None, "contains no detectors")
    usage_array = np.array(usages, dtype=np.float64) if usage_width else None
    names = list(covariate_names or [])
    width = cov_width or 0
    if names and len(names) != width:
        raise CapthistFormatError(
            path, None, "covariates", f"{width} covariate columns but {len(names)} names given"
        )
    names = names or [f"cov{i + 1}" for i in range(width)]
    covariates = {name: tuple(row[j] for row in covs) for j, name in enumerate(names)}
    return Traps(tuple(ids), np.array(xs), np.array(ys), detector, usage_array, covariates)


def _parse_usage(path: str | Path, line: int, tokens: list[str], binary: bool) -> list[float]:
    if not tokens:
        return []
    if binary:
        digits = "".join(tokens)
        if any(c not in "01" for c in digits):
            raise CapthistFormatError(
                path, line, "usage", f"{digits!r} is not a string of 0/1 digits (binary usage)"
            )
        if len(digits) > MAX_OCCASIONS:
            raise CapthistFormatError(path, line, "usage", "too many occasions")
        return [float(c) for c in digits]
    if len(tokens) > MAX_OCCASIONS:
        raise CapthistFormatError(path, line, "usage", "too many occasions")
    values = [_number(path, line, "usage", t) for t in tokens]
    if any(v < 0 for v in values):
        raise CapthistFormatError(path, line, "usage", "effort must not be negative")
    return values


def _occasion(path: str | Path, line: int, token: str) -> int:
    value = _number(path, line, "Occasion", token)
    if value != int(value):
        raise CapthistFormatError(path, line, "Occasion", f"{token!r} is not a whole number")
    if value < 0:
        raise CapthistFormatError(
            path, line, "Occasion", "negative occasions (removals) are not supported"
        )
    if value < 1:
        raise CapthistFormatError(path, line, "Occasion", "occasions are numbered from 1")
    if value > MAX_OCCASIONS:
        raise CapthistFormatError(path, line, "Occasion", f"more than {MAX_OCCASIONS} occasions")
    return int(value)


def _match_xy(traps: Traps, x: float, y: float) -> int | None:
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.hypot(traps.x - x, traps.y - y)
    k = int(np.argmin(d))
    return k if d[k] <= XY_TOLERANCE_M else None


def _detect_format(lines: list[_Line], traps: Traps) -> str:
    for line in lines:
        tokens = line.tokens
        if len(tokens) < 5:
            return "trapID"
        try:
            x, y = float(tokens[3]), float(tokens[4])
        except ValueError:
            return "trapID"
        if not (math.isfinite(x) and math.isfinite(y)) or _match_xy(traps, x, y) is None:
            return "trapID"
    return "XY"


def read_captures(
    path: str | Path,
    traps: Traps,
    *,
    fmt: CaptureFormat = "auto",
    n_occasions: int | None = None,
    session: str | None = None,
    covariate_names: Sequence[str] | None = None,
) -> CaptureHistory:
    """Read a capture file for a known detector layout (see the module docstring).

    ``fmt="auto"`` reads the XY layout when every line carries coordinates of a detector in
    fields 4 and 5, and the detector-id layout otherwise. A file with several sessions needs
    ``session``. ``n_occasions`` defaults to the usage width, or the largest occasion seen.
    """
    lines = list(_data_lines(path))
    if not lines:
        raise CapthistFormatError(path, None, None, "contains no captures")
    for line in lines:
        if len(line.tokens) < 4:
            raise CapthistFormatError(
                path, line.number, None, "needs at least Session, ID, Occasion and Detector"
            )
    sessions: dict[str, int] = {}
    for line in lines:
        sessions.setdefault(line.tokens[0], line.number)
    if session is None:
        if len(sessions) > 1:
            listing = ", ".join(sorted(sessions))
            raise CapthistFormatError(
                path, None, "Session", f"holds several sessions ({listing}); choose one"
            )
        session = next(iter(sessions))
    elif session not in sessions:
        raise CapthistFormatError(path, None, "Session", f"no captures for session {session!r}")
    lines = [line for line in lines if line.tokens[0] == session]
    layout = _detect_format(lines, traps) if fmt == "auto" else fmt
    if layout not in ("trapID", "XY"):
        raise ValueError(f"fmt must be 'auto', 'trapID' or 'XY', got {fmt!r}")
    base = 5 if layout == "XY" else 4

    if traps.usage is not None:
        total = traps.usage.shape[1]
        if n_occasions is not None and n_occasions != total:
            raise CapthistFormatError(
                path, None, None, f"n_occasions={n_occasions} but the usage has {total} occasions"
            )
    else:
        total = n_occasions or 0

    parsed: list[tuple[int, str, int, int, list[str]]] = []
    cov_width: int | None = None
    for line in lines:
        tokens = line.tokens
        if len(tokens) < base:
            raise CapthistFormatError(
                path, line.number, None, "needs Session, ID, Occasion, X and Y"
            )
        animal = tokens[1]
        s = _occasion(path, line.number, tokens[2])
        if layout == "XY":
            x = _number(path, line.number, "X", tokens[3])
            y = _number(path, line.number, "Y", tokens[4])
            k = _match_xy(traps, x, y)
            if k is None:
                raise CapthistFormatError(path, line.number, "X", f"no detector at ({x}, {y})")
        else:
            try:
                k = traps.index(tokens[3])
            except ValueError:
                raise CapthistFormatError(
                    path, line.number, "Detector", f"unknown detector {tokens[3]!r}"
                ) from None
        extra = tokens[base:]
        if cov_width is None:
            cov_width = len(extra)
        elif len(extra) != cov_width:
            raise CapthistFormatError(
                path, line.number, "covariates", f"has {len(extra)} values, expected {cov_width}"
            )
        parsed.append((line.number, animal, s, k, extra))

    if traps.usage is None and n_occasions is None:
        total = max(p[2] for p in parsed)
    animals: dict[str, int] = {}
    first_cov: dict[str, list[str]] = {}
    for _, animal, _, _, extra in parsed:
        if animal not in animals:
            animals[animal] = len(animals)
            first_cov[animal] = extra
    counts = np.zeros((len(animals), total, traps.n_traps), dtype=np.int64)
    usage = traps.usage
    for number, animal, s, k, _ in parsed:
        if s > total:
            raise CapthistFormatError(path, number, "Occasion", f"{s} exceeds {total} occasions")
        if usage is not None and usage[k, s - 1] <= 0:
            raise CapthistFormatError(
                path, number, "Detector", f"{traps.ids[k]!r} was not in use on occasion {s}"
            )
        i = animals[animal]
        if traps.detector == "multi" and counts[i, s - 1].sum() > 0:
            raise CapthistFormatError(
                path, number, "Occasion", f"animal {animal!r} already caught on occasion {s}"
            )
        if traps.detector == "proximity" and counts[i, s - 1, k] > 0:
            logger.info("%s line %d: repeat detection reduced to 0/1 (proximity)", path, number)
            continue
        counts[i, s - 1, k] += 1
    width = cov_width or 0
    names = list(covariate_names or [])
    if names and len(names) != width:
        raise CapthistFormatError(
            path, None, "covariates", f"{width} covariate columns but {len(names)} names given"
        )
    names = names or [f"cov{j + 1}" for j in range(width)]
    covariates = {n: tuple(first_cov[a][j] for a in animals) for j, n in enumerate(names)}
    return CaptureHistory(traps, tuple(animals), counts, session=session, covariates=covariates)


def read_capthist(
    capture_path: str | Path,
    trap_path: str | Path,
    detector: DetectorType = "multi",
    *,
    fmt: CaptureFormat = "auto",
    binary_usage: bool = True,
    n_occasions: int | None = None,
    session: str | None = None,
    covariate_names: Sequence[str] | None = None,
    trap_covariate_names: Sequence[str] | None = None,
) -> CaptureHistory:
    """Read a capture file and its trap file into a :class:`CaptureHistory` (``.traps``)."""
    traps = read_traps(
        trap_path,
        detector=detector,
        binary_usage=binary_usage,
        covariate_names=trap_covariate_names,
    )
    return read_captures(
        capture_path,
        traps,
        fmt=fmt,
        n_occasions=n_occasions,
        session=session,
        covariate_names=covariate_names,
    )


def _format_number(value: float) -> str:
    return (
        str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
    )


def write_traps(traps: Traps, path: str | Path) -> None:
    """Write a trap file; usage as 0/1 digits when binary, else one number per occasion."""
    lines = ["# Detector x y [usage] [/ covariates]  (x, y in metres)"]
    usage = traps.usage
    binary = usage is not None and bool(np.isin(usage, (0.0, 1.0)).all())
    if usage is not None and not binary:
        lines.append("# usage: effort per occasion (read with binary_usage=False)")
    for k, trap_id in enumerate(traps.ids):
        if any(c.isspace() or c in "#,/" for c in trap_id) or not trap_id:
            raise ValueError(f"detector id {trap_id!r} cannot be written to a text file")
        fields = [trap_id, _format_number(traps.x[k]), _format_number(traps.y[k])]
        if usage is not None:
            if binary:
                fields.append("".join(str(int(v)) for v in usage[k]))
            else:
                fields.extend(_format_number(v) for v in usage[k])
        if traps.covariates:
            fields.append("/")
            fields.extend(values[k] for values in traps.covariates.values())
        lines.append(" ".join(fields))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_captures(
    capthist: CaptureHistory, path: str | Path, *, fmt: Literal["trapID", "XY"] = "trapID"
) -> None:
    """Write a capture file, one line per detection (count detectors repeat lines)."""
    traps = capthist.traps
    header = "# Session ID Occasion " + ("X Y" if fmt == "XY" else "Detector")
    lines = [header]
    for i, animal in enumerate(capthist.animal_ids):
        for name in (capthist.session, animal):
            if any(c.isspace() or c in "#," for c in name) or not name:
                raise ValueError(f"{name!r} cannot be written to a text file")
        occasions, trap_index = np.nonzero(capthist.counts[i])
        for s, k in zip(occasions, trap_index, strict=True):
            where = (
                f"{_format_number(traps.x[k])} {_format_number(traps.y[k])}"
                if fmt == "XY"
                else traps.ids[k]
            )
            line = f"{capthist.session} {animal} {s + 1} {where}"
            lines.extend([line] * int(capthist.counts[i, s, k]))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_capthist(
    capthist: CaptureHistory,
    capture_path: str | Path,
    trap_path: str | Path,
    *,
    fmt: Literal["trapID", "XY"] = "trapID",
) -> None:
    """Write a capture history as a capture file and a trap file."""
    write_traps(capthist.traps, trap_path)
    write_captures(capthist, capture_path, fmt=fmt)
