import json

import pytest

from quizzes.models import Attempt
from quizzes.responses import option_id
from tests.browser.conftest import no_horizontal_scroll
from tests.browser.test_manual_on_phone import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_takes_a_quiz_on_a_phone(live_server, phone, practice, worker):
    _log_in(phone, live_server, worker)
    phone.goto(f"{live_server.url}{practice.url}")
    assert no_horizontal_scroll(phone)

    phone.click("[data-start]")
    phone.wait_for_selector("form.quiz")
    assert no_horizontal_scroll(phone)
    attempt = Attempt.objects.get(user=worker)
    judge = next(
        r for r in attempt.questions.all() if r.version.question.qtype == "judge"
    )
    phone.check(f"input[name=q{judge.position}][value=false]")
    phone.wait_for_function(
        "document.querySelector('[data-save-status]').textContent.includes('已自动保存')"
    )
    judge.refresh_from_db()
    assert judge.response is False

    phone.reload()
    assert phone.is_checked(f"input[name=q{judge.position}][value=false]")
    phone.click("[data-submit]")
    assert "还有 4 题未作答（共 5 题）" in phone.text_content("[data-confirm]")
    attempt.refresh_from_db()
    assert attempt.status == "open"
    phone.click("[data-confirm-yes]")
    phone.wait_for_url("**/result/")
    assert "分" in phone.text_content(".score h1")
    assert no_horizontal_scroll(phone)
    attempt.refresh_from_db()
    assert attempt.status == "submitted"


def _row(attempt, qtype):
    return next(
        r
        for r in attempt.questions.select_related("version__question")
        if r.version.question.qtype == qtype
    )


def _status(phone) -> str:
    return phone.text_content("[data-save-status]")


def test_a_failed_autosave_shows_and_retries_until_saved(
    live_server, phone, practice, worker
):
    _log_in(phone, live_server, worker)
    phone.goto(f"{live_server.url}{practice.url}")
    phone.click("[data-start]")
    phone.wait_for_selector("form.quiz")
    attempt = Attempt.objects.get(user=worker)
    judge, single = _row(attempt, "judge"), _row(attempt, "single")
    failing = {"on": True, "refused": 0}

    def answer_endpoint(route):
        body = json.loads(route.request.post_data)
        if failing["on"] and int(body["position"]) == judge.position:
            failing["refused"] += 1
            if failing["refused"] % 2:
                route.fulfill(status=500, body="Server Error")
            else:
                route.abort("connectionreset")
            return
        route.continue_()

    phone.route("**/answer/", answer_endpoint)
    judge_box = f"fieldset[data-position='{judge.position}']"
    phone.check(f"input[name=q{judge.position}][value=false]")
    phone.wait_for_selector(f"{judge_box}.save-failed")
    assert "未保存" in phone.text_content(f"{judge_box} [data-question-status]")
    phone.check(f"input[name=q{judge.position}][value=true]")

    first_option = option_id(attempt.token, single.position, single.option_order[0])
    phone.check(f"input[name=q{single.position}][value={first_option}]")
    single_box = f"fieldset[data-position='{single.position}']"
    phone.wait_for_function(
        f'document.querySelector("{single_box} [data-question-status]")'
        ".textContent === '已保存'"
    )
    assert "有 1 题答案尚未保存" in _status(phone)
    judge.refresh_from_db()
    assert judge.response is None

    failing["on"] = False
    phone.wait_for_function(
        "document.querySelector('[data-save-status]').textContent === '已自动保存'",
        timeout=60_000,
    )
    assert not phone.is_visible(f"{judge_box}.save-failed")
    assert failing["refused"] >= 2
    judge.refresh_from_db()
    assert judge.response is True


def test_the_quiz_centre_fits_a_phone(live_server, phone, annual_exam, worker):
    _log_in(phone, live_server, worker)
    phone.goto(f"{live_server.url}{annual_exam.get_parent().url}")

    assert annual_exam.title in phone.text_content("#exams")
    assert no_horizontal_scroll(phone)
    phone.click(f"#exams a.button[href='{annual_exam.url}']")
    phone.wait_for_selector("[data-start]")


def test_two_steps_never_share_a_rank(live_server, phone, practice, worker):
    """Picking a rank another step holds swaps them, so the page shows exactly
    the order that is saved, and shows it again after a reload."""
    _log_in(phone, live_server, worker)
    phone.goto(f"{live_server.url}{practice.url}")
    phone.click("[data-start]")
    phone.wait_for_selector("form.quiz")
    attempt = Attempt.objects.get(user=worker)
    ordering = _row(attempt, "ordering")
    first, second = (
        f"select[name=q{ordering.position}_rank_"
        f"{option_id(attempt.token, ordering.position, k)}]"
        for k in "s1 s2".split()
    )

    phone.select_option(first, "1")
    phone.select_option(second, "2")
    phone.select_option(second, "1")

    assert phone.input_value(first) == "2"
    for _ in range(100):
        ordering.refresh_from_db()
        if ordering.response == ["s2", "s1"]:
            break
        phone.wait_for_timeout(100)
    assert ordering.response == ["s2", "s1"]
    phone.reload()
    assert (phone.input_value(first), phone.input_value(second)) == ("2", "1")
