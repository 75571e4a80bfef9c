"""Rankings come from the database: pages read in order from the index, one
worker's rank is a count, and the summary rows follow the person when they
move, change role or leave. The number of queries does not grow with the
number of people ranked."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learning.roles import Role
from learning.services import role_assign
from points.leaderboard import Cursor, rank_of, ranking_page
from points.models import Balance, MonthTotal
from points.ranking import Period
from points.selectors import my_standing, ranking_list, team_ranking
from points.services import points_award
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

MAY = timezone.make_aware(datetime.datetime(2026, 5, 10, 10, 0))
YEAR = Period("year", 2026)


def _reads(user, n, when=MAY):
    for k in range(n):
        points_award(
            user=user,
            rule_code="READ_ITEM",
            source=("item", k),
            occurred_at=when + datetime.timedelta(days=k),
        )


def _community(org, name, scores, when=MAY):
    people = []
    for n, score in enumerate(scores):
        person = StaffFactory(org_unit=org[name])
        _reads(person, score, when=when + datetime.timedelta(minutes=n))
        people.append(person)
    return people


def test_pages_read_in_order_join_into_the_whole_ranking(org):
    people = _community(org, "文澜社区", [3, 5, 3, 0, 1, 5, 0])
    unit = org["文澜社区"]

    lines, cursor = [], None
    while True:
        page = ranking_page(unit=unit, period=YEAR, after=cursor, size=2)
        lines += page.lines
        if page.next is None:
            break
        cursor = Cursor.parse(page.next.token())  # as the browser sends it back

    whole = ranking_list(unit=unit, period=YEAR)
    assert [(x.rank, x.user_id) for x in lines] == [(r.rank, r.user_id) for r in whole]
    assert [x.points for x in lines] == [5, 5, 3, 3, 1, 0, 0]
    # Five with points rank 1–5 (the earlier of two equal scores first); the two
    # without points share the rank after them.
    assert [x.rank for x in lines] == [1, 2, 3, 4, 5, 6, 6]
    assert lines[0].user_id == people[1].pk and lines[2].user_id == people[0].pk


def test_one_workers_rank_is_their_place_in_the_list(org):
    _community(org, "文澜社区", [4, 2, 4, 0, 7])
    unit = org["文澜社区"]
    for row in ranking_list(unit=unit, period=YEAR):
        assert rank_of(user_id=row.user_id, unit=unit, period=YEAR) == row.rank
    outsider = StaffFactory(org_unit=org["衢州路社区"])
    assert rank_of(user_id=outsider.pk, unit=unit, period=YEAR) is None


def test_rows_follow_the_person_when_they_move_change_role_or_leave(org):
    [mover, stayer] = _community(org, "文澜社区", [3, 2])
    wenlan, qiaoxi = org["文澜社区"], org["衢州路社区"]

    mover.org_unit = qiaoxi
    mover.save()
    assert [r.user_id for r in ranking_list(unit=wenlan, period=YEAR)] == [stayer.pk]
    assert [r.user_id for r in ranking_list(unit=qiaoxi, period=YEAR)] == [mover.pk]
    paths = MonthTotal.objects.filter(user=mover).values_list("unit_path", flat=True)
    assert set(paths) == {qiaoxi.path}

    role_assign(user=mover, role=Role.TRAINER)
    assert ranking_list(unit=qiaoxi, period=YEAR) == []
    trainers = ranking_list(unit=qiaoxi, period=YEAR, role_label="培训师")
    assert [r.user_id for r in trainers] == [mover.pk]

    stayer.is_active = False
    stayer.save()
    assert ranking_list(unit=wenlan, period=YEAR) == []
    assert Balance.objects.get(user=stayer).role == ""


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_rankings_and_standings_make_the_same_queries_for_3_or_30_people(org):
    small = _community(org, "文澜社区", [1, 2, 3])
    _community(org, "登云路社区", [1, 2, 3])
    street = org["拱宸桥街道"]

    def everything():
        ranking_page(unit=street, period=YEAR, size=50)
        team_ranking(unit=street, kind="community", period=YEAR)
        my_standing(user=small[0], year=2026)

    everything()  # fills the headcount cache, as any earlier visit does
    before = _queries(everything)
    _community(org, "文澜社区", list(range(1, 28)))
    _community(org, "登云路社区", list(range(1, 28)))
    everything()
    # Never more (a full first page even skips reading members without points).
    assert _queries(everything) <= before


def test_teams_average_their_members_including_those_without_points(org):
    _community(org, "文澜社区", [6, 6, 0])  # average 4
    _community(org, "登云路社区", [5, 5, 5])  # average 5
    rows = team_ranking(unit=org["拱宸桥街道"], kind="community", period=YEAR)
    assert [(r.unit.name, r.members, r.average) for r in rows] == [
        ("登云路社区", 3, 5.0),
        ("文澜社区", 3, 4.0),
    ]
