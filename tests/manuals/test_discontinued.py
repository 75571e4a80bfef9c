"""A cancelled item stays readable for reference but is not studied or counted."""

import json

import pytest
from django.urls import reverse

from manuals.models import RestudyTask, StudyRecord
from manuals.rules import MSG_DISCONTINUED
from manuals.services import StudyRefused, reading_start, study_confirm
from tests.manuals.helpers import publish_edit, read_item, study


def _cancel(page):
    return publish_edit(page, lambda d: setattr(d, "discontinued", True))


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_a_cancelled_item_says_so_and_offers_no_study(client, manual, worker):
    page = _cancel(manual["youhui"])
    client.force_login(worker)

    item = client.get(page.url).content.decode()
    category = client.get(manual["social"].url).content.decode()

    assert "本事项已取消" in item
    assert "study-panel" not in item and "完成学习" not in item
    row = category[
        category.index("T-02") : category.index("</a>", category.index("T-02"))
    ]
    assert "已取消" in row and "未学" not in row


def test_the_server_refuses_to_time_a_cancelled_item(client, manual, worker):
    session, end = read_item(worker, manual["youhui"])
    page = _cancel(manual["youhui"])
    client.force_login(worker)

    started = _post(client, reverse("manuals:study_start", args=[page.pk]))
    beat = _post(client, reverse("manuals:study_beat", args=[session.token]))
    finished = _post(
        client,
        reverse("manuals:study_finish", args=[session.token]),
        {"reached_end": True},
    )

    for response in (started, beat, finished):
        assert response.status_code == 400
        assert response.json()["message"] == MSG_DISCONTINUED
    with pytest.raises(StudyRefused):
        reading_start(user=worker, page=page)
    with pytest.raises(StudyRefused):
        study_confirm(session=session, reached_end=True, now=end)
    assert not StudyRecord.objects.filter(user=worker, page=page).exists()


def test_a_cancelled_item_counts_neither_in_progress_nor_as_restudy(
    client, manual, worker
):
    study(worker, manual["dibao"])
    study(worker, manual["youhui"])

    _cancel(manual["youhui"])
    client.force_login(worker)
    index = client.get(manual["root"].url).content.decode()

    assert "已学 1/1" in index
    assert not RestudyTask.objects.filter(user=worker).exists()
