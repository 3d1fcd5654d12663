"""Matching verbatim names against the registry: exact, synonym, vernacular (kk/ru/en), then
fuzzy (flagged)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from barys.interop.darwin_core import strip_authorship
from barys.taxa.models import Synonym, Taxon, VernacularName
from barys.taxa.names import normalise


@dataclass(frozen=True)
class NameMatch:
    taxon_id: int | None
    match_type: str  # exact, synonym, vernacular, fuzzy, none
    matched: str = ""


class NameMatcher:
    """Loads the registry's names once; ``match`` is then a dictionary lookup."""

    def __init__(self, *, fuzzy_cutoff: float = 0.88) -> None:
        self.fuzzy_cutoff = fuzzy_cutoff
        self.scientific: dict[str, int] = {}
        self.synonyms: dict[str, int] = {}
        self.vernacular: dict[str, int] = {}
        for pk, name, kk, ru, en in Taxon.objects.values_list(
            "pk", "scientific_name", "name_kk", "name_ru", "name_en"
        ):
            self.scientific[normalise(name)] = pk
            for vernacular in (kk, ru, en):
                if vernacular:
                    self.vernacular.setdefault(normalise(vernacular), pk)
        for taxon_id, name in Synonym.objects.values_list("taxon_id", "name"):
            self.synonyms.setdefault(normalise(name), taxon_id)
        for taxon_id, name in VernacularName.objects.values_list("taxon_id", "name"):
            self.vernacular.setdefault(normalise(name), taxon_id)
        self._latin = list(self.scientific) + list(self.synonyms)
        self._cache: dict[str, NameMatch] = {}

    def match(self, verbatim: str) -> NameMatch:
        key = verbatim.strip()
        if key not in self._cache:
            self._cache[key] = self._match(key)
        return self._cache[key]

    def _match(self, verbatim: str) -> NameMatch:
        if not verbatim:
            return NameMatch(None, "none")
        full = normalise(verbatim)
        bare = normalise(strip_authorship(verbatim))
        for candidate in (full, bare):
            if candidate in self.scientific:
                return NameMatch(self.scientific[candidate], "exact", candidate)
        for candidate in (full, bare):
            if candidate in self.synonyms:
                return NameMatch(self.synonyms[candidate], "synonym", candidate)
        if full in self.vernacular:
            return NameMatch(self.vernacular[full], "vernacular", full)
        close = difflib.get_close_matches(bare, self._latin, n=1, cutoff=self.fuzzy_cutoff)
        if close:
            pk = self.scientific.get(close[0]) or self.synonyms[close[0]]
            return NameMatch(pk, "fuzzy", close[0])
        close = difflib.get_close_matches(
            full, list(self.vernacular), n=1, cutoff=self.fuzzy_cutoff + 0.04
        )
        if close:
            return NameMatch(self.vernacular[close[0]], "fuzzy", close[0])
        return NameMatch(None, "none")
