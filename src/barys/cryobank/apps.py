from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CryobankConfig(AppConfig):
    name = "barys.cryobank"
    label = "cryobank"
    verbose_name = _("Cryobank")
