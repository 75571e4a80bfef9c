import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Attempt
from quizzes.responses import option_id
from quizzes.services import attempt_start, attempt_submit
from tests.factories import StaffFactory


def _start(client, quiz):
    response = client.post(quiz.url)
    assert response.status_code == 302
    return Attempt.objects.get(token=response["Location"].split("/")[-2])


def test_worker_starts_and_resumes_in_the_stored_order(client, practice, worker):
    client.force_login(worker)
    attempt = _start(client, practice)

    first = client.get(
        reverse("quizzes:attempt", args=[attempt.token])
    ).content.decode()
    client.post(practice.url)  # tapping 开始 again resumes
    again = client.get(
        reverse("quizzes:attempt", args=[attempt.token])
    ).content.decode()

    def seen(html):
        """Question stems and option keys in the order the page shows them."""
        return re.findall(r'<legend>.*?</legend>|value="o[0-9a-f]+"', html, re.S)

    stems = [r.version.stem for r in attempt.questions.all()]
    assert [first.index(stem) for stem in stems] == sorted(
        first.index(s) for s in stems
    )
    assert seen(again) == seen(first)
    options = [
        option_id(attempt.token, r.position, key)
        for r in attempt.questions.select_related("version__question")
        if r.version.question.qtype in ("single", "multi")
        for key in r.option_order
    ]
    shown = re.findall(r'value="(o[0-9a-f]+)"', first)
    assert shown == options
    assert Attempt.objects.filter(user=worker).count() == 1


def test_autosaved_answer_is_shown_again_on_resume(client, practice, worker):
    client.force_login(worker)
    attempt = _start(client, practice)
    judge = next(
        r for r in attempt.questions.all() if r.version.question.qtype == "judge"
    )

    saved = client.post(
        reverse("quizzes:answer", args=[attempt.token]),
        json.dumps({"position": judge.position, "response": False}),
        content_type="application/json",
    )
    html = client.get(reverse("quizzes:attempt", args=[attempt.token])).content.decode()

    assert saved.json() == {"ok": True, "stale": False}
    assert f'name="q{judge.position}" value="false" checked' in html


def test_two_submit_requests_yield_one_graded_attempt(client, practice, worker):
    client.force_login(worker)
    attempt = _start(client, practice)
    url = reverse("quizzes:submit", args=[attempt.token])

    client.post(url, {"confirmed": "1"})
    attempt.refresh_from_db()
    graded_at = attempt.submitted_at
    client.post(url, {"confirmed": "1", **{f"q{n}": "A" for n in range(1, 6)}})

    attempt.refresh_from_db()
    assert attempt.submitted_at == graded_at
    assert attempt.percent == 0.0


def test_review_links_land_on_the_condition_tested(client, practice, bank, worker):
    client.force_login(worker)
    attempt = _start(client, practice)
    client.post(reverse("quizzes:submit", args=[attempt.token]), {"confirmed": "1"})

    html = client.get(reverse("quizzes:result", args=[attempt.token])).content.decode()

    item = bank["scenario"].item
    assert f'href="{item.url}#cond-c2"' in html
    assert "查看办理条件第2条" in html
    target = client.get(item.url).content.decode()
    assert 'id="cond-c2"' in target


def test_someone_elses_attempt_is_not_found(client, practice, worker, trainer):
    attempt = attempt_start(user=trainer, quiz=practice)
    client.force_login(worker)
    assert (
        client.get(reverse("quizzes:attempt", args=[attempt.token])).status_code == 404
    )
    assert (
        client.post(reverse("quizzes:submit", args=[attempt.token])).status_code == 404
    )


def test_form_submit_without_javascript_is_graded(client, practice, worker):
    client.force_login(worker)
    attempt = _start(client, practice)
    data = {}
    for row in attempt.questions.select_related("version__question"):
        q = row.version.question
        key = f"q{row.position}"

        def shown(option, row=row):
            return option_id(attempt.token, row.position, option)

        if q.qtype in ("single", "multi"):
            data[key] = [shown(o) for o in row.version.answer]
        elif q.qtype == "judge":
            data[key] = "true" if row.version.answer else "false"
        elif q.qtype == "scenario":
            data[f"{key}_eligible"] = "false"
            data[f"{key}_condition"] = row.version.answer["condition"]
        else:
            for rank, step in enumerate(row.version.answer, start=1):
                data[f"{key}_rank_{shown(step)}"] = str(rank)

    client.post(reverse("quizzes:submit", args=[attempt.token]), data)

    attempt.refresh_from_db()
    assert attempt.percent == 100.0 and attempt.perfect


def test_a_late_autosave_is_acknowledged_as_stale(client, practice, worker):
    client.force_login(worker)
    attempt = _start(client, practice)
    judge = next(
        r for r in attempt.questions.all() if r.version.question.qtype == "judge"
    )
    url = reverse("quizzes:answer", args=[attempt.token])

    def save(response, seq):
        body = {"position": judge.position, "response": response, "seq": seq}
        return client.post(url, json.dumps(body), content_type="application/json")

    newer = save(True, 1_700_000_000_005)
    older = save(False, 1_700_000_000_004)

    assert newer.json() == {"ok": True, "stale": False}
    assert older.json() == {"ok": True, "stale": True}
    judge.refresh_from_db()
    assert judge.response is True
    html = client.get(reverse("quizzes:attempt", args=[attempt.token])).content.decode()
    assert 'data-seq="1700000000005"' in html


def test_an_autosave_after_submitting_says_not_to_retry(client, practice, worker):
    client.force_login(worker)
    attempt = _start(client, practice)
    attempt_submit(attempt=attempt)

    refused = client.post(
        reverse("quizzes:answer", args=[attempt.token]),
        json.dumps({"position": 1, "response": ["A"], "seq": 1}),
        content_type="application/json",
    )

    assert refused.status_code == 409
    assert refused.json()["retry"] is False
    assert "已交卷" in refused.json()["message"]


def test_a_saved_ordering_answer_is_shown_again_on_resume(client, practice, worker):
    client.force_login(worker)
    attempt = _start(client, practice)
    ordering = next(
        r for r in attempt.questions.all() if r.version.question.qtype == "ordering"
    )
    s1, s2 = (option_id(attempt.token, ordering.position, k) for k in ("s1", "s2"))
    client.post(
        reverse("quizzes:answer", args=[attempt.token]),
        json.dumps({"position": ordering.position, "response": [s2, s1]}),
        content_type="application/json",
    )
    ordering.refresh_from_db()
    assert ordering.response == ["s2", "s1"]

    html = client.get(reverse("quizzes:attempt", args=[attempt.token])).content.decode()

    def chosen_rank(step):
        oid = option_id(attempt.token, ordering.position, step)
        select = re.search(
            rf'<select name="q{ordering.position}_rank_{oid}".*?</select>', html, re.S
        ).group(0)
        return re.findall(r'value="(\d)" selected', select)

    assert chosen_rank("s2") == ["1"]
    assert chosen_rank("s1") == ["2"]


def test_one_tap_with_blank_questions_asks_before_handing_in(
    client, manual, bank, worker
):
    from quizzes.models import AnnualExamPage, DrawRuleRow, QuizIndexPage

    centre = QuizIndexPage(title="测验中心", slug="ceyan")
    manual["root"].add_child(instance=centre)
    exam = AnnualExamPage(title="年度考试", slug="kaoshi")
    exam.draw_rules = [DrawRuleRow(category=manual["social"], count=8)]
    centre.add_child(instance=exam)
    client.force_login(worker)
    attempt = _start(client, exam)
    judge = next(
        r for r in attempt.questions.all() if r.version.question.qtype == "judge"
    )
    submit = reverse("quizzes:submit", args=[attempt.token])

    asked = client.post(submit, {f"q{judge.position}": "false"})
    attempt.refresh_from_db()
    page = client.get(asked["Location"]).content.decode()

    assert attempt.status == "open"
    judge.refresh_from_db()
    assert judge.response is False
    assert "还有 7 题未作答（共 8 题）" in page
    assert "这是您最后一次作答机会" in page
    assert 'name="confirmed" value="1"' in page

    client.post(submit, {"confirmed": "1"})
    attempt.refresh_from_db()
    assert attempt.status == "submitted"


def _start_button(html) -> str:
    return re.search(r"<button[^>]*data-start[^>]*>.*?</button>", html, re.S).group(0)


def test_during_the_cool_down_start_is_disabled_until_a_stated_time(
    client, category_test, worker
):
    started = timezone.now()
    attempt_submit(attempt=attempt_start(user=worker, quiz=category_test, now=started))
    client.force_login(worker)

    html = client.get(category_test.url).content.decode()

    ready = timezone.localtime(started + datetime.timedelta(minutes=30))
    # Late in the evening the cool-down ends tomorrow, and the date is named.
    day = (
        ""
        if ready.date() == timezone.localdate(started)
        else f"{ready.month}月{ready.day}日 "
    )
    assert "disabled" in _start_button(html)
    assert f"请于 {day}{ready:%H:%M} 后再试" in html
    assert client.post(category_test.url).status_code == 302
    assert Attempt.objects.filter(user=worker).count() == 1


def test_with_no_attempts_left_or_the_quiz_closed_start_is_disabled(
    client, category_test, worker
):
    category_test.max_attempts = 1
    category_test.min_minutes_between = 0
    category_test.save()
    attempt_submit(attempt=attempt_start(user=worker, quiz=category_test))
    client.force_login(worker)

    used_up = client.get(category_test.url).content.decode()
    category_test.max_attempts = None
    category_test.closes_at = timezone.now() - datetime.timedelta(days=1)
    category_test.save()
    closed = client.get(category_test.url).content.decode()

    assert "disabled" in _start_button(used_up)
    assert "已用完本测验的作答次数" in used_up
    assert "disabled" in _start_button(closed)
    assert "本测验已于" in closed and "截止" in closed


def test_an_open_quiz_with_attempts_left_can_be_started(client, category_test, worker):
    client.force_login(worker)
    html = client.get(category_test.url).content.decode()
    assert "disabled" not in _start_button(html)


def test_the_page_names_no_option_by_its_letter_in_the_bank(client, practice, worker):
    client.force_login(worker)
    attempt = _start(client, practice)

    html = client.get(reverse("quizzes:attempt", args=[attempt.token])).content.decode()

    assert not re.search(r'name="q\d+_rank_(?:s\d|[A-H])"', html)
    assert not re.search(r'name="q\d+" value="[A-H]"', html)
    other = attempt_start(user=StaffFactory(org_unit=worker.org_unit), quiz=practice)
    assert option_id(attempt.token, 1, "A") != option_id(other.token, 1, "A")


@pytest.mark.parametrize(
    "response",
    ["x" * 100_000, ["A"], ["nope"], {"eligible": "yes"}, [1, 2], {"a": 1}, 3],
)
def test_an_autosave_of_the_wrong_shape_is_refused_and_not_stored(
    client, practice, worker, response
):
    client.force_login(worker)
    attempt = _start(client, practice)
    rows = list(attempt.questions.all())

    codes = {
        client.post(
            reverse("quizzes:answer", args=[attempt.token]),
            json.dumps({"position": row.position, "response": response, "seq": 1}),
            content_type="application/json",
        ).status_code
        for row in rows
    }

    assert codes == {400}
    assert not [r for r in attempt.questions.all() if r.response is not None]
