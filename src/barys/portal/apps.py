from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "barys.portal"
    label = "portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from barys.core import navigation
        from barys.portal import panels

        navigation.register_nav(_("Statistics"), "statistics", order=60)
        for provider in (panels.home_figures, panels.home_map, panels.home_species):
            navigation.register_panel("home", provider)
