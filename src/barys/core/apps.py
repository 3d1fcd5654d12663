from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "barys.core"
    label = "core"
    verbose_name = _("Core: people, roles, audit and jobs")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from barys.core import roles, signals  # noqa: F401

        post_migrate.connect(roles.sync_role_groups, dispatch_uid="barys-sync-roles")
