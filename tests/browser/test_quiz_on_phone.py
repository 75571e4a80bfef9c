import pytest

from quizzes.models import Attempt
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
    phone.wait_for_url("**/result/")
    assert "分" in phone.text_content(".score h1")
    assert no_horizontal_scroll(phone)
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
