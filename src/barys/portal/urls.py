from django.urls import path

from barys.portal import views

urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
]
