from django.urls import path, re_path

from barys.camtrap import report_views, review_views, views

urlpatterns = [
    path("camtrap/", views.survey_list, name="camtrap-surveys"),
    path("camtrap/surveys/<slug:code>/", views.survey_detail, name="camtrap-survey"),
    path(
        "camtrap/surveys/<slug:code>/stations.geojson",
        views.stations_geojson,
        name="camtrap-stations-geojson",
    ),
    path("camtrap/deployments/<str:code>/", views.deployment_detail, name="camtrap-deployment"),
    path("camtrap/deployments/<str:code>/events/", views.event_list, name="camtrap-events"),
    path("camtrap/deployments/<str:code>/upload/", views.upload, name="camtrap-upload"),
    path("camtrap/deployments/<str:code>/detect/", views.detect, name="camtrap-detect"),
    path("camtrap/deployments/<str:code>/outages/", views.add_outage, name="camtrap-add-outage"),
    path("camtrap/events/<str:event_id>/", views.event_detail, name="camtrap-event"),
    re_path(
        r"^camtrap/media/(?P<media_id>[^/]+)/(?P<kind>original|preview|thumbnail)/$",
        views.media_file,
        name="camtrap-media",
    ),
]

urlpatterns += [
    path("camtrap/deployments/<str:code>/review/", review_views.start, name="camtrap-review-start"),
    path(
        "camtrap/deployments/<str:code>/review/bulk/", review_views.bulk, name="camtrap-review-bulk"
    ),
    path(
        "camtrap/deployments/<str:code>/disagreements/",
        review_views.disagreements,
        name="camtrap-disagreements",
    ),
    path("camtrap/review/<str:event_id>/", review_views.event_review, name="camtrap-review"),
]

urlpatterns += [
    path(
        "camtrap/surveys/<slug:code>/report/",
        report_views.survey_report,
        name="camtrap-survey-report",
    ),
    path(
        "camtrap/surveys/<slug:code>/report.pdf",
        report_views.survey_report_pdf,
        name="camtrap-survey-report-pdf",
    ),
]
