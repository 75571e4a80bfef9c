"""Errors end on a Chinese page in the site's style with a way back, never on
Django's English pages or a traceback."""

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from learning.roles import Role

pytestmark = pytest.mark.django_db


def _is_chinese_error_page(response, code: str) -> str:
    html = response.content.decode()
    assert f'data-error="{code}"' in html
    assert '<html lang="zh-Hans">' in html
    assert "回到首页" in html and "返回上一页" in html
    for english in ("Not Found", "Server Error", "Forbidden", "Traceback"):
        assert english not in html
    return html


def test_an_unknown_address_gives_the_chinese_404(client, worker):
    client.force_login(worker)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = _is_chinese_error_page(response, "404")
    assert "找不到这个页面" in html
    assert "退出" in html  # the site's own header, as the user is logged in


def test_an_unknown_manual_page_gives_the_chinese_404(client, manual, worker):
    client.force_login(worker)

    response = client.get("/manual/shehui/no-such-item/")

    assert response.status_code == 404
    _is_chinese_error_page(response, "404")


@pytest.mark.urls("tests.learning.error_urls")
def test_a_failing_view_gives_the_chinese_500(client, worker):
    client.raise_request_exception = False
    client.force_login(worker)

    response = client.get("/test-broken/")

    assert response.status_code == 500
    html = _is_chinese_error_page(response, "500")
    assert "系统出错了" in html


def test_the_500_page_renders_while_the_database_is_down(client, worker):
    client.raise_request_exception = False
    client.force_login(worker)

    def refuse(execute, sql, params, many, context):
        raise OperationalError("database is down")

    with connection.execute_wrapper(refuse):
        response = client.get(reverse("home"))

    assert response.status_code == 500
    assert "系统出错了" in _is_chinese_error_page(response, "500")


@pytest.mark.urls("tests.learning.error_urls")
def test_a_refusal_gives_the_chinese_403_without_the_english_reason(client, worker):
    client.force_login(worker)

    response = client.get("/test-forbidden/")

    assert response.status_code == 403
    html = _is_chinese_error_page(response, "403")
    assert "您没有权限查看此页面" in html
    assert "Only for managers" not in html


def test_a_page_private_to_other_groups_gives_the_chinese_403(client, manual, worker):
    restriction = PageViewRestriction.objects.create(
        page=manual["dibao"], restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name=Role.TRAINER.label))
    client.force_login(worker)

    response = client.get(manual["dibao"].url)

    assert response.status_code == 403
    _is_chinese_error_page(response, "403")


def test_a_page_private_to_ones_own_group_still_opens(client, manual, trainer):
    restriction = PageViewRestriction.objects.create(
        page=manual["dibao"], restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name=Role.TRAINER.label))
    client.force_login(trainer)

    response = client.get(manual["dibao"].url)

    assert response.status_code == 200
    assert manual["dibao"].title in response.content.decode()


def test_a_form_sent_without_its_security_token_gives_the_chinese_403(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "x", "password": "y"})

    assert response.status_code == 403
    html = _is_chinese_error_page(response, "403-csrf")
    assert "页面已过期" in html
    assert "CSRF" not in html
