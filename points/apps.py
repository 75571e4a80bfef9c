from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("学习积分")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from points.checks import check_certificate_font, check_pdf_libraries

        checks.register(check_certificate_font)
        checks.register(check_pdf_libraries)
