from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "barys.records"
    label = "records"
    verbose_name = _("Occurrence records")

    def ready(self) -> None:
        from barys.core import navigation, roles
        from barys.records import maintenance
        from barys.records.panels import species_records_panel

        maintenance.connect()
        roles.register_admin_app("curator", "records")
        navigation.register_nav(_("Records"), "record-list", order=20)
        navigation.register_panel("species", species_records_panel)
