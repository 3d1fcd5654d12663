"""Paths without a language prefix: OGC API Features and Leaflet's files."""

from django.urls import path, re_path

from barys.places import ogcapi, views

urlpatterns = [
    path("ogcapi", ogcapi.landing, name="ogcapi-landing-bare"),
    path("ogcapi/", ogcapi.landing, name="ogcapi-landing"),
    path("ogcapi/conformance", ogcapi.conformance, name="ogcapi-conformance"),
    path("ogcapi/api", ogcapi.api_definition, name="ogcapi-api"),
    path("ogcapi/collections", ogcapi.collections, name="ogcapi-collections"),
    path("ogcapi/collections/<slug:collection_id>", ogcapi.collection, name="ogcapi-collection"),
    path("ogcapi/collections/<slug:collection_id>/items", ogcapi.items, name="ogcapi-items"),
    path(
        "ogcapi/collections/<slug:collection_id>/items/<str:feature_id>",
        ogcapi.item,
        name="ogcapi-item",
    ),
    re_path(r"^static-vendor/leaflet/(?P<path>[\w./-]+)$", views.leaflet_file, name="leaflet-file"),
]
