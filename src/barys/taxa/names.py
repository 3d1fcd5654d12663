"""Normalisation of names for search: case-, accent- and script-variant-insensitive.

Kazakh letters fold to their nearest Russian letters (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ/ү→у, һ→х,
і→и) and ё to е, so that a person typing without a Kazakh keyboard still finds ақбөкен as
"акбокен". Latin diacritics are removed (Przewalski's = przewalskis).
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans(
    {
        "ә": "а",
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ө": "о",
        "ұ": "у",
        "ү": "у",
        "һ": "х",
        "і": "и",
        "ё": "е",
        "й": "и",
        "ъ": "",
        "ь": "",
        "’": "",
        "'": "",
        "ʼ": "",
    }
)
_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-case, fold Kazakh letters and ё, strip diacritics, collapse separators."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    # NFKD splits й and ё into base + mark; the fold above already handled them.
    return " ".join(t for t in _SPLIT.split(folded.replace("_", " ")) if t)


def tokens(text: str) -> list[str]:
    """Distinct normalised words of ``text``, in order."""
    seen: dict[str, None] = {}
    for token in normalise(text).split(" "):
        if token:
            seen.setdefault(token, None)
    return list(seen)


def slugify_scientific(name: str) -> str:
    """``Panthera uncia`` → ``panthera-uncia`` (the species page slug)."""
    return "-".join(normalise(name).split(" "))
