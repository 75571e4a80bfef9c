"""The learner's home says what to do today, in order, and where they stand."""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from manuals.services import category_ensure, item_create
from quizzes.models import (
    AnnualExamPage,
    Attempt,
    DrawRuleRow,
    ExtraAttemptGrant,
    PracticeQuizPage,
    QuizIndexPage,
)
from quizzes.services import answer_save, attempt_start, attempt_submit
from tests.factories import StaffFactory
from tests.manuals.fixtures import YOUHUI
from tests.manuals.helpers import publish_edit, study

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _exam(manual, *, closes_in_days=7, opens_days_ago=1, max_attempts=1):
    index = QuizIndexPage.objects.first()
    if index is None:
        index = manual["root"].add_child(
            instance=QuizIndexPage(title="测验中心", slug="ceyan")
        )
    now = timezone.now()
    exam = AnnualExamPage(
        title=f"年度考试{uuid.uuid4().hex[:4]}",
        slug=f"kaoshi-{uuid.uuid4().hex[:8]}",
        opens_at=now - datetime.timedelta(days=opens_days_ago),
        closes_at=now + datetime.timedelta(days=closes_in_days),
        max_attempts=max_attempts,
    )
    exam.draw_rules = [DrawRuleRow(category=manual["social"], count=2)]
    index.add_child(instance=exam)
    exam.save_revision().publish()
    return exam


def _practice(item):
    quiz = PracticeQuizPage(
        title=f"{item.title}随学随练", slug=f"lianxi-{item.pk}", item=item
    )
    item.add_child(instance=quiz)
    quiz.save_revision().publish()
    return quiz


def _material_change(page):
    def reword(draft):
        draft.applicant = draft.applicant + "（修订）"

    return publish_edit(page, reword, kind="material")


def _sections(html: str, ids) -> list[str]:
    found = [(html.find(f'id="{i}"'), i) for i in ids if f'id="{i}"' in html]
    return [i for _pos, i in sorted(found)]


def test_home_lists_restudy_attempt_exam_practice_next_items_then_points(
    client, manual, practice, category_test, worker
):
    study(worker, manual["dibao"])
    _material_change(manual["dibao"])
    attempt_start(user=worker, quiz=category_test)
    exam = _exam(manual)

    html = _home(client, worker)

    assert _sections(
        html,
        [
            "restudy-list",
            "open-attempts",
            "annual-exams",
            "practice",
            "next-items",
            "my-points",
        ],
    ) == [
        "restudy-list",
        "open-attempts",
        "annual-exams",
        "practice",
        "next-items",
        "my-points",
    ]
    attempts = _section(html, "open-attempts")
    assert category_test.title in attempts and "继续作答" in attempts
    assert re.search(r"剩余 \d+ 分钟", attempts)
    assert exam.title in html
    closes = timezone.localtime(exam.closes_at).strftime("%-m月%-d日 %H:%M")
    assert f"{closes} 截止" in html
    # 低保 was studied: practise it; 优待证 was not: study it next.
    practice_section = html[html.index('id="practice"') : html.index('id="next-items"')]
    assert manual["dibao"].title in practice_section
    next_section = html[html.index('id="next-items"') : html.index('id="my-points"')]
    assert manual["youhui"].title in next_section
    assert "社会事务类已学 1/2" in next_section
    assert 'id="next-step"' not in html


def test_points_strip_shows_this_years_points_target_hours_level_and_rank(
    client, manual, worker
):
    neighbour = StaffFactory(org_unit=worker.org_unit)
    study(neighbour, manual["dibao"])
    study(neighbour, manual["youhui"])
    study(worker, manual["dibao"])

    html = _home(client, worker)

    strip = html[html.index('id="my-points"') :]
    year = timezone.localdate().year
    assert f"{year} 年积分" in strip
    assert "/ 120 分（年度达标）" in strip
    assert "学时" in strip and "等级" in strip
    assert "第 2 名 / 2 人" in strip
    assert reverse("points:mine") in strip


def test_the_strip_matches_the_workers_points_page(client, manual, worker):
    study(worker, manual["dibao"])
    client.force_login(worker)
    mine = client.get(reverse("points:mine")).content.decode()
    html = _home(client, worker)

    strip = html[html.index('id="my-points"') :]
    points_line = mine[mine.index('<strong class="big">') :]
    points_line = points_line[: points_line.index("分（年度达标）")]
    assert points_line in strip


def test_an_attempt_past_its_deadline_asks_to_see_the_grade(
    client, category_test, worker
):
    attempt = attempt_start(
        user=worker,
        quiz=category_test,
        now=timezone.now() - datetime.timedelta(hours=2),
    )

    html = _home(client, worker)

    assert "作答时间已到" in html
    assert reverse("quizzes:result", args=[attempt.token]) in html
    assert "继续作答" not in html


def test_an_exam_used_up_passed_or_closed_is_not_offered(
    client, manual, bank, worker, street_manager
):
    used = _exam(manual)
    attempt = attempt_start(user=worker, quiz=used)
    attempt_submit(attempt=attempt)
    closed = _exam(manual, closes_in_days=-1, opens_days_ago=10)
    later = _exam(manual, opens_days_ago=-3)

    html = _home(client, worker)
    for exam in (used, closed, later):
        assert exam.title not in html
    assert 'id="annual-exams"' not in html

    ExtraAttemptGrant.objects.create(
        user=worker, quiz=used, reason="病假补考", granted_by=street_manager
    )
    html = _home(client, worker)
    assert used.title in html
    assert "可考 1 次" in html


def test_a_passed_practice_is_no_longer_suggested(client, manual, practice, worker):
    study(worker, manual["dibao"])
    assert manual["dibao"].title in _section(_home(client, worker), "practice")

    attempt = attempt_start(user=worker, quiz=practice)
    for row in attempt.questions.select_related("version"):
        answer_save(attempt=attempt, position=row.position, response=row.version.answer)
    assert attempt_submit(attempt=attempt).passed

    assert 'id="practice"' not in _home(client, worker)


def _section(html, section_id):
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_weakest_category_is_the_one_with_the_lowest_share_studied(
    client, manual, worker
):
    family = manual["family"]
    first = item_create(category=family, data={**YOUHUI, "code": "J-01"})
    item_create(category=family, data={**YOUHUI, "code": "J-02", "title": "独生子女"})
    item_create(category=family, data={**YOUHUI, "code": "J-03", "title": "再生育"})
    study(worker, first)
    study(worker, manual["dibao"])

    html = _section(_home(client, worker), "next-items")

    # 计划生育类 1/3 is behind 社会事务类 1/2.
    assert "计划生育类已学 1/3" in html
    assert "独生子女" in html and "再生育" in html
    assert manual["youhui"].title not in html


def test_with_everything_studied_the_next_step_is_the_wrong_book(
    client, manual, practice, worker
):
    study(worker, manual["dibao"])
    study(worker, manual["youhui"])
    attempt = attempt_start(user=worker, quiz=practice)
    rows = list(attempt.questions.select_related("version"))
    for row in rows[:-1]:
        answer_save(attempt=attempt, position=row.position, response=row.version.answer)
    attempt_submit(attempt=attempt)  # one left blank: 80 % passes, one goes wrong
    assert attempt.questions.filter(credit__lt=1).exists()

    html = _section(_home(client, worker), "next-step")

    assert "全部事项已学完" in html
    assert "错题本里还有 1 道题" in html
    assert reverse("quizzes:wrong_book") in html


def test_with_nothing_left_at_all_the_home_still_gives_a_next_step(
    client, manual, worker
):
    study(worker, manual["dibao"])
    study(worker, manual["youhui"])

    html = _section(_home(client, worker), "next-step")

    assert "全部事项已学完" in html
    assert "温习手册" in html and manual["root"].url in html


def test_before_the_manual_exists_the_home_says_so(client, worker):
    html = _section(_home(client, worker), "next-step")

    assert "培训手册还没有可学习的事项" in html


# ------------------------------------------------------------ query count


def _more_work(worker, manual, n):
    """n more categories of two items each; the first studied, changed, practised,
    plus one more open attempt and one more open exam per category."""
    now = timezone.now()
    for k in range(n):
        code = f"X{len(manual['extra'])}"
        category = category_ensure(
            root=manual["root"], code=code, title=f"类别{code}", slug=code.lower()
        )
        first = item_create(category=category, data={**YOUHUI, "code": f"{code}-1"})
        item_create(category=category, data={**YOUHUI, "code": f"{code}-2"})
        study(worker, first)
        _material_change(first)
        quiz = _practice(first)
        Attempt.objects.create(
            token=uuid.uuid4(),
            user=worker,
            quiz=_practice(
                item_create(category=category, data={**YOUHUI, "code": f"{code}-3"})
            ),
            number=1,
            started_at=now,
            deadline=now + datetime.timedelta(minutes=10 + k),
        )
        Attempt.objects.create(
            token=uuid.uuid4(),
            user=worker,
            quiz=quiz,
            number=1,
            status=Attempt.Status.SUBMITTED,
            started_at=now,
            submitted_at=now,
            passed=False,
        )
        _exam(manual)
        manual["extra"].append(category)


def _count_home_queries(client) -> int:
    client.get(reverse("home"))  # caches (site root paths) filled before counting
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


def test_the_home_page_costs_the_same_queries_however_much_there_is(
    client, manual, worker
):
    manual["extra"] = []
    _more_work(worker, manual, 1)
    client.force_login(worker)
    small = _count_home_queries(client)

    _more_work(worker, manual, 3)
    html = client.get(reverse("home")).content.decode()
    assert html.count("继续作答") == 4
    assert _section(html, "restudy-list").count("<li>") == 4
    large = _count_home_queries(client)

    assert large == small
    assert small <= 40
