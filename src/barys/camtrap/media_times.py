"""A medium's place in time: its camera time corrected for the deployment's clock and zone,
and flagged when implausible or outside the deployment window."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone as dj_timezone

from barys.camtrap import clock
from barys.camtrap.models import Deployment, Media
from barys.camtrap.services import correction_of

#: Camera times before this year are a reset clock (cameras restart at 2000 or earlier).
EARLIEST_PLAUSIBLE_YEAR = 2001


def place_in_time(
    media: Media, camera_local: datetime | None, deployment: Deployment, now: datetime
) -> None:
    """Set the times and time flags of ``media`` from its camera time (naive or aware)."""
    media.implausible_time = media.out_of_window = False
    if camera_local is None:
        media.no_timestamp = True
        media.timestamp = None
        media.timestamp_local = ""
        media.clock_correction_s = 0.0
        return
    media.no_timestamp = False
    if camera_local.tzinfo is not None:  # EXIF with OffsetTimeOriginal
        media.time_zone = clock.offset_text(camera_local)
    else:
        media.time_zone = deployment.time_zone
    naive = camera_local.replace(tzinfo=None)
    media.timestamp_local = clock.format_local(naive)
    correction = correction_of(deployment)
    media.clock_correction_s = correction.seconds_at(naive)
    try:
        media.timestamp = clock.to_utc(
            naive + timedelta(seconds=media.clock_correction_s), media.time_zone
        )
    except (OverflowError, ValueError):
        media.timestamp = None
        media.implausible_time = True
        return
    if naive.year < EARLIEST_PLAUSIBLE_YEAR or media.timestamp > now + timedelta(days=1):
        media.implausible_time = True
    elif not deployment.contains(media.timestamp):
        media.out_of_window = True


def describe_time_flags(media: Media, deployment: Deployment) -> list[str]:
    reasons: list[str] = []
    if media.implausible_time:
        reasons.append(f"implausible camera time {media.timestamp_local} (clock reset or wrong)")
    elif media.out_of_window and media.timestamp is not None:
        reasons.append(
            f"time {media.timestamp:%Y-%m-%d %H:%M:%S} UTC outside the deployment "
            f"{deployment.start:%Y-%m-%d}–{deployment.end:%Y-%m-%d}"
            if deployment.end
            else f"time {media.timestamp:%Y-%m-%d %H:%M:%S} UTC before the deployment start"
        )
    return reasons


def recompute_times(deployment: Deployment) -> int:
    """Recompute every medium's corrected time and time flags from its original camera time.

    Used after a clock correction or a change of the deployment window; returns the number
    of media changed.
    """
    now = dj_timezone.now()
    changed: list[Media] = []
    fields = [
        "timestamp",
        "clock_correction_s",
        "implausible_time",
        "out_of_window",
        "no_timestamp",
        "time_zone",
        "timestamp_local",
    ]
    for media in (
        Media.objects.filter(deployment=deployment)
        .only("pk", *fields, "exif_data")
        .iterator(chunk_size=2000)
    ):
        before = tuple(getattr(media, f) for f in fields)
        camera_time = clock.parse_local(media.timestamp_local) if media.timestamp_local else None
        declared = (media.exif_data or {}).get("OffsetTimeOriginal")
        if camera_time is not None and isinstance(declared, str) and clock.is_valid_zone(declared):
            camera_time = camera_time.replace(tzinfo=clock.zone(declared))
        place_in_time(media, camera_time, deployment, now)
        if tuple(getattr(media, f) for f in fields) != before:
            changed.append(media)
    with transaction.atomic():
        for start in range(0, len(changed), 500):
            Media.objects.bulk_update(changed[start : start + 500], fields)
    return len(changed)
