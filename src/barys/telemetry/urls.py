from django.urls import path

from barys.telemetry import views

urlpatterns = [
    path("telemetry/", views.collar_list, name="telemetry-collars"),
    path("telemetry/individuals/<str:code>/", views.track, name="telemetry-track"),
    path(
        "telemetry/individuals/<str:code>/home-ranges/",
        views.home_ranges,
        name="telemetry-home-ranges",
    ),
    path("telemetry/individuals/<str:code>/flags/", views.flagged, name="telemetry-flags"),
    path("telemetry/fixes/<int:fix_id>/override/", views.override, name="telemetry-fix-override"),
]
