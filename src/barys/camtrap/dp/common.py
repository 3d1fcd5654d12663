"""What the export and the import of Camtrap DP packages share."""

from __future__ import annotations

import re
from datetime import datetime

OUTAGE_TAG = re.compile(r"^outage:(\S+)/(\S+)/(\S+)$")
EXTRA_RESOURCES = "_extra_resources"
EXTRA_FILES = "_extra_files"
LANGUAGES = {"eng": "en", "rus": "ru", "kaz": "kk"}


def zone_text_of(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
