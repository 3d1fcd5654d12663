"""Sources of occurrence records."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from barys.core import audit
from barys.core.models import User
from barys.records.models import Source


@transaction.atomic
def get_or_create_source(
    *,
    title: str,
    code: str = "",
    citation: str = "",
    licence: str = "",
    contact: str = "",
    actor: User | str | None = "import",
) -> Source:
    code = code or slugify(title, allow_unicode=False)[:100] or "source"
    source = Source.objects.filter(code=code).first()
    if source is not None:
        return source
    source = Source.objects.create(
        code=code, title=title[:300], citation=citation, licence=licence, contact=contact
    )
    audit.record_create(source, actor=actor)
    return source
