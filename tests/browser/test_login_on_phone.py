import pytest

from tests.browser.conftest import no_horizontal_scroll
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_worker_logs_in_on_a_phone_without_sideways_scrolling(
    live_server, phone, worker
):
    phone.goto(f"{live_server.url}/login/")
    assert no_horizontal_scroll(phone)

    phone.fill("input[name=username]", worker.phone)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")

    phone.wait_for_url(f"{live_server.url}/")
    assert worker.name in phone.text_content("h1")
    assert no_horizontal_scroll(phone)
