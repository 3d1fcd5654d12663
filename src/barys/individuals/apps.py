from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndividualsConfig(AppConfig):
    name = "barys.individuals"
    label = "individuals"
    verbose_name = _("Individuals")

    def ready(self) -> None:
        from barys.core import navigation, roles
        from barys.individuals import panels, recognition  # noqa: F401  (job handlers)

        roles.register_admin_app("curator", "individuals")
        navigation.register_nav(_("Individuals"), "individual-list", order=40)
        navigation.register_panel("species", panels.species_individuals_panel)
        navigation.register_panel("camera-event", panels.event_identification_panel)
        navigation.register_panel("home", panels.home_highlights_panel)
