import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from manuals.models import ServiceItemPage, StudyRecord
from tests.browser.conftest import no_horizontal_scroll

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _log_in(page, live_server, user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "learning.auth.StaffLoginBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )


def test_item_page_fits_a_phone_and_condition_links_land(
    live_server, phone, manual, worker
):
    _log_in(phone, live_server, worker)
    item = manual["dibao"]

    phone.goto(f"{live_server.url}{item.url}#cond-c3")

    assert no_horizontal_scroll(phone)
    target = phone.locator("#cond-c3")
    assert "家庭财产符合当地规定" in target.text_content()
    assert phone.evaluate("document.querySelector(':target').id") == "cond-c3"
    box = target.bounding_box()
    assert 0 <= box["y"] < 740


def test_worker_completes_a_study_on_a_phone(live_server, phone, manual, worker):
    item = manual["youhui"]
    ServiceItemPage.objects.filter(pk=item.pk).update(study_seconds=3)
    _log_in(phone, live_server, worker)

    phone.goto(f"{live_server.url}{item.url}")
    button = phone.locator("[data-finish]")
    assert button.is_disabled()
    phone.locator("#study-end").scroll_into_view_if_needed()
    button.wait_for(state="visible")
    phone.wait_for_function(
        "!document.querySelector('[data-finish]').disabled", timeout=15000
    )
    button.click()

    phone.wait_for_selector("#study-panel.done", timeout=10000)
    assert "已记录学习：本事项 +1 积分" in phone.text_content(".study-message")
    assert StudyRecord.objects.filter(user=worker, page=item).count() == 1
    assert no_horizontal_scroll(phone)


BRAND_RED = "rgb(179, 38, 30)"


def _finish_button_looks(phone) -> dict:
    return phone.evaluate(
        """() => {
          const b = document.querySelector('[data-finish]');
          const style = getComputedStyle(b);
          return {
            disabled: b.disabled,
            aria: b.getAttribute('aria-disabled'),
            background: style.backgroundColor,
            cursor: style.cursor,
          };
        }"""
    )


def test_finish_button_looks_disabled_until_the_server_allows_it(
    live_server, phone, manual, worker
):
    item = manual["youhui"]
    ServiceItemPage.objects.filter(pk=item.pk).update(study_seconds=3)
    _log_in(phone, live_server, worker)

    phone.goto(f"{live_server.url}{item.url}")
    before = _finish_button_looks(phone)
    phone.locator("#study-end").scroll_into_view_if_needed()
    phone.wait_for_function(
        "!document.querySelector('[data-finish]').disabled", timeout=15000
    )
    after = _finish_button_looks(phone)

    assert before["disabled"] and before["aria"] == "true"
    assert before["cursor"] == "not-allowed"
    assert before["background"] != BRAND_RED
    assert after["aria"] == "false" and after["background"] == BRAND_RED


def test_an_early_refusal_is_cleared_once_the_page_is_ready(
    live_server, phone, manual, worker
):
    item = manual["youhui"]
    ServiceItemPage.objects.filter(pk=item.pk).update(study_seconds=4)
    _log_in(phone, live_server, worker)
    phone.goto(f"{live_server.url}{item.url}")
    phone.wait_for_function(
        "document.querySelector('.study-status').textContent.includes('还需阅读约')"
    )

    # A tap that the page let through too early (a slow phone, a stale estimate).
    phone.evaluate(
        "const b = document.querySelector('[data-finish]');"
        " b.disabled = false; b.click();"
    )
    phone.wait_for_function(
        "document.querySelector('.study-message').textContent.includes('还需约')"
    )
    phone.locator("#study-end").scroll_into_view_if_needed()
    phone.wait_for_function(
        "!document.querySelector('[data-finish]').disabled", timeout=15000
    )

    assert phone.text_content(".study-status") == "可以完成学习了"
    assert "还需约" not in phone.text_content(".study-message")


def test_manual_home_and_search_fit_a_phone(live_server, phone, manual, worker):
    _log_in(phone, live_server, worker)
    phone.goto(f"{live_server.url}/")
    assert no_horizontal_scroll(phone)
    phone.fill("input[name=q]", "低保")
    phone.press("input[name=q]", "Enter")
    phone.wait_for_url("**/search/?q=*")
    assert "最低生活保障申请" in phone.text_content("body")
    assert no_horizontal_scroll(phone)
