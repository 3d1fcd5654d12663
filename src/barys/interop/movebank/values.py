"""Strict parsing of the numbers and flags in a row (a bad value is a row problem)."""

from __future__ import annotations

import math


class _RowProblem(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _float(text: str) -> float:
    if "_" in text:  # Python reads "1_000" as 1000; a data file never means that
        raise _RowProblem("not a number")
    try:
        value = float(text)
    except ValueError:
        raise _RowProblem("not a number") from None
    if not math.isfinite(value):
        raise _RowProblem("not a finite number")
    return value


def _int(text: str) -> int:
    value = _float(text)
    if not value.is_integer():
        raise _RowProblem("not a whole number")
    return int(text) if text.lstrip("+-").isdigit() else int(value)


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "t", "1"):
        return True
    if lowered in ("false", "f", "0"):
        return False
    raise _RowProblem("expected true or false")


def _nonnegative(value: float) -> float:
    if value < 0:
        raise _RowProblem("must not be negative")
    return value
