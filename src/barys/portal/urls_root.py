from django.urls import path

from barys.portal import views

urlpatterns = [
    path("api/v1/maps/richness", views.richness, name="richness-map"),
]
