from django.contrib.auth import views as auth_views
from django.urls import path

from barys.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke-token"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("scopes/<slug:code>/", views.scope_detail, name="scope"),
]
