from django.urls import path

from barys.population import views

urlpatterns = [
    path("population/design/", views.design, name="population-design"),
    path("population/surveys/<str:key>/", views.survey_page, name="population-survey"),
    path(
        "population/surveys/<str:key>/analyses/",
        views.start_analysis,
        name="population-start",
    ),
    path("population/surveys/<str:key>/import/", views.import_files, name="population-import"),
    path(
        "population/surveys/<str:key>/analyses/<int:analysis_id>/secr.zip",
        views.download_files,
        name="population-secr-files",
    ),
    path(
        "population/surveys/<str:key>/analyses/<int:analysis_id>/estimate/",
        views.save_estimate,
        name="population-save-estimate",
    ),
]
