"""Every page a worker opens costs the same SQL queries after a year of study as
after a day: lists of history are paged or bounded, and nothing is looked up
once per line. (The home page has its own test in test_home.)"""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points.services import points_award
from quizzes.services import attempt_start
from tests.manuals.helpers import study
from tests.quizzes.helpers import take


def _queries(client, url) -> int:
    client.get(url)  # warm the per-process caches (site root, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _take(user, quiz, when, *, right: bool):
    return take(user, quiz, when, right=right, minutes=2)


def test_learner_pages_cost_the_same_with_a_long_history(
    client, manual, practice, category_test, annual_exam, worker
):
    start = timezone.now() - datetime.timedelta(days=20)
    study(worker, manual["dibao"], start=start)
    first = _take(worker, practice, start, right=False)
    client.force_login(worker)
    pages = {
        "手册首页": manual["root"].url,
        "服务类别": manual["social"].url,
        "服务事项": manual["dibao"].url,
        "随学随练": practice.url,
        "类别测验": category_test.url,
        "测验中心": annual_exam.get_parent().url,
        "年度考试": annual_exam.url,
        "成绩": reverse("quizzes:result", args=[first.token]),
        "错题本": reverse("quizzes:wrong_book"),
        "我的积分": reverse("points:mine"),
        "我的证书": reverse("points:certificates"),
        "搜索": reverse("manuals:search") + "?q=低保",
    }
    day_one = {name: _queries(client, url) for name, url in pages.items()}

    # Weeks of study: more reading, many more attempts, ledger lines, mistakes
    # (no pass yet, so every page shows the same blocks as on day one).
    study(worker, manual["youhui"], start=start + datetime.timedelta(days=1))
    for n in range(14):
        when = start + datetime.timedelta(days=2 + n)
        _take(worker, practice, when, right=False)
        if n < 2:  # a category quiz allows three attempts
            afternoon = when + datetime.timedelta(hours=2)
            _take(worker, category_test, afternoon, right=False)
    for n in range(60):
        points_award(
            user=worker,
            rule_code="TRAIN_ATTEND",
            source=("training", n),
            quantity=1,
            occurred_at=start + datetime.timedelta(days=n % 19, hours=n % 5),
            once_per_year=False,
        )
    later = {name: _queries(client, url) for name, url in pages.items()}

    assert later == day_one


def test_an_attempt_and_its_result_cost_the_same_for_two_questions_or_five(
    client, org, manual, practice, worker
):
    from tests.factories import StaffFactory

    colleague = StaffFactory(org_unit=worker.org_unit)
    start = timezone.now() - datetime.timedelta(days=2)
    pages = {}
    for count, person in ((2, worker), (5, colleague)):
        practice.question_count = count
        practice.save_revision().publish()
        done = _take(person, practice, start, right=False)
        open_attempt = attempt_start(user=person, quiz=practice)
        assert open_attempt.questions.count() == count
        client.force_login(person)
        pages[count] = (
            _queries(client, reverse("quizzes:attempt", args=[open_attempt.token])),
            _queries(client, reverse("quizzes:result", args=[done.token])),
        )

    assert pages[5] == pages[2]
