import datetime

from django.utils import timezone

from manuals.services import reading_heartbeat, reading_start, study_confirm


def read_item(user, page, *, seconds=None, start=None, reach_end=True):
    """Read an item for `seconds` of visible time, with heartbeats every 15 s."""
    start = start or timezone.now()
    session = reading_start(user=user, page=page, now=start)
    seconds = session.required_seconds if seconds is None else seconds
    elapsed = 0
    while elapsed + 15 <= seconds:
        elapsed += 15
        reading_heartbeat(
            session=session,
            was_visible=True,
            now=start + datetime.timedelta(seconds=elapsed),
        )
    end = start + datetime.timedelta(seconds=seconds)
    return session, end


def study(user, page, **kwargs):
    session, end = read_item(user, page, **kwargs)
    return study_confirm(session=session, reached_end=True, now=end).record


def publish_edit(page, mutate, *, kind="", note="", user=None):
    """Edit the latest version of an item, then save and publish it as a revision."""
    from manuals.models import ServiceItemPage

    draft = page.get_latest_revision_as_object()
    mutate(draft)
    draft.change_kind = kind
    draft.change_note = note
    revision = draft.save_revision(user=user)
    revision.publish(user=user)
    return ServiceItemPage.objects.get(pk=page.pk)


def set_conditions(draft, rows, *, retired=()):
    """Replace the conditions with rows of (code or None, text); codes in
    `retired` stay on the item but are no longer active."""
    from manuals.models import Condition

    existing = {c.code: c for c in draft.conditions.all()}
    new = []
    for order, (code, text) in enumerate(rows):
        condition = existing.get(code) or Condition(code=code or "")
        condition.text = text
        condition.sort_order = order
        if code in retired:
            condition.active = False
        new.append(condition)
    draft.conditions = new
