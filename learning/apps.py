from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from learning.services import roles_sync

    roles_sync()


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("组织与员工")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Permissions exist only after every app has migrated, so the role groups
        # are synchronised then rather than in a data migration.
        post_migrate.connect(_sync_roles, dispatch_uid="learning.sync_roles")
