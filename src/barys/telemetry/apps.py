from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelemetryConfig(AppConfig):
    name = "barys.telemetry"
    label = "telemetry"
    verbose_name = _("GPS telemetry")

    def ready(self) -> None:
        from barys.core import navigation, roles
        from barys.telemetry import ranges  # noqa: F401  (registers the job handler)
        from barys.telemetry.panels import individual_collar_panel

        roles.register_admin_app("observer", "telemetry")
        navigation.register_nav(_("Collars"), "telemetry-collars", order=45)
        navigation.register_panel("individual", individual_collar_panel)
