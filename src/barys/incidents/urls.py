from django.urls import path

from barys.incidents import views

urlpatterns = [
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/new/", views.incident_new_choose, name="incident-new"),
    path("incidents/new/<slug:type_code>/", views.incident_new, name="incident-new-type"),
    path("incidents/statistics/", views.statistics, name="incident-statistics"),
    path("incidents/<str:code>/", views.incident_detail, name="incident-detail"),
    path("incidents/<str:code>/edit/", views.incident_edit, name="incident-edit"),
    path("incidents/<str:code>/actions/", views.incident_action_add, name="incident-action-add"),
    path(
        "incidents/<str:code>/attachments/",
        views.incident_attachment_add,
        name="incident-attachment-add",
    ),
    path(
        "incidents/<str:code>/attachments/<int:pk>/",
        views.attachment_file,
        name="incident-attachment",
    ),
    path("incidents/<str:code>/publish/", views.incident_publish, name="incident-publish"),
    path("incidents/<str:code>/links/", views.incident_link, name="incident-link"),
]
