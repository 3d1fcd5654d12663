from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxaConfig(AppConfig):
    name = "barys.taxa"
    label = "taxa"
    verbose_name = _("Red Book registry")

    def ready(self) -> None:
        from barys.core import navigation, roles

        roles.register_admin_app("curator", "taxa")
        navigation.register_nav(_("Species"), "species-list", order=10)
        from barys.taxa import search

        search.connect_signals()
