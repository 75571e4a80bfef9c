"""Rankings for managers: their subtree only, ties to who got there first,
teams by average."""

import datetime
import io
from urllib.parse import unquote

import openpyxl
from django.urls import reverse
from django.utils import timezone

from learning.roles import Role
from points.ranking import Period
from points.selectors import ranking_list, team_ranking
from points.services import points_award
from tests.factories import StaffFactory

MAY = timezone.make_aware(datetime.datetime(2026, 5, 10, 10, 0))


def _give(user, points_of_exam=0, reads=0, when=MAY):
    if points_of_exam:
        points_award(
            user=user, rule_code="EXAM_PASS", source=("exam", user.pk), occurred_at=when
        )
    for n in range(reads):
        points_award(
            user=user,
            rule_code="READ_ITEM",
            source=("item", n),
            occurred_at=when + datetime.timedelta(days=n),
        )


def test_equal_points_rank_by_who_got_there_first(org):
    a, b, c = (StaffFactory(org_unit=org["衢州路社区"]) for _ in range(3))
    _give(b, reads=3, when=MAY + datetime.timedelta(hours=1))
    _give(a, reads=3)
    _give(c, reads=1)

    rows = ranking_list(unit=org["衢州路社区"], period=Period("year", 2026))

    assert [(r.rank, r.points) for r in rows] == [(1, 3), (2, 3), (3, 1)]
    assert [r.user_id for r in rows] == [a.pk, b.pk, c.pk]


def test_month_and_quarter_count_only_their_months(org):
    worker = StaffFactory(org_unit=org["文澜社区"])
    _give(worker, points_of_exam=1)  # 20 in May
    _give(worker, reads=2, when=MAY.replace(month=8))  # 2 in August

    def points(period):
        return ranking_list(unit=org["文澜社区"], period=period)[0].points

    assert points(Period("month", 2026, 5)) == 20
    assert points(Period("quarter", 2026, 3)) == 2
    assert points(Period("year", 2026)) == 22


def test_teams_rank_by_average_not_headcount(org):
    small = [StaffFactory(org_unit=org["文澜社区"]) for _ in range(3)]
    big = [StaffFactory(org_unit=org["登云路社区"]) for _ in range(6)]
    for person in small:
        _give(person, reads=6)
    for person in big:
        _give(person, reads=4)

    rows = team_ranking(
        unit=org["桥西片区公共服务中心"], kind="community", period=Period("year", 2026)
    )

    assert [(r.unit.name, r.average, r.rank) for r in rows] == [
        ("文澜社区", 6.0, 1),
        ("登云路社区", 4.0, 2),
    ]  # 衢州路社区 has fewer than three workers and is left out


def test_a_manager_cannot_see_another_subtrees_ranking_or_export(
    client, org, community_manager
):
    client.force_login(community_manager)
    other = org["瓜山社区"]

    page = client.get(reverse("points_rankings"), {"unit": other.pk})
    export = client.get(
        reverse("points_rankings"), {"unit": other.pk, "format": "xlsx"}
    )

    assert page.status_code in (302, 403)
    assert export.status_code in (302, 403)


def test_a_worker_cannot_open_rankings(client, worker):
    client.force_login(worker)
    assert client.get(reverse("points_rankings")).status_code == 302


def test_export_has_the_same_columns_as_the_screen(client, org, centre_manager):
    mine = StaffFactory(org_unit=org["衢州路社区"], name="排名甲", role=Role.WORKER)
    _give(mine, reads=2, when=timezone.now())
    client.force_login(centre_manager)
    params = {"unit": org["桥西片区公共服务中心"].pk}

    screen = client.get(reverse("points_rankings"), params).content.decode()
    export = client.get(reverse("points_rankings"), {**params, "format": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    headers = [c.value for c in sheet[1]]
    assert headers == ["名次", "工号", "姓名", "所属单位", "积分", "学时"]
    assert all(h in screen for h in headers)
    assert [c.value for c in sheet[2]][:5] == [
        1,
        mine.username,
        "排名甲",
        "衢州路社区",
        2,
    ]


def test_managers_read_the_ledger_of_their_subtree_only_and_cannot_edit(
    client, org, community_manager, worker
):
    from points.models import LedgerEntry

    outsider = StaffFactory(org_unit=org["瓜山社区"], name="外片区丙")
    _give(worker, reads=1)
    _give(outsider, reads=1)
    own = LedgerEntry.objects.get(user=worker)
    theirs = LedgerEntry.objects.get(user=outsider)
    client.force_login(community_manager)

    listing = client.get(reverse("ledger:index")).content.decode()
    inspect_own = client.get(reverse("ledger:inspect", args=[own.pk]))
    inspect_theirs = client.get(reverse("ledger:inspect", args=[theirs.pk]))
    edit = client.post(reverse("ledger:edit", args=[own.pk]), {"reason": "改了"})
    delete = client.post(reverse("ledger:delete", args=[own.pk]))

    assert worker.name in listing and "外片区丙" not in listing
    assert inspect_own.status_code == 200
    assert inspect_theirs.status_code in (302, 403, 404)
    assert edit.status_code in (302, 403) and delete.status_code in (302, 403)
    own.refresh_from_db()
    assert own.reason != "改了" and LedgerEntry.objects.filter(pk=own.pk).exists()


def test_the_years_ranking_agrees_with_its_months_even_for_late_lines(org):
    a, b = (StaffFactory(org_unit=org["文澜社区"]) for _ in range(2))
    _give(a, reads=3, when=MAY.replace(month=8))
    _give(b, reads=3, when=MAY)  # posted after a's, but happened earlier
    year = ranking_list(unit=org["文澜社区"], period=Period("year", 2026))
    months = {}
    for m in range(1, 13):
        for row in ranking_list(unit=org["文澜社区"], period=Period("month", 2026, m)):
            months[row.name] = months.get(row.name, 0) + row.points
    assert {r.name: r.points for r in year} == months
    # Equal points: b got there first (May), so b is listed first.
    assert [r.name for r in year] == [b.name, a.name]
    assert [r.rank for r in year] == [1, 2]


def test_the_page_lists_rows_in_pages_and_the_export_has_them_all(
    client, org, centre_manager, monkeypatch
):
    import re

    import points.admin_views

    monkeypatch.setattr(points.admin_views, "ROWS_PER_PAGE", 2)
    people = [StaffFactory(org_unit=org["文澜社区"]) for _ in range(4)]
    for n, person in enumerate(people[:3]):
        _give(person, reads=n + 1)  # the fourth has no points yet
    client.force_login(centre_manager)
    query = {"unit": org["文澜社区"].pk, "kind": "year", "year": 2026}

    def names(page):
        shown = [p for p in people if p.name in page]
        return [p.name for p in sorted(shown, key=lambda p: page.index(p.name))]

    def follow(page):
        token = re.search(r'href="\?[^"]*after=([^"&]+)"', page).group(1)
        return client.get(
            reverse("points_rankings"), {**query, "after": unquote(token)}
        ).content.decode()

    first = client.get(reverse("points_rankings"), query).content.decode()
    second = follow(first)
    sheet = client.get(reverse("points_rankings"), {**query, "format": "xlsx"})

    assert names(first) == [people[2].name, people[1].name]
    assert "共 4 人" in first and "data-next" in first
    assert names(second) == [people[0].name, people[3].name]
    assert "data-next" not in second and "回到第一名" in second
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.values)
    assert len(rows) == 5  # the header and every person
    # Whoever has no points yet comes last, after everyone with points.
    assert [r[0] for r in rows[1:]] == [1, 2, 3, 4]
    assert rows[-1][2] == people[3].name and rows[-1][4] == 0


def test_a_broken_page_token_starts_from_the_top(client, org, centre_manager):
    people = [StaffFactory(org_unit=org["文澜社区"]) for _ in range(2)]
    _give(people[0], reads=2)
    client.force_login(centre_manager)
    query = {"unit": org["文澜社区"].pk, "kind": "year", "year": 2026}
    for token in ("garbage", "1~x~2~3", "5~2026-01-01T00:00:00~abc~1", "~" * 3):
        page = client.get(reverse("points_rankings"), {**query, "after": token})
        assert page.status_code == 200
        assert people[0].name in page.content.decode()


def test_a_month_or_quarter_left_empty_means_the_current_one(client, community_manager):
    client.force_login(community_manager)
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1

    month_page = client.get(reverse("points_rankings"), {"kind": "month"})
    quarter_page = client.get(reverse("points_rankings"), {"kind": "quarter"})
    last_year = client.get(
        reverse("points_rankings"), {"kind": "month", "year": today.year - 1}
    )

    assert f"{today.year}年{today.month}月" in month_page.content.decode()
    assert f"{today.year}年第{quarter}季度" in quarter_page.content.decode()
    assert f"{today.year - 1}年12月" in last_year.content.decode()
