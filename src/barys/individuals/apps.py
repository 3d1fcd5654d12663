from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndividualsConfig(AppConfig):
    name = "barys.individuals"
    label = "individuals"
    verbose_name = _("Individuals")
