"""The admin pages this rulebook adds: 暂扣积分 (release or drop a held award),
代办登记 (a manager attests a worker's 代办 count) and 节假日调整 (the street keeps
the holiday table). Each checks who may act on the server."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from points.models import Evidence, HeldAward, LedgerEntry, WorkdayOverride
from points.services import points_record
from tests.points.events import graded

pytestmark = pytest.mark.django_db


def test_a_manager_releases_a_held_award_in_the_admin(
    client, worker, community_manager
):
    points_record(graded(worker, submissions_last_hour=25, perfect=False))
    held = HeldAward.objects.get(user=worker)
    client.force_login(community_manager)

    index = client.get(reverse("held_awards:index")).content.decode()
    page = client.get(reverse("held_awards:inspect", args=[held.pk])).content.decode()
    assert "一小时内交卷超过 20 次" in index and "放行入账" in page

    client.post(reverse("held_awards:decide", args=[held.pk]), {"action": "release"})

    held.refresh_from_db()
    assert held.status == HeldAward.Status.RELEASED
    assert held.entry.rule_code == "QUIZ_PASS_FIRST" and held.entry.points == 2
    # Twice is once.
    client.post(reverse("held_awards:decide", args=[held.pk]), {"action": "release"})
    assert LedgerEntry.objects.filter(user=worker).count() == 1


def test_a_worker_cannot_open_or_release_held_awards(client, worker):
    points_record(graded(worker, submissions_last_hour=25))
    held = HeldAward.objects.filter(user=worker).first()
    client.force_login(worker)
    response = client.post(
        reverse("held_awards:decide", args=[held.pk]), {"action": "release"}
    )
    assert response.status_code in (302, 403, 404)
    assert not LedgerEntry.objects.filter(user=worker).exists()


def test_a_manager_records_a_months_proxy_cases_but_not_their_own(
    client, worker, community_manager
):
    client.force_login(community_manager)
    month = timezone.localdate().strftime("%Y-%m")
    response = client.post(
        reverse("proxy_counts:add"),
        {"user": worker.pk, "month": month, "cases": "12"},
    )
    assert response.status_code == 302
    row = Evidence.objects.get(user=worker, kind=Evidence.Kind.PROXY)
    assert (row.key, row.value) == (month, 12)
    listing = client.get(reverse("proxy_counts:index")).content.decode()
    assert worker.name in listing

    mine = client.post(
        reverse("proxy_counts:add"),
        {"user": community_manager.pk, "month": month, "cases": "30"},
    )
    assert mine.status_code == 200  # the form again, with the reason
    assert not Evidence.objects.filter(user=community_manager).exists()
    future = (timezone.localdate() + datetime.timedelta(days=40)).strftime("%Y-%m")
    late = client.post(
        reverse("proxy_counts:add"), {"user": worker.pk, "month": future, "cases": "3"}
    )
    assert "月份不能晚于本月" in late.content.decode()


def test_only_the_streets_managers_keep_the_holiday_table(
    client, community_manager, street_manager
):
    data = {"day": "2027-02-08", "is_workday": "", "note": "春节"}
    client.force_login(community_manager)
    assert client.get(reverse("workdays:index")).status_code == 200
    client.post(reverse("workdays:add"), data)
    assert not WorkdayOverride.objects.exists()

    client.force_login(street_manager)
    response = client.post(reverse("workdays:add"), data)
    assert response.status_code == 302
    assert WorkdayOverride.objects.get().is_workday is False
