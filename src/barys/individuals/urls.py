from django.urls import path, register_converter

from barys.individuals import review_views, views


class CodeConverter:
    """Passport codes: letters, digits, dots, hyphens and underscores (``SL-IA-017``)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "code")

urlpatterns = [
    path("individuals/", views.individual_list, name="individual-list"),
    path("individuals/new/", views.individual_create, name="individual-create"),
    path("individuals/kinship/", views.kinship_page, name="individual-kinship"),
    path("individuals/kinship/add/", views.litter_create, name="litter-create"),
    path("individuals/review/", review_views.review_queue, name="individual-review-queue"),
    path("individuals/review/<uuid:annotation_id>/", review_views.review, name="individual-review"),
    path(
        "individuals/review/<uuid:annotation_id>/decide/",
        review_views.decide,
        name="individual-decide",
    ),
    path("individuals/decisions/", review_views.decision_log, name="individual-decisions"),
    path(
        "individuals/decisions/<int:pk>/undo/", review_views.undo_decision, name="individual-undo"
    ),
    path("individuals/identify/<str:event_id>/", review_views.identify, name="individual-identify"),
    path("individuals/reid/", views.reid_index, name="individual-reid"),
    path(
        "individuals/annotations/<uuid:annotation_id>/chip.jpg",
        views.annotation_chip,
        name="annotation-chip",
    ),
    path(
        "individuals/annotations/<uuid:annotation_id>/frame.jpg",
        views.annotation_frame,
        name="annotation-frame",
    ),
    path("individuals/media/<str:media_id>/frame.jpg", views.media_frame, name="media-frame"),
    path("individuals/<code:code>/", views.individual_detail, name="individual-detail"),
    path(
        "individuals/<code:code>/passport.pdf", views.passport_pdf, name="individual-passport-pdf"
    ),
    path("individuals/<code:code>/edit/", views.individual_edit, name="individual-edit"),
    path("individuals/<code:code>/merge/", views.individual_merge, name="individual-merge"),
    path("individuals/<code:code>/split/", views.individual_split, name="individual-split"),
]
