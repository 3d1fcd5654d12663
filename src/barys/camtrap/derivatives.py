"""Thumbnails and previews: derived images, made by a background job, rebuildable.

Originals are never touched. Each image medium gets a *preview* (longest side at most
:data:`PREVIEW_PX` pixels) and a *thumbnail* (at most :data:`THUMBNAIL_PX`), JPEG files under
``DERIVED_DIR/camtrap/``. JPEGs are decoded at reduced size with Pillow's draft mode (the
decoder's DCT scaling: 1/2, 1/4 or 1/8), which is most of the speed: a 12-megapixel frame is
decoded straight to 1000 × 750. EXIF rotation is applied.

Privacy: every person box (detections of category ``person`` at or above their run's
classification threshold) is blurred over its whole area, enlarged by 10 %, in both the
preview and the thumbnail. The recipe stored with each file names its sizes and a hash of
the boxes, so new person detections make the job rebuild the images.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F
from PIL import Image, ImageFilter, ImageOps

from barys.camtrap.models import Deployment, DerivedFile, Detection, Media
from barys.core.filestore import default_store
from barys.core.jobs import Reporter, job_handler
from barys.core.models import Job

log = logging.getLogger(__name__)

#: Longest side of a preview, in pixels (a 4000 × 3000 frame decodes at 1/4 to exactly this).
PREVIEW_PX = 1000
#: Longest side of a thumbnail, in pixels.
THUMBNAIL_PX = 256
PREVIEW_QUALITY = 80
THUMBNAIL_QUALITY = 75
_VERSION = "d1"
_ORIENTATION = 0x0112

Box = tuple[float, float, float, float]


def derived_root() -> Path:
    """Folder of the camera-trap derived images."""
    return Path(settings.DERIVED_DIR) / "camtrap"


def derived_path(relpath: str) -> Path:
    return derived_root() / relpath


def draft_size(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """The size to ask Pillow's draft mode for so that the longest side is at least
    ``longest`` pixels: the decoder then picks the largest DCT reduction that keeps it."""
    width, height = size
    if max(width, height) <= longest:
        return size
    scale = longest / max(width, height)
    return (max(1, int(width * scale)), max(1, int(height * scale)))


def recipe_for(boxes: Sequence[Box]) -> str:
    """The recipe text of the derived images of a medium with these person boxes."""
    text = ";".join(",".join(f"{v:.4f}" for v in box) for box in sorted(boxes))
    digest = hashlib.sha256(text.encode()).hexdigest()[:12] if boxes else "none"
    return f"{_VERSION}:p{PREVIEW_PX}q{PREVIEW_QUALITY}:t{THUMBNAIL_PX}q{THUMBNAIL_QUALITY}:blur-{digest}"


def person_boxes(media_ids: Iterable[int]) -> dict[int, list[Box]]:
    """Person boxes at or above their run's threshold, by medium primary key."""
    boxes: dict[int, list[Box]] = defaultdict(list)
    rows = Detection.objects.filter(
        media_id__in=list(media_ids),
        category=Detection.Category.PERSON,
        confidence__gte=F("run__classification_threshold"),
    ).values_list("media_id", "bbox_x", "bbox_y", "bbox_width", "bbox_height")
    for media_id, x, y, w, h in rows:
        boxes[media_id].append((x, y, w, h))
    return boxes


def blur_boxes(image: Image.Image, boxes: Sequence[Box], margin: float = 0.1) -> Image.Image:
    """Blur each box (normalised x, y, w, h) over its whole area, enlarged by ``margin``.

    The region is reduced to about 1/24 of its size and enlarged again, then blurred, so no
    face or outline remains readable. Returns the same image, changed in place.
    """
    width, height = image.size
    for x, y, w, h in boxes:
        x0 = max(0, int((x - margin * w) * width))
        y0 = max(0, int((y - margin * h) * height))
        x1 = min(width, int(round((x + w + margin * w) * width)))
        y1 = min(height, int(round((y + h + margin * h) * height)))
        if x1 <= x0 or y1 <= y0:
            continue
        region = image.crop((x0, y0, x1, y1))
        small = region.resize(
            (max(1, (x1 - x0) // 24), max(1, (y1 - y0) // 24)), Image.Resampling.BOX
        )
        region = small.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR)
        region = region.filter(ImageFilter.GaussianBlur(radius=max(2, (x1 - x0) // 40)))
        image.paste(region, (x0, y0))
    return image


def _atomic_save(image: Image.Image, target: Path, quality: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as handle:
            image.save(handle, "JPEG", quality=quality, optimize=False)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass(frozen=True, slots=True)
class _Made:
    media_pk: int
    recipe: str
    preview: tuple[str, int, int] | None
    thumbnail: tuple[str, int, int] | None
    error: str | None = None


def render_derivatives(source: Path, media_id: str, boxes: Sequence[Box]) -> _Made:
    """Make the preview and thumbnail of one original (no database access)."""
    recipe = recipe_for(boxes)
    try:
        opened = Image.open(source)
    except Exception as exc:  # any decoding problem is reported for this file only
        return _Made(0, recipe, None, None, f"cannot decode: {exc}")
    try:
        opened.draft("RGB", draft_size(opened.size, PREVIEW_PX))
        orientation = opened.getexif().get(_ORIENTATION, 1)
        opened.load()
        image: Image.Image = opened if opened.mode == "RGB" else opened.convert("RGB")
        if orientation not in (None, 1):
            image = ImageOps.exif_transpose(image)
        if max(image.size) > PREVIEW_PX:
            image = image.copy() if image is opened else image
            image.thumbnail((PREVIEW_PX, PREVIEW_PX), Image.Resampling.BILINEAR, reducing_gap=2.0)
        if boxes:
            image = image.copy() if image is opened else image
            blur_boxes(image, boxes)
        shard = media_id[:2]
        preview_rel = f"preview/{shard}/{media_id}.jpg"
        _atomic_save(image, derived_path(preview_rel), PREVIEW_QUALITY)
        preview = (preview_rel, image.width, image.height)
        factor = max(image.size) // THUMBNAIL_PX
        small = image.reduce(factor) if factor >= 2 else image.copy()  # a fast box filter
        if max(small.size) > THUMBNAIL_PX:
            small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.BILINEAR)
        thumb_rel = f"thumbnail/{shard}/{media_id}.jpg"
        _atomic_save(small, derived_path(thumb_rel), THUMBNAIL_QUALITY)
    except Exception as exc:  # a truncated or damaged file fails here, for this file only
        return _Made(0, recipe, None, None, f"cannot decode: {exc}")
    finally:
        opened.close()
    return _Made(0, recipe, preview, (thumb_rel, small.width, small.height))


def build_derivatives(
    *,
    deployment: Deployment,
    force: bool = False,
    workers: int = 2,
    batch_size: int = 100,
    report: Reporter | None = None,
    media_filter: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Make missing or outdated previews and thumbnails of a deployment's image media.

    Returns counts: ``made``, ``up_to_date``, ``failed``.
    """
    media = list(
        Media.objects.filter(
            deployment=deployment,
            media_type__startswith="image/",
            file__isnull=False,
            **(media_filter or {}),
        )
        .order_by("pk")
        .values_list("pk", "media_id", "file_id")
    )
    boxes = person_boxes(pk for pk, _, _ in media)
    current = {
        (media_pk, kind): recipe
        for media_pk, kind, recipe in DerivedFile.objects.filter(
            media__deployment=deployment
        ).values_list("media_id", "kind", "recipe")
    }
    todo = [
        (pk, media_id, sha)
        for pk, media_id, sha in media
        if force
        or current.get((pk, "preview")) != recipe_for(boxes.get(pk, []))
        or current.get((pk, "thumbnail")) != recipe_for(boxes.get(pk, []))
    ]
    counts = {"made": 0, "up_to_date": len(media) - len(todo), "failed": 0}
    store = default_store()

    def one(item: tuple[int, str, str]) -> _Made:
        pk, media_id, sha = item
        made = render_derivatives(store.local_path(sha), media_id, boxes.get(pk, []))
        return _Made(pk, made.recipe, made.preview, made.thumbnail, made.error)

    done = 0
    window = max(4, 4 * workers)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="thumbs") as pool:
        pending: deque[Future[_Made]] = deque()
        queue = iter(todo)
        results: list[_Made] = []
        while True:
            while len(pending) < window and (item := next(queue, None)) is not None:
                pending.append(pool.submit(one, item))
            if not pending:
                break
            results.append(pending.popleft().result())
            if len(results) >= batch_size or not pending:
                _save_rows(results, counts)
                done += len(results)
                results = []
                if report:
                    report(100.0 * done / max(1, len(todo)), f"{done} of {len(todo)} images")
    return counts


def _save_rows(results: Iterable[_Made], counts: dict[str, int]) -> None:
    rows: list[DerivedFile] = []
    for made in results:
        if made.error or made.preview is None or made.thumbnail is None:
            counts["failed"] += 1
            log.warning("no preview for medium %s: %s", made.media_pk, made.error)
            continue
        counts["made"] += 1
        for kind, (relpath, width, height) in (
            (DerivedFile.Kind.PREVIEW, made.preview),
            (DerivedFile.Kind.THUMBNAIL, made.thumbnail),
        ):
            rows.append(
                DerivedFile(
                    media_id=made.media_pk,
                    kind=kind,
                    relpath=relpath,
                    width=width,
                    height=height,
                    recipe=made.recipe,
                )
            )
    DerivedFile.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["media", "kind"],
        update_fields=["relpath", "width", "height", "recipe", "created_at"],
    )


@job_handler("camtrap.derivatives")
def derivatives_job(job: Job, report: Callable[[float, str], None]) -> dict[str, int]:
    """Job: previews and thumbnails of one deployment (params: ``deployment``, ``force``)."""
    from barys.camtrap.services import get_deployment

    deployment = get_deployment(str(job.params["deployment"]))
    return build_derivatives(
        deployment=deployment, force=bool(job.params.get("force")), report=report
    )
