from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "barys.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from barys.core import navigation, roles
        from barys.incidents import notifications  # noqa: F401  (registers the job handler)
        from barys.incidents.panels import individual_incidents_panel

        roles.register_admin_app("curator", "incidents")
        navigation.register_nav(_("Incidents"), "incident-list", order=60)
        navigation.register_panel("individual", individual_incidents_panel)
