from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "barys.places"
    label = "places"
    verbose_name = _("Places and distribution maps")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from barys.core import navigation, roles
        from barys.places import areas, changes, locator, species_map  # noqa: F401 (jobs)
        from barys.records.locating import register_after_import, register_locator

        roles.register_admin_app("curator", "places")
        register_locator(locator.locate_points)
        register_after_import(areas.schedule_area_recompute)
        navigation.register_panel("species", species_map.species_panel)
        post_save.connect(changes.on_place_saved, dispatch_uid="barys-place-saved")
        post_delete.connect(changes.on_place_saved, dispatch_uid="barys-place-deleted")
