"""A study record only after a real read, confirmed by the server."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from manuals.models import StudyRecord
from manuals.rules import MSG_NOT_AT_END
from manuals.services import (
    StudyRefused,
    reading_heartbeat,
    reading_start,
    study_confirm,
)
from points.models import Rule
from tests.manuals.helpers import publish_edit, read_item, study


def test_required_time_grows_with_length_but_is_at_least_a_minute(manual):
    assert manual["youhui"].required_study_seconds() == 60
    manual["dibao"].study_seconds = 150
    assert manual["dibao"].required_study_seconds() == 150


def test_too_early_confirmation_is_refused_with_a_clear_message(manual, worker):
    page = manual["dibao"]
    session, end = read_item(worker, page, seconds=30)

    with pytest.raises(StudyRefused) as refused:
        study_confirm(session=session, reached_end=True, now=end)

    assert "还需约 30 秒" in str(refused.value)
    assert not StudyRecord.objects.filter(user=worker).exists()


def test_record_after_the_dwell_time_keeps_the_revision_read(manual, worker):
    page = manual["dibao"]

    record = study(worker, page)

    assert record.revision_id == page.live_revision_id
    assert record.seconds >= 60
    assert not record.is_restudy


def test_hidden_time_does_not_count(manual, worker):
    page = manual["dibao"]
    start = timezone.now()
    session = reading_start(user=worker, page=page, now=start)
    for step in range(1, 9):
        reading_heartbeat(
            session=session,
            was_visible=False,
            now=start + datetime.timedelta(seconds=15 * step),
        )

    with pytest.raises(StudyRefused):
        study_confirm(
            session=session,
            reached_end=True,
            now=start + datetime.timedelta(seconds=125),
        )


def test_a_long_silent_gap_earns_at_most_one_heartbeat(manual, worker):
    page = manual["dibao"]
    start = timezone.now()
    session = reading_start(user=worker, page=page, now=start)

    with pytest.raises(StudyRefused):
        # Phone locked for ten minutes, then "finish" pressed.
        study_confirm(
            session=session,
            reached_end=True,
            now=start + datetime.timedelta(minutes=10),
        )


def test_must_reach_the_end_of_the_page(manual, worker):
    session, end = read_item(worker, manual["dibao"])
    with pytest.raises(StudyRefused) as refused:
        study_confirm(session=session, reached_end=False, now=end)
    assert str(refused.value) == MSG_NOT_AT_END


def test_rereading_the_same_revision_adds_no_second_record(manual, worker):
    page = manual["dibao"]
    first = study(worker, page)
    again = study(worker, page, start=timezone.now() + datetime.timedelta(hours=1))

    assert again.pk == first.pk
    assert StudyRecord.objects.filter(user=worker, page=page).count() == 1


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_study_endpoints_refuse_early_finish_with_the_message(client, manual, worker):
    client.force_login(worker)
    page = manual["dibao"]

    started = _post(client, reverse("manuals:study_start", args=[page.pk])).json()
    finished = _post(
        client,
        reverse("manuals:study_finish", args=[started["token"]]),
        {"reached_end": True},
    )

    assert finished.status_code == 400
    assert "阅读时间还不够" in finished.json()["message"]
    assert started["required"] == page.required_study_seconds()


def test_a_worker_cannot_use_someone_elses_reading_session(
    client, manual, worker, trainer
):
    session = reading_start(user=trainer, page=manual["dibao"])
    client.force_login(worker)

    response = _post(client, reverse("manuals:study_beat", args=[session.token]))

    assert response.status_code == 404


def test_visitors_are_sent_to_login_from_manual_pages(client, manual):
    response = client.get(manual["dibao"].url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_home_shows_progress_per_category_and_overall(client, manual, worker):
    study(worker, manual["dibao"])
    client.force_login(worker)

    html = client.get(reverse("home")).content.decode()

    assert "已学 1/2" in html
    assert "社会事务类" in html


def test_finish_button_is_rendered_disabled_for_assistive_technology(
    client, manual, worker
):
    client.force_login(worker)

    html = client.get(manual["dibao"].url).content.decode()

    button = re.search(r"<button[^>]*\bdata-finish\b[^>]*>", html).group()
    assert " disabled" in button and 'aria-disabled="true"' in button


def test_server_says_when_the_reader_may_confirm(client, manual, worker):
    page = manual["dibao"]
    session, _end = read_item(
        worker, page, start=timezone.now() - datetime.timedelta(minutes=2)
    )
    client.force_login(worker)
    beat_url = reverse("manuals:study_beat", args=[session.token])

    not_at_end = _post(client, beat_url, {"visible": True}).json()
    at_end = _post(client, beat_url, {"visible": True, "reached_end": True}).json()

    assert not_at_end["remaining"] == 0 and not_at_end["can_confirm"] is False
    assert at_end["can_confirm"] is True
    started = _post(client, reverse("manuals:study_start", args=[page.pk])).json()
    assert started["can_confirm"] is False


def test_finishing_says_what_the_study_earned(client, manual, worker):
    session, _end = read_item(
        worker, manual["dibao"], start=timezone.now() - datetime.timedelta(minutes=2)
    )
    client.force_login(worker)

    finished = _post(
        client,
        reverse("manuals:study_finish", args=[session.token]),
        {"reached_end": True},
    ).json()

    assert finished["ok"]
    assert finished["message"] == "已记录学习：本事项 +1 积分。"


def _confirm(user, page, *, start):
    session, end = read_item(user, page, start=start)
    return study_confirm(session=session, reached_end=True, now=end)


def test_a_second_version_in_the_same_year_says_points_were_already_earned(
    manual, worker
):
    start = timezone.now() - datetime.timedelta(hours=3)
    _confirm(worker, manual["youhui"], start=start)
    page = publish_edit(
        manual["youhui"], lambda d: setattr(d, "phone", "0571-88000000")
    )

    outcome = _confirm(worker, page, start=start + datetime.timedelta(hours=1))

    assert outcome.message == "已记录学习：本事项今年已计过学习积分，本次不重复计分。"


def test_a_restudy_says_what_the_restudy_earned(manual, worker):
    start = timezone.now() - datetime.timedelta(hours=3)
    _confirm(worker, manual["dibao"], start=start)
    page = publish_edit(
        manual["dibao"], lambda d: setattr(d, "promised_days", 20), kind="material"
    )

    outcome = _confirm(worker, page, start=start + datetime.timedelta(hours=1))

    assert outcome.message == "已完成复学：复学 +2 积分。"


def test_a_capped_study_says_the_cap_was_reached(manual, worker):
    Rule.objects.filter(code="READ_ITEM").update(daily_cap=1)
    start = timezone.localtime().replace(hour=9, minute=0)
    _confirm(worker, manual["youhui"], start=start)

    outcome = _confirm(
        worker, manual["dibao"], start=start + datetime.timedelta(minutes=10)
    )

    assert outcome.message == (
        "已记录学习：“学习手册事项”积分已达当日上限，本次未加分。"
    )
