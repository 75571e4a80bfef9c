"""Hand-edited or truncated links never end in a server error: a filter the page
cannot use is named in Chinese as the user sees it (年度, 范围, 周期 …)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
GARBAGE = ["abc", "-1", "0", "1e5", "99999999999999999999", "", " ", "%00", "a/b"]

# Every view that reads the query string, who may open it, and what it reads.
VIEWS = [
    ("worker", "/points/", ["year"]),
    ("anonymous", "/verify/", ["serial"]),
    ("worker", "/search/", ["q"]),
    (
        "street_manager",
        "/admin/rankings/",
        ["unit", "view", "kind", "year", "number", "role", "p", "format"],
    ),
    ("street_manager", "/admin/staff/", ["org_unit", "is_active", "p", "ordering"]),
    ("street_manager", "/admin/staff/export/", ["format"]),
    ("street_manager", "/admin/staff/import/template/", ["format"]),
    (
        "street_manager",
        "/admin/questions/",
        ["category", "item", "qtype", "difficulty", "status", "p"],
    ),
    ("street_manager", "/admin/questions/export/", ["format"]),
    ("street_manager", "/admin/questions/template/", ["format"]),
    ("street_manager", "/admin/ledger/", ["year", "month", "rule_code", "kind", "p"]),
    ("street_manager", "/admin/adjustments/", ["status", "p"]),
    ("street_manager", "/admin/certificates/", ["kind", "subject", "p"]),
    ("street_manager", "/admin/manual-publications/", ["kind", "p"]),
]


def _login(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))


@pytest.mark.parametrize(("who", "url", "params"), VIEWS)
def test_garbage_in_the_query_string_never_gives_a_server_error(
    client, request, manual, who, url, params
):
    _login(client, request, who)
    assert client.get(url).status_code == 200
    client.raise_request_exception = False
    failures = []
    for param in params:
        for value in GARBAGE:
            response = client.get(url, {param: value})
            if response.status_code >= 500:
                failures.append((param, value, response.status_code))
            elif response["Content-Type"].startswith("text/html") and (
                response.content and not CHINESE.search(response.content.decode())
            ):
                failures.append((param, value, "no Chinese on the page"))

    assert not failures, (url, failures)


NEXT_YEAR = str(timezone.localdate().year + 1)


@pytest.mark.parametrize(
    ("who", "url", "param", "value", "label"),
    [
        ("worker", "/points/", "year", "abc", "年度"),
        ("worker", "/points/", "year", "-1", "年度"),
        ("worker", "/points/", "year", "99999999999999999999", "年度"),
        ("worker", "/points/", "year", NEXT_YEAR, "年度"),
        ("anonymous", "/verify/", "serial", "a/b", "证书编号"),
        ("anonymous", "/verify/", "serial", "--", "证书编号"),
        ("anonymous", "/verify/", "serial", "x" * 50, "证书编号"),
        ("street_manager", "/admin/rankings/", "unit", "abc", "范围"),
        ("street_manager", "/admin/rankings/", "unit", "-1", "范围"),
        ("street_manager", "/admin/rankings/", "unit", "", "范围"),
        ("street_manager", "/admin/rankings/", "unit", "9" * 20, "范围"),
        ("street_manager", "/admin/rankings/", "view", "zzz", "排名对象"),
        ("street_manager", "/admin/rankings/", "kind", "week", "周期"),
        ("street_manager", "/admin/rankings/", "kind", "", "周期"),
        ("street_manager", "/admin/rankings/", "year", "abc", "年度"),
        ("street_manager", "/admin/rankings/", "year", "-1", "年度"),
        ("street_manager", "/admin/rankings/", "year", "9" * 20, "年度"),
        ("street_manager", "/admin/rankings/", "number", "13", "月/季度"),
        ("street_manager", "/admin/rankings/", "role", "队长", "岗位角色"),
    ],
)
def test_a_bad_filter_is_refused_naming_the_field_as_the_user_sees_it(
    client, request, org, who, url, param, value, label
):
    _login(client, request, who)

    response = client.get(url, {param: value})

    assert response.status_code == 400
    html = response.content.decode()
    assert f"{label}：" in html
    assert f"<li>{param}" not in html  # Django's default list names the field


@pytest.mark.parametrize(
    ("param", "value"), [("item", "99999999999999999999"), ("category", "abc")]
)
def test_a_bad_question_bank_filter_is_shown_on_the_filter(
    client, manual, street_manager, param, value
):
    client.force_login(street_manager)

    response = client.get(reverse("questions:index"), {param: value})

    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index(f'data-contentpath="{param}"') :]
    assert "选择一个有效的选项" in field[:1000]  # the error sits on its field


def test_a_serial_that_cannot_exist_in_the_address_is_not_found(client, db):
    response = client.get("/verify/%20/")

    assert response.status_code == 404
    assert "请核对证书上的编号" in response.content.decode()


def test_the_workers_page_still_opens_a_past_year(client, worker):
    client.force_login(worker)
    year = timezone.localdate().year - 1

    response = client.get(reverse("points:mine"), {"year": year})

    assert response.status_code == 200
    assert f"{year} 年积分" in response.content.decode()
