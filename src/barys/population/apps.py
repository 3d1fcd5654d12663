from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "barys.population"
    label = "population"
    verbose_name = _("Population estimates")

    def ready(self) -> None:
        from barys.core import navigation, roles
        from barys.population import services  # noqa: F401  (registers the job handler)
        from barys.population.panels import home_panel

        roles.register_admin_app("curator", "population")
        navigation.register_nav(
            _("Survey design"), "population-design", order=46, role="researcher"
        )
        navigation.register_panel("home", home_panel)
