"""What a visitor sees before logging in: the manual as it is, and an icon."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from manuals.services import item_create
from tests.manuals.fixtures import YOUHUI


def test_landing_counts_the_live_items_that_are_not_cancelled(client, manual):
    item_create(
        category=manual["family"],
        data={
            **YOUHUI,
            "code": "T-03",
            "title": "已停办事项",
            "slug": "t-03",
            "discontinued": True,
        },
    )
    item_create(
        category=manual["family"],
        data={**YOUHUI, "code": "T-04", "title": "未发布事项", "slug": "t-04"},
        publish=False,
    )

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()

    assert "1 类 2 项服务事项" in html
    assert "98" not in html
    assert len(queries) <= 2


def test_favicon_is_linked_and_answers_at_the_usual_address(client, db):
    html = client.get("/").content.decode()
    icon = client.get("/favicon.ico", follow=True)

    assert '<link rel="icon" href="/static/learning/favicon.svg"' in html
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)
