"""Error types shared by the readers of exchange formats.

Two kinds of problems are told apart:

* :class:`FormatError` is raised when a file as a whole cannot be read as the format it
  claims to be (broken JSON, a missing required column, a timestamp format that cannot be
  read without guessing). It names the file, the row or item, the field and the reason.
* :class:`RowError` is a plain record of one bad row in a tabular file. Streaming readers
  collect these while the good rows go on (rule 3 of the house: imports report bad rows with
  row number, field and reason while keeping the good ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike


def _describe_path(path: str | PathLike[str] | None) -> str:
    return "<document>" if path is None else str(path)


class FormatError(ValueError):
    """A file, or a part of it, does not follow the format it is read as.

    Attributes:
        path: the file that was read (``None`` for an in-memory document).
        row: the 1-based row number in a tabular file (the header is row 1), or ``None``.
        field: the column or JSON field concerned (e.g. ``images[3].detections[0].bbox``).
        reason: what is wrong, in words, quoting the offending value where useful.
        item: a free-text label of the record concerned when it is not a row, e.g.
            ``image 3 'IMG_0001.JPG'`` in a MegaDetector batch file.
    """

    def __init__(
        self,
        path: str | PathLike[str] | None,
        row: int | None,
        field: str | None,
        reason: str,
        *,
        item: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.row = row
        self.field = field
        self.reason = reason
        self.item = item
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [_describe_path(self.path)]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.item is not None:
            parts.append(self.item)
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts) + ": " + self.reason

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the error picklable (Huey tasks move errors between processes).
        return (_rebuild_format_error, (self.path, self.row, self.field, self.reason, self.item))


def _rebuild_format_error(
    path: str | None, row: int | None, field: str | None, reason: str, item: str | None
) -> FormatError:
    return FormatError(path, row, field, reason, item=item)


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad row of a tabular file, kept while the good rows are imported.

    Attributes:
        row: 1-based row number in the file, counting the header as row 1 (so it is the
            line number in a file without quoted line breaks).
        field: the column (as written in the file's header) that is wrong, or ``"(row)"``
            when the row as a whole is wrong (e.g. the wrong number of values).
        reason: what is wrong, in words.
        value: the offending raw value, when there is one.
    """

    row: int
    field: str
    reason: str
    value: str | None = None

    def __str__(self) -> str:
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"row {self.row}, field '{self.field}': {self.reason}{shown}"
