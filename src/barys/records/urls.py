from django.urls import path

from barys.records import views

urlpatterns = [
    path("records/", views.record_list, name="record-list"),
    path("records/<uuid:occurrence_id>/", views.record_detail, name="record-detail"),
    path("sources/<slug:code>/", views.source_detail, name="source-detail"),
]
