from django.urls import path

from barys.places import views

urlpatterns = [
    path("species/<slug:slug>/map/", views.species_map, name="species-map"),
    path(
        "species/<slug:slug>/map.svg",
        views.species_map_image,
        {"fmt": "svg"},
        name="species-map-svg",
    ),
    path(
        "species/<slug:slug>/map.png",
        views.species_map_image,
        {"fmt": "png"},
        name="species-map-png",
    ),
    path(
        "species/<slug:slug>/map/recompute/",
        views.recompute_areas_view,
        name="species-areas-recompute",
    ),
    path(
        "species/<slug:slug>/pre-assessment/",
        views.preassessment_page,
        name="species-preassessment",
    ),
]
