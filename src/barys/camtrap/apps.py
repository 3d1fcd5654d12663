from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamtrapConfig(AppConfig):
    name = "barys.camtrap"
    label = "camtrap"
    verbose_name = _("Camera traps")
