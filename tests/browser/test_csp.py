"""The pages work under their own Content-Security-Policy: studying, taking a
quiz and the admin run no script or style the policy refuses."""

import pytest

from tests.browser.test_manual_on_phone import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_learner_and_admin_pages_break_no_rule_of_their_policy(
    browser, live_server, manual, practice, worker, trainer
):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda m: (
            refused.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    try:
        _log_in(page, live_server, worker)
        page.goto(f"{live_server.url}/")
        page.goto(f"{live_server.url}{manual['dibao'].url}")
        page.goto(f"{live_server.url}{practice.url}")
        page.click("[data-start]")
        page.wait_for_selector("form.quiz")
        page.check("fieldset[data-qtype=judge] input[value=false]")
        page.wait_for_selector("text=已自动保存", timeout=15_000)
        page.context.clear_cookies()
        _log_in(page, live_server, trainer)
        page.goto(f"{live_server.url}/admin/")
        page.goto(f"{live_server.url}/admin/pages/{manual['dibao'].pk}/edit/")
        page.wait_for_selector("form#page-edit-form")
    finally:
        context.close()

    assert refused == []
