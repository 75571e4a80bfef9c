"""Chinese search over the demo catalogue, on whichever database the suite runs.

It searches the seeded demo this package shares, built once per test run."""

import pytest
from django.urls import reverse

from manuals.demo.catalogue import ITEMS
from manuals.models import ManualIndexPage
from manuals.selectors import manual_search

EXPECTED_FIRST = {
    "低保": "SH-01",
    "残疾人 补贴": "SH-04",
    "居住证 材料": "BM-04",
    # appears only inside one condition of SH-08
    "服刑": "SH-08",
    # only in the residents' words of CG-02
    "狗证": "CG-02",
}


@pytest.fixture
def catalogue(demo, db):
    """The seeded demo's manual: every item of the catalogue, indexed in bulk as
    `make demo` indexes it."""
    return ManualIndexPage.objects.get()


def test_each_query_finds_the_right_item_first(catalogue):
    found = {
        query: [hit.page.item_code for hit in manual_search(query=query)]
        for query in EXPECTED_FIRST
    }
    wrong = {
        q: found[q][:3] for q, code in EXPECTED_FIRST.items() if found[q][:1] != [code]
    }
    assert not wrong, f"期望首位：{EXPECTED_FIRST}，实际：{wrong}"


def test_the_condition_word_really_is_only_in_a_condition(catalogue):
    sh08 = next(i for i in ITEMS if i["code"] == "SH-08")
    elsewhere = [
        i["code"] for i in ITEMS if i["code"] != "SH-08" and "服刑" in str(i)
    ] + [
        field
        for field in ("title", "keywords", "faq", "notes", "materials")
        if "服刑" in str(sh08[field])
    ]
    assert not elsewhere
    assert any("服刑" in c["text"] for c in sh08["conditions"])


def test_results_show_category_and_highlight_the_matching_condition(
    client, catalogue, worker
):
    client.force_login(worker)

    html = client.get(reverse("manuals:search"), {"q": "服刑"}).content.decode()

    sh08 = next(i for i in ITEMS if i["code"] == "SH-08")
    number = next(n for n, c in enumerate(sh08["conditions"], 1) if "服刑" in c["text"])
    assert "<mark>服刑</mark>" in html
    assert f"#cond-c{number}" in html and f"条件{number}" in html
    assert "社会事务类" in html
    assert sh08["title"] in html


def test_no_match_says_so_in_chinese(client, catalogue, worker):
    client.force_login(worker)
    html = client.get(reverse("manuals:search"), {"q": "火箭发射"}).content.decode()
    assert "没有找到相关事项" in html


def test_unpublished_items_are_not_found_by_learners(catalogue):
    from manuals.models import ServiceItemPage

    page = ServiceItemPage.objects.get(item_code="SH-08")
    page.unpublish()
    assert "SH-08" not in [h.page.item_code for h in manual_search(query="服刑")]


def test_admin_page_search_understands_chinese_too(
    client, catalogue, trainer, template_context
):
    from manuals.services import manual_workflow_ensure

    manual_workflow_ensure(root=catalogue)
    client.force_login(trainer)

    response = client.get(reverse("wagtailadmin_pages:search"), {"q": "低保"})

    titles = [
        p.specific.item_code
        for p in response.context["pages"]
        if hasattr(p.specific, "item_code")
    ]
    assert titles[:1] == ["SH-01"]
