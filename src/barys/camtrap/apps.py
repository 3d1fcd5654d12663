from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamtrapConfig(AppConfig):
    name = "barys.camtrap"
    label = "camtrap"
    verbose_name = _("Camera traps")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        # derivatives and detect register their job handlers when imported
        from barys.camtrap import derivatives, detect, occurrences  # noqa: F401
        from barys.camtrap.models import Observation
        from barys.core import navigation, roles

        post_save.connect(
            occurrences.sync_observation, sender=Observation, dispatch_uid="barys-obs-saved"
        )
        post_delete.connect(
            occurrences.forget_observation, sender=Observation, dispatch_uid="barys-obs-deleted"
        )

        roles.register_admin_app("curator", "camtrap")
        navigation.register_nav(_("Camera traps"), "camtrap-surveys", order=40)
