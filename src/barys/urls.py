"""URL layout: language-prefixed pages, the JSON API, OGC API Features, health.

Each domain app contributes ``barys.<app>.urls`` (pages under the language prefix) and, where
it has them, ``barys.<app>.urls_root`` (paths without a language prefix, e.g. ``/ogcapi/``).
"""

from importlib.util import find_spec

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from barys.api import api
from barys.core import views as core_views
from barys.domains import DOMAIN_APPS


def _optional(module: str) -> list[URLPattern | URLResolver]:
    if find_spec(module) is None:
        return []
    return [path("", include(module))]


urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
]
for _app in DOMAIN_APPS:
    urlpatterns += _optional(f"barys.{_app}.urls_root")

_pages: list[URLPattern | URLResolver] = [path("admin/", admin.site.urls)]
for _app in ("core", *DOMAIN_APPS):
    _pages += _optional(f"barys.{_app}.urls")
urlpatterns += i18n_patterns(*_pages, prefix_default_language=True)

handler404 = "barys.core.errors.not_found"
handler500 = "barys.core.errors.server_error"
handler403 = "barys.core.errors.forbidden"
