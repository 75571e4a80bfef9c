"""A policy with a go-live date is published by `publish_scheduled`, and recorded."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from manuals.models import ItemPublication, RestudyTask, ServiceItemPage
from tests.manuals.helpers import study


def test_scheduled_material_change_goes_live_and_sends_readers_back(manual, worker):
    page = manual["dibao"]
    study(worker, page)
    draft = page.get_latest_revision_as_object()
    draft.promised_days = 15
    draft.change_kind = "material"
    go_live = timezone.now() + datetime.timedelta(days=1)
    draft.go_live_at = go_live
    revision = draft.save_revision(approved_go_live_at=go_live)
    revision.publish()

    page.refresh_from_db()
    assert page.specific.promised_days == 30  # not yet
    assert not RestudyTask.objects.exists()

    # The go-live time arrives: move it into the past in the revision too.
    past = timezone.now() - datetime.timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    call_command("publish_scheduled", stdout=open("/dev/null", "w"))

    live = ServiceItemPage.objects.get(pk=page.pk)
    assert live.promised_days == 15
    assert ItemPublication.objects.filter(page=page, kind="material").exists()
    assert RestudyTask.objects.filter(user=worker, page=page).exists()
