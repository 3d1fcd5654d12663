from django.urls import path

from barys.taxa import views

urlpatterns = [
    path("species/", views.species_list, name="species-list"),
    path("species/<slug:slug>/", views.species_detail, name="species-detail"),
    path("species/<slug:slug>/assessment/", views.assessment_edit, name="assessment-edit"),
    path("species/<slug:slug>/population/new/", views.population_add, name="population-add"),
    path("editions/diff/", views.edition_diff, name="edition-diff"),
]
