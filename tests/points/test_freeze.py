"""结账: a frozen period's ranking never changes; late entries count in the next
open month, and say so."""

import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from learning.roles import Role
from points.models import LedgerEntry, PeriodFreeze
from points.ranking import Period
from points.selectors import ranking_list
from points.services import (
    MSG_PERIOD_NOT_OVER,
    PointsActionRefused,
    period_freeze,
    points_award,
    points_reverse,
)
from tests.factories import StaffFactory
from tests.points.pages import visible_text

pytestmark = pytest.mark.django_db

MARCH = Period("month", 2026, 3)


def _at(month, day, hour=10):
    return timezone.make_aware(datetime.datetime(2026, month, day, hour))


def _read(user, n, when):
    return points_award(
        user=user, rule_code="READ_ITEM", source=("item", n), occurred_at=when
    )


def _ranking_page(client, unit, period=MARCH, fmt=None):
    query = {
        "unit": unit.pk,
        "view": "people",
        "kind": period.kind,
        "year": period.year,
        "number": period.number,
    }
    if fmt:
        query["format"] = fmt
    return client.get(reverse("points_rankings"), query)


def _table(html: str) -> str:
    return re.search(r"<table class=\"listing\" data-ranking>.*?</table>", html, re.S)[
        0
    ]


def _rows(unit):
    return [(r.rank, r.name, r.points) for r in ranking_list(unit=unit, period=MARCH)]


def _sheet_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(r) for r in book.active.iter_rows(values_only=True)]


@pytest.fixture
def march(org, centre_manager):
    community = org["衢州路社区"]
    a, b = (StaffFactory(org_unit=community) for _ in range(2))
    for n in range(3):
        _read(a, n, _at(3, 2 + n))
    _read(b, 10, _at(3, 5))
    return community, a, b


def test_a_frozen_ranking_is_byte_identical_after_a_late_entry(
    client, march, centre_manager
):
    community, a, b = march
    client.force_login(centre_manager)
    before = _table(_ranking_page(client, community).content.decode())
    sheet_before = _sheet_rows(_ranking_page(client, community, fmt="xlsx"))

    period_freeze(unit=centre_manager.org_unit, period=MARCH, actor=centre_manager)
    late = [_read(b, 20 + n, _at(3, 20 + n)) for n in range(4)]  # b would now lead

    after_page = _ranking_page(client, community).content.decode()
    assert _table(after_page) == before
    assert "data-frozen-note" in after_page
    assert _sheet_rows(_ranking_page(client, community, fmt="xlsx")) == sheet_before
    # The late lines count in April, and each says so.
    assert {(e.year, e.month) for e in late} == {(2026, 4)}
    assert "2026年3月已结账，计入2026年4月" in late[0].reason
    april = ranking_list(unit=community, period=Period("month", 2026, 4))
    assert {r.name: r.points for r in april}[b.name] == 4


def test_moving_or_leaving_after_the_close_does_not_change_the_frozen_ranking(
    org, march, centre_manager
):
    community, a, b = march
    period_freeze(unit=centre_manager.org_unit, period=MARCH, actor=centre_manager)
    frozen = [
        (r.rank, r.name, r.points) for r in ranking_list(unit=community, period=MARCH)
    ]

    a.org_unit = org["瓜山社区"]
    a.save()
    b.is_active = False
    b.save()

    again = [
        (r.rank, r.name, r.points) for r in ranking_list(unit=community, period=MARCH)
    ]
    assert again == frozen
    assert [p for _r, _n, p in frozen] == [3, 1]


def test_an_open_period_still_moves(march):
    community, a, b = march
    _read(b, 30, _at(3, 28))
    _read(b, 31, _at(3, 29))
    rows = ranking_list(unit=community, period=MARCH)
    assert {r.name: r.points for r in rows}[b.name] == 3


def test_a_reversal_of_a_frozen_months_line_goes_to_the_next_open_month(
    march, centre_manager
):
    community, a, b = march
    entry = LedgerEntry.objects.filter(user=a).order_by("pk").first()
    period_freeze(unit=centre_manager.org_unit, period=MARCH, actor=centre_manager)

    reversal = points_reverse(entry=entry, reason="重复计分", author=centre_manager)

    assert (reversal.year, reversal.month) == (2026, 4)
    assert "已结账" in reversal.reason
    frozen = {r.name: r.points for r in ranking_list(unit=community, period=MARCH)}
    assert frozen[a.name] == 3


def test_a_period_that_has_not_ended_cannot_be_frozen(org, centre_manager):
    today = timezone.localdate()
    current = Period.current("month", today)
    with pytest.raises(PointsActionRefused) as refused:
        period_freeze(
            unit=centre_manager.org_unit, period=current, actor=centre_manager
        )
    assert str(refused.value) == MSG_PERIOD_NOT_OVER % {"period": current.label}
    assert not PeriodFreeze.objects.exists()


def test_freezing_twice_freezes_once(march, centre_manager):
    unit = centre_manager.org_unit
    first = period_freeze(unit=unit, period=MARCH, actor=centre_manager)
    second = period_freeze(unit=unit, period=MARCH, actor=centre_manager)
    assert first == second
    assert PeriodFreeze.objects.count() == 1


def _march_query(unit, **extra):
    return {
        "unit": unit.pk,
        "view": "people",
        "kind": "month",
        "year": 2026,
        "number": 3,
        **extra,
    }


def test_a_manager_freezes_only_their_own_subtree(client, org, march):
    other = StaffFactory(org_unit=org["瓜山社区"], role=Role.MANAGER)
    client.force_login(other)
    query = _march_query(org["衢州路社区"], confirm="1")

    refused = client.post(reverse("points_freeze"), query)

    assert refused.status_code in (302, 403)
    assert client.get(reverse("points_freeze"), query).status_code in (302, 403)
    assert not PeriodFreeze.objects.exists()


def test_the_freeze_button_closes_the_period_from_the_ranking_page(
    client, march, centre_manager
):
    community, a, b = march
    client.force_login(centre_manager)
    page = _ranking_page(client, community).content.decode()
    assert "data-freeze-form" in page

    asked = client.get(reverse("points_freeze"), _march_query(community))
    assert not PeriodFreeze.objects.exists()
    assert "data-freeze-confirm-form" in asked.content.decode()

    client.post(reverse("points_freeze"), _march_query(community, confirm="1"))

    freeze = PeriodFreeze.objects.get()
    assert (freeze.unit, freeze.frozen_by) == (community, centre_manager)
    page = _ranking_page(client, community).content.decode()
    assert "data-frozen-note" in page
    assert "data-freeze-form" not in page


def test_closing_a_period_asks_first_and_says_what_it_does(
    client, march, centre_manager
):
    community, a, b = march
    client.force_login(centre_manager)
    page = _ranking_page(client, community).content.decode()
    form = re.search(r"<form[^>]*data-freeze-form[^>]*>", page)[0]
    assert 'method="get"' in form

    asked = client.get(reverse("points_freeze"), _march_query(community))
    posted_once = client.post(reverse("points_freeze"), _march_query(community))

    assert not PeriodFreeze.objects.exists()
    for response in (asked, posted_once):
        text = visible_text(response)
        assert "衢州路社区 2026年3月" in text
        assert "排名固定为此刻的结果（2 人）" in text
        assert "计入下一个未结账的月份" in text and "结账不能撤销" in text
        assert "确认结账2026年3月" in text
    confirm_form = re.search(
        r"<form[^>]*data-freeze-confirm-form.*?</form>", asked.content.decode(), re.S
    )[0]
    assert 'method="post"' in confirm_form and 'name="confirm"' in confirm_form

    done = client.post(reverse("points_freeze"), _march_query(community, confirm="1"))

    assert PeriodFreeze.objects.get().unit == community
    assert done.status_code == 302


def test_the_confirm_page_says_when_there_is_nothing_to_close(
    client, march, centre_manager
):
    community, a, b = march
    client.force_login(centre_manager)
    this_month = timezone.localdate()
    query = _march_query(community, year=this_month.year, number=this_month.month)

    response = client.get(reverse("points_freeze"), query)

    assert "尚未结束，结束后才能结账" in visible_text(response)
    assert "data-freeze-confirm-form" not in response.content.decode()
