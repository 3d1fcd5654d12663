"""What the export and the import of Camtrap DP packages share."""

from __future__ import annotations

import re
from datetime import datetime

from barys.camtrap import clock

OUTAGE_TAG = re.compile(r"^outage:(\S+)/(\S+)/(\S+)$")
EXTRA_RESOURCES = "_extra_resources"
EXTRA_FILES = "_extra_files"
LANGUAGES = {"eng": "en", "rus": "ru", "kaz": "kk"}


def zone_text_of(moment: datetime) -> str:
    """The package's zone of an aware moment: ``UTC``, or its offset as ``+HH:MM``."""
    text = clock.offset_text(moment)
    return "UTC" if text == "+00:00" else text
