from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _record_item_publication(sender, instance, revision, **kwargs):
    from manuals.services import item_publication_record

    item_publication_record(page=instance, revision=revision)


class ManualsConfig(AppConfig):
    name = "manuals"
    verbose_name = _("培训手册")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published

        from manuals.models import ServiceItemPage

        # A page goes live three ways: published directly, approved in the
        # moderation workflow, or by `publish_scheduled` at its go-live time.
        # Wagtail's page_published signal is the one place all three meet, so
        # this receiver only hands over to the service.
        page_published.connect(
            _record_item_publication,
            sender=ServiceItemPage,
            dispatch_uid="manuals.record_item_publication",
        )
