"""测验中心 and the annual exam: listed, linked, and reachable at a stable URL."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quizzes.models import AnnualExamPage, CategoryQuizPage, DrawRuleRow
from quizzes.services import attempt_start, attempt_submit


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _exam(centre, title, slug, opens_in_days, closes_in_days, category):
    now = timezone.now()
    exam = AnnualExamPage(
        title=title,
        slug=slug,
        opens_at=now + datetime.timedelta(days=opens_in_days),
        closes_at=now + datetime.timedelta(days=closes_in_days),
    )
    exam.draw_rules = [DrawRuleRow(category=category, count=2)]
    centre.add_child(instance=exam)
    exam.save_revision().publish()
    return exam


def test_the_centre_lists_exams_and_category_quizzes_with_the_workers_standing(
    client, manual, annual_exam, category_test, worker
):
    centre = annual_exam.get_parent()
    past = _exam(centre, "去年的考试", "qunian", -400, -300, manual["social"])
    upcoming = _exam(centre, "补充考试", "buchong", 5, 10, manual["social"])
    attempt = attempt_start(user=worker, quiz=category_test)
    for row in attempt.questions.select_related("version"):
        row.response = row.version.answer
        row.save()
    attempt_submit(attempt=attempt)
    client.force_login(worker)

    response = client.get(centre.url)
    html = response.content.decode()

    assert response.status_code == 200
    exams = html[html.index('id="exams"') : html.index('id="category-quizzes"')]
    assert exams.index(annual_exam.title) < exams.index(upcoming.title)
    assert "进行中" in exams and "未开始" in exams
    opens = timezone.localtime(annual_exam.opens_at)
    assert f"{opens:%Y-%m-%d %H:%M}" in exams
    quizzes = html[html.index('id="category-quizzes"') :]
    assert category_test.title in quizzes
    assert "已通过" in quizzes and "最好成绩 100 分" in quizzes
    assert "剩余 2 次（共 3 次）" in quizzes
    assert past.title in html[html.index('id="past-exams"') :]


def test_the_centre_costs_the_same_queries_with_more_quizzes(
    client, manual, annual_exam, category_test, worker
):
    client.force_login(worker)
    url = annual_exam.get_parent().url
    _queries(client, url)
    few = _queries(client, url)
    attempt_submit(attempt=attempt_start(user=worker, quiz=category_test))
    more = CategoryQuizPage(title="再一个测验", slug="zai", category=manual["social"])
    more.draw_rules = [DrawRuleRow(count=2)]
    manual["social"].add_child(instance=more)
    more.save_revision().publish()
    _exam(annual_exam.get_parent(), "补充考试", "buchong", 5, 10, manual["social"])

    assert _queries(client, url) == few


def test_manual_pages_link_the_annual_exam_and_the_centre(
    client, manual, annual_exam, worker
):
    client.force_login(worker)
    for page in (manual["root"], manual["social"]):
        html = client.get(page.url).content.decode()
        assert f'href="{annual_exam.url}"' in html
        assert f'href="{annual_exam.get_parent().url}"' in html


def test_the_annual_exam_has_a_stable_address(client, manual, annual_exam, worker):
    client.force_login(worker)

    assert client.get(reverse("quizzes:annual_exam"))["Location"] == annual_exam.url
    assert (
        client.get(reverse("quizzes:centre"))["Location"]
        == annual_exam.get_parent().url
    )
    annual_exam.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    annual_exam.save()
    assert client.get(reverse("quizzes:annual_exam"))["Location"] == reverse(
        "quizzes:centre"
    )
