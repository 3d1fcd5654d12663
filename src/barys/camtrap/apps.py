from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamtrapConfig(AppConfig):
    name = "barys.camtrap"
    label = "camtrap"
    verbose_name = _("Camera traps")

    def ready(self) -> None:
        from barys.camtrap import derivatives, detect  # noqa: F401  (registers the job handlers)
        from barys.core import navigation, roles

        roles.register_admin_app("curator", "camtrap")
        navigation.register_nav(_("Camera traps"), "camtrap-surveys", order=40)
