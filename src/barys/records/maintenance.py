"""Keeping derived values right when rules change: each record's public resolution and the
public map aggregate follow the taxon's sensitivity, record overrides and withholding."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save

from barys.core import jobs
from barys.core.models import Job
from barys.records import cells
from barys.records.models import Occurrence
from barys.records.policy import record_public_res
from barys.taxa.models import Taxon


def refresh_public_resolution(taxon_ids: list[int] | None = None) -> int:
    """Recompute ``public_h3_res`` of the records of ``taxon_ids`` (all when None) and their
    map aggregate; returns the number of records whose resolution changed."""
    taxa = Taxon.objects.all() if taxon_ids is None else Taxon.objects.filter(pk__in=taxon_ids)
    changed = 0
    with transaction.atomic():
        for taxon_id, category in taxa.values_list("pk", "sensitivity_category"):
            res = record_public_res(
                taxon_category=category, taxon_known=True, override=None, withhold=False
            )
            changed += (
                Occurrence.objects.filter(
                    taxon_id=taxon_id, sensitivity_override__isnull=True, withhold_location=False
                )
                .exclude(public_h3_res=res)
                .update(public_h3_res=res)
            )
        special = (
            Occurrence.objects.filter(taxon__in=taxa)
            .exclude(sensitivity_override__isnull=True, withhold_location=False)
            .select_related("taxon")
        )
        for occurrence in special.iterator(chunk_size=2000):
            res = _resolution(occurrence)
            if occurrence.public_h3_res != res:
                Occurrence.objects.filter(pk=occurrence.pk).update(public_h3_res=res)
                changed += 1
        cells.rebuild(None if taxon_ids is None else list(taxon_ids))
    return changed


def _resolution(occurrence: Occurrence) -> int:
    taxon = occurrence.taxon
    return record_public_res(
        taxon_category=taxon.sensitivity_category if taxon else None,
        taxon_known=taxon is not None,
        override=occurrence.sensitivity_override,
        withhold=occurrence.withhold_location,
    )


def refresh_record(occurrence: Occurrence) -> None:
    """After an edit of one record (override, withholding, taxon): fix it and the cells."""
    res = _resolution(occurrence)
    if res != occurrence.public_h3_res:
        Occurrence.objects.filter(pk=occurrence.pk).update(public_h3_res=res)
        occurrence.public_h3_res = res
    if occurrence.taxon_id:
        cells.rebuild([occurrence.taxon_id])


@jobs.job_handler("records.refresh-policy")
def refresh_policy_job(job: Job, report: Any) -> dict:
    taxon_ids = job.params.get("taxon_ids")
    report(5, "recomputing public resolutions")
    changed = refresh_public_resolution(taxon_ids)
    return {"records_changed": changed}


def _remember_category(sender: Any, instance: Taxon, **kwargs: Any) -> None:
    if instance.pk is None:
        instance._barys_old_category = None
        return
    instance._barys_old_category = (
        Taxon.objects.filter(pk=instance.pk).values_list("sensitivity_category", flat=True).first()
    )


def _category_changed(sender: Any, instance: Taxon, created: bool, **kwargs: Any) -> None:
    if created or getattr(instance, "_barys_old_category", None) == instance.sensitivity_category:
        return
    if Occurrence.objects.filter(taxon=instance).exists():
        jobs.create_job(
            kind="records.refresh-policy",
            params={"taxon_ids": [instance.pk]},
            title=f"Sensitivity of {instance.scientific_name} changed",
        )


def connect() -> None:
    pre_save.connect(_remember_category, sender=Taxon, dispatch_uid="records-taxon-pre")
    post_save.connect(_category_changed, sender=Taxon, dispatch_uid="records-taxon-post")
