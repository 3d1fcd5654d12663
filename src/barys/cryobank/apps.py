from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CryobankConfig(AppConfig):
    name = "barys.cryobank"
    label = "cryobank"
    verbose_name = _("Cryobank")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from barys.core import navigation, roles
        from barys.cryobank.custody import register_sqlite_function
        from barys.cryobank.panels import incident_samples_panel, individual_samples_panel

        connection_created.connect(
            register_sqlite_function, dispatch_uid="barys-cryobank-sqlite-function"
        )
        roles.register_admin_app("curator", "cryobank")
        navigation.register_nav(_("Cryobank"), "cryobank", order=70, role="observer")
        navigation.register_panel("individual", individual_samples_panel)
        navigation.register_panel("incident", incident_samples_panel)
