"""URL layout: language-prefixed pages, the JSON API, health."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from barys.api import api
from barys.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("barys.core.urls")),
    prefix_default_language=True,
)

handler404 = "barys.core.errors.not_found"
handler500 = "barys.core.errors.server_error"
handler403 = "barys.core.errors.forbidden"
