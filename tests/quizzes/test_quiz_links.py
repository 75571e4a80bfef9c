"""Workers find the quizzes where they study: item, category, result, 错题本."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quizzes.models import Attempt, PracticeQuizPage
from quizzes.services import attempt_start, attempt_submit


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _practice_on(item, slug="lianxi"):
    quiz = PracticeQuizPage(
        title=f"{item.title}练习", slug=slug, item=item, question_count=3
    )
    item.add_child(instance=quiz)
    quiz.save_revision().publish()
    return quiz


def test_the_item_page_links_its_practice_quiz(client, manual, practice, worker):
    client.force_login(worker)
    html = client.get(manual["dibao"].url).content.decode()
    assert f'href="{practice.url}"' in html
    assert "随学随练" in html


def test_the_category_page_links_practice_and_category_quizzes(
    client, manual, practice, category_test, worker
):
    client.force_login(worker)
    html = client.get(manual["social"].url).content.decode()
    assert f'href="{practice.url}"' in html
    assert f'href="{category_test.url}"' in html


def test_the_category_page_costs_the_same_queries_with_more_practice_quizzes(
    client, manual, practice, worker
):
    client.force_login(worker)
    url = manual["social"].url
    _queries(client, url)
    one = _queries(client, url)
    _practice_on(manual["youhui"])
    assert _queries(client, url) == one


def test_a_practice_result_offers_to_practise_again(client, practice, worker):
    attempt = attempt_submit(attempt=attempt_start(user=worker, quiz=practice))
    client.force_login(worker)

    html = client.get(reverse("quizzes:result", args=[attempt.token])).content.decode()

    assert "再练一次" in html
    assert f'action="{practice.url}"' in html
    client.post(practice.url)
    assert Attempt.objects.filter(user=worker, quiz=practice).count() == 2


def test_a_category_result_offers_a_retake_only_when_one_is_allowed_now(
    client, category_test, worker
):
    attempt = attempt_submit(attempt=attempt_start(user=worker, quiz=category_test))
    client.force_login(worker)
    url = reverse("quizzes:result", args=[attempt.token])

    cooling = client.get(url).content.decode()
    category_test.min_minutes_between = 0
    category_test.save()
    ready = client.get(url).content.decode()

    assert "再测一次" not in cooling and "请于" in cooling
    assert "再测一次" in ready


def test_the_wrong_book_costs_the_same_queries_with_more_entries(
    client, manual, bank, practice, worker
):
    _practice_on(manual["youhui"])
    attempt_submit(attempt=attempt_start(user=worker, quiz=practice))
    client.force_login(worker)
    url = reverse("quizzes:wrong_book")
    _queries(client, url)
    few = _queries(client, url)
    youhui = PracticeQuizPage.objects.get(item=manual["youhui"])
    attempt_submit(attempt=attempt_start(user=worker, quiz=youhui))

    html = client.get(url).content.decode()
    assert _queries(client, url) == few
    assert f'href="{youhui.url}"' in html


def test_a_long_wrong_book_comes_in_pages_at_the_same_cost(
    client, manual, bank, practice, worker
):
    import datetime

    from django.utils import timezone

    from quizzes.models import WrongBookEntry
    from quizzes.services import question_save
    from quizzes.views import WRONG_BOOK_PER_PAGE

    client.force_login(worker)
    url = reverse("quizzes:wrong_book")
    attempt_submit(attempt=attempt_start(user=worker, quiz=practice))
    _queries(client, url)
    few = _queries(client, url)
    assert "data-pager" not in client.get(url).content.decode()

    now = timezone.now()
    for n in range(WRONG_BOOK_PER_PAGE + 5):
        question = question_save(
            question=None,
            item=manual["dibao"],
            qtype="judge",
            stem=f"错题{n:02d}：低保申请须本区户籍。",
            options=[],
            answer=True,
            explanation="见第1条。",
            condition_codes=["c1"],
        )
        WrongBookEntry.objects.create(
            user=worker,
            question=question,
            times_wrong=1,
            last_wrong_at=now + datetime.timedelta(minutes=n),
        )
    total = WrongBookEntry.objects.filter(user=worker).count()

    assert _queries(client, url) == few
    first = client.get(url).content.decode()
    last = client.get(url + "?p=2").content.decode()
    assert first.count('class="card"') == WRONG_BOOK_PER_PAGE
    assert last.count('class="card"') == total - WRONG_BOOK_PER_PAGE
    assert f"错题{WRONG_BOOK_PER_PAGE + 4:02d}" in first  # newest mistakes first
    assert "错题00" in last and 'rel="prev"' in last


def test_the_quiz_page_lists_the_last_ten_attempts_and_counts_the_rest(
    client, practice, worker
):
    for _ in range(12):
        attempt_submit(attempt=attempt_start(user=worker, quiz=practice))
    client.force_login(worker)

    html = client.get(practice.url).content.decode()

    assert "第 12 次" in html and "第 3 次" in html
    assert "第 2 次" not in html
    assert "只列出最近 10 次，共作答 12 次。" in html
