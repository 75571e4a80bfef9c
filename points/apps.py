from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _staff_saved(sender, instance, created, raw=False, **kwargs):
    from points.leaderboard import staff_changed
    from points.services.ledger import ranking_profile_sync

    staff_changed()
    if not created and not raw:
        ranking_profile_sync(user=instance)


def _roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    from django.contrib.auth import get_user_model

    from points.leaderboard import staff_changed
    from points.services.ledger import ranking_profile_sync

    if action not in ("post_add", "post_remove", "post_clear"):
        return
    staff_changed()
    if not reverse:
        ranking_profile_sync(user=instance)
        return
    for user in get_user_model().objects.filter(pk__in=pk_set or ()):
        ranking_profile_sync(user=user)


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("学习积分")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.core import checks
        from django.db.models.signals import m2m_changed, post_save

        from points.checks import check_certificate_font, check_pdf_libraries

        checks.register(check_certificate_font)
        checks.register(check_pdf_libraries)
        # Not a rule but a copy kept in step: summary rows carry the person's
        # unit, role and hiring date so rankings are indexed reads; whatever
        # edits a person (admin, roster import, role change) moves their rows.
        User = get_user_model()
        post_save.connect(_staff_saved, sender=User, dispatch_uid="points-staff")
        m2m_changed.connect(
            _roles_changed, sender=User.groups.through, dispatch_uid="points-roles"
        )
