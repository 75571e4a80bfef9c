"""The worker's own page: rank in community, centre and street with the top ten,
学时 over the continuing-education window, and past years."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from points.selectors import my_standing, points_overview
from points.services import points_award
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _reads(user, n, year=None):
    when = timezone.now()
    if year is not None:
        when = timezone.make_aware(datetime.datetime(year, 6, 1, 10))
    for i in range(n):
        points_award(
            user=user,
            rule_code="READ_ITEM",
            source=("item", i),
            occurred_at=when + datetime.timedelta(days=i // 8),
        )


def test_the_worker_sees_their_rank_and_the_top_ten_at_each_level(org, worker):
    year = timezone.localdate().year
    neighbours = [StaffFactory(org_unit=worker.org_unit) for _ in range(11)]
    elsewhere = StaffFactory(org_unit=org["文澜社区"])
    for n, person in enumerate(neighbours):
        _reads(person, n + 1)  # 1 … 11 points
    _reads(worker, 5)
    _reads(elsewhere, 30)

    community, centre, street = my_standing(user=worker, year=year)

    assert community.unit == worker.org_unit
    # Six neighbours have more than 5; the one with exactly 5 got there first
    # (积分管理办法 §4: ties go to who reached the score first).
    assert (community.rank, community.total) == (8, 12)
    top = [(rank, points, me) for rank, _name, points, me in community.top]
    assert [points for _r, points, _me in top] == [11, 10, 9, 8, 7, 6, 5, 5, 4, 3]
    assert [rank for rank, _p, _me in top] == list(range(1, 11))
    assert [me for _r, _p, me in top].index(True) == 7
    assert (centre.rank, street.rank) == (9, 9)
    assert centre.top[0] == (1, elsewhere.name, 30, False)


def test_the_page_shows_the_own_rank_even_outside_the_top_ten(client, org, worker):
    for n in range(12):
        _reads(StaffFactory(org_unit=worker.org_unit), 10 + n)
    _reads(worker, 1)
    client.force_login(worker)

    page = client.get(reverse("points:mine")).content.decode()

    assert "衢州路社区：第 13 名 / 13 人" in page
    assert page.count('class="me"') == 0  # not in any top ten


def test_hours_add_up_over_the_continuing_education_window(worker):
    year = timezone.localdate().year
    for back, hours in ((0, 2), (1, 3), (2, 4), (3, 8)):
        points_award(
            user=worker,
            rule_code="TRAIN_ATTEND",
            source=("training", back),
            quantity=hours,
            occurred_at=timezone.make_aware(datetime.datetime(year - back, 3, 1, 9)),
        )

    overview = points_overview(user=worker, year=year)

    assert overview.window_years == 3
    assert overview.hours == 2.0  # this year only
    assert overview.window_hours == 9.0  # 2 + 3 + 4; four years ago is outside
    last_year = points_overview(user=worker, year=year - 1)
    assert (last_year.points, last_year.hours) == (6, 3.0)
    assert [year, year - 1, year - 2, year - 3] == overview.years


def _page_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_lines_come_fifty_to_a_page_at_the_same_cost(client, worker):
    year = timezone.localdate().year
    url = reverse("points:mine") + f"?year={year}"
    client.force_login(worker)
    _reads(worker, 3, year=year)
    _page_queries(client, url)
    few, html = _page_queries(client, url)
    assert "data-pager" not in html

    _reads(worker, 60, year=year)  # the first 3 again, and 57 more: two pages
    many, first = _page_queries(client, url)
    _, second = _page_queries(client, url + "&p=2")

    assert many == few
    line = 'class="muted small nowrap"'
    assert first.count(line) == 50 and second.count(line) == 10
    assert "第 1 / 2 页，共 60 条" in first
    assert f'href="?year={year}&amp;p=2"' in first
    assert "第 2 / 2 页" in second and 'rel="next"' not in second
    # A page past the end, or not a number, shows a real page, not an error.
    assert client.get(url + "&p=99").status_code == 200
    assert "第 1 / 2 页" in client.get(url + "&p=abc").content.decode()
