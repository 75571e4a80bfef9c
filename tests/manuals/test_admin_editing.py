"""Trainers edit in the Wagtail admin; publishing goes through moderation."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from learning.roles import APPROVER_GROUP, MANUAL_ADMIN_GROUP, Role
from manuals.models import ItemPublication, ServiceItemPage
from tests.factories import StaffFactory


def _form(page_fields, conditions, materials=(), existing=0):
    data = {
        "title": "残疾人证办理",
        "slug": "canjiren-zheng",
        "item_code": "T-10",
        "portal_code": "",
        "official_name": "",
        "keywords": "残疾证",
        "legal_nature": "行政确认",
        "handling_type": "referred",
        "accepted_at": "community",
        "decided_at": "district",
        "applicant": "本地户籍的残疾人",
        "promised_days": "20",
        "legal_days": "",
        "time_limit_unit": "workday",
        "time_limit_note": "",
        "is_free": "on",
        "fee_note": "",
        "location": "",
        "phone": "",
        "notes": rich_text(""),
        "change_kind": "",
        "change_note": "",
        "study_seconds": "",
        "seo_title": "",
        "search_description": "",
        "conditions": inline_formset(list(conditions), initial=existing),
        "materials": inline_formset(list(materials)),
        "steps": inline_formset([]),
        "legal_bases": inline_formset([]),
        "faqs": inline_formset([]),
        "comments": inline_formset([]),
    }
    data.update(page_fields)
    return nested_form_data(data)


def _condition(text, pk=None, order=0, delete=False):
    row = {
        "text": text,
        "kind": "required",
        "parameter": "",
        "active": "on",
        "ORDER": str(order),
    }
    if pk:
        row["id"] = str(pk)
    if delete:
        row["DELETE"] = "on"
    return row


@pytest.fixture
def approver(org):
    user = StaffFactory(org_unit=org["拱宸桥街道"], role=Role.TRAINER)
    user.groups.add(Group.objects.get(name=APPROVER_GROUP))
    return user


@pytest.fixture
def publisher(org):
    """A 手册管理员, who publishes without review."""
    user = StaffFactory(org_unit=org["拱宸桥街道"], role=Role.TRAINER)
    user.groups.add(Group.objects.get(name=MANUAL_ADMIN_GROUP))
    return user


def _create(client, manual, **extra):
    url = reverse(
        "wagtailadmin_pages:add",
        args=["manuals", "serviceitempage", manual["social"].pk],
    )
    return client.post(
        url,
        _form(
            {"action-submit": "submit", **extra},
            [_condition("本地户籍。"), _condition("经评定为一至四级残疾。", order=1)],
        ),
    )


def test_trainer_creates_and_submits_an_item_which_stays_unpublished(
    client, manual, trainer
):
    client.force_login(trainer)

    response = _create(client, manual)

    assert response.status_code == 302, response.content.decode()[:2000]
    page = ServiceItemPage.objects.get(item_code="T-10")
    assert not page.live
    assert WorkflowState.objects.filter(base_content_type__isnull=False).exists()
    draft = page.get_latest_revision_as_object()
    assert [c.code for c in draft.conditions.all()] == ["c1", "c2"]


def test_trainer_cannot_publish_directly(client, manual, trainer):
    client.force_login(trainer)
    _create(client, manual, **{"action-publish": "publish"})
    page = ServiceItemPage.objects.filter(item_code="T-10").first()
    assert page is None or not page.live


def test_approver_publishes_what_the_trainer_submitted(
    client, manual, trainer, approver
):
    client.force_login(trainer)
    _create(client, manual)
    page = ServiceItemPage.objects.get(item_code="T-10")
    state = WorkflowState.objects.get(object_id=str(page.pk))
    client.force_login(approver)

    response = client.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[page.pk, "approve", state.current_task_state.pk],
        ),
        {"comment": ""},
    )

    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert ItemPublication.objects.filter(page=page, kind="first").exists()


def _approve(client, page):
    state = WorkflowState.objects.get(object_id=str(page.pk), status="in_progress")
    return client.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[page.pk, "approve", state.current_task_state.pk],
        ),
        {"comment": ""},
    )


def test_a_manager_cannot_approve_or_publish(client, manual, trainer, centre_manager):
    client.force_login(trainer)
    _create(client, manual)
    page = ServiceItemPage.objects.get(item_code="T-10")
    client.force_login(centre_manager)

    response = _approve(client, page)
    client.post(
        reverse("wagtailadmin_pages:edit", args=[manual["dibao"].pk]),
        _form({"action-publish": "publish", "title": "被改了"}, []),
    )

    assert response.status_code == 302 and response["Location"] == "/admin/"
    page.refresh_from_db()
    assert not page.live
    manual["dibao"].refresh_from_db()
    assert manual["dibao"].title == "最低生活保障申请"


def test_a_senior_trainer_cannot_approve_his_own_submission(
    client, manual, approver, org
):
    client.force_login(approver)
    _create(client, manual)
    page = ServiceItemPage.objects.get(item_code="T-10")

    own = _approve(client, page)
    page.refresh_from_db()
    assert own["Location"] == "/admin/" and not page.live
    assert client.get(reverse("wagtailadmin_home")).status_code == 200

    colleague = StaffFactory(org_unit=org["拱宸桥街道"], role=Role.TRAINER)
    colleague.groups.add(Group.objects.get(name=APPROVER_GROUP))
    client.force_login(colleague)
    _approve(client, page)
    page.refresh_from_db()
    assert page.live


def test_a_senior_trainer_cannot_publish_his_own_edit_directly(
    client, manual, approver
):
    client.force_login(approver)
    item = manual["dibao"]
    client.post(
        reverse("wagtailadmin_pages:edit", args=[item.pk]),
        _form({"action-publish": "publish", "title": "自己改自己发"}, []),
    )
    item.refresh_from_db()
    assert item.title == "最低生活保障申请"


def test_worker_cannot_open_or_post_the_page_editor(client, manual, worker):
    page = manual["dibao"]
    client.force_login(worker)

    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    post = client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        _form({"action-publish": "publish", "title": "被改了"}, []),
    )

    assert edit.status_code == 302 and "/admin/login/" in edit["Location"]
    assert post.status_code == 302
    page.refresh_from_db()
    assert page.title == "最低生活保障申请"


def test_reordering_and_editing_conditions_in_the_admin_keeps_their_codes(
    client, manual, publisher
):
    page = manual["dibao"]
    c1, c2, c3 = page.conditions.all()
    client.force_login(publisher)

    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        _form(
            {
                "title": page.title,
                "slug": page.slug,
                "item_code": page.item_code,
                "action-publish": "publish",
                "change_kind": "material",
            },
            [
                _condition(c3.text, pk=c3.pk, order=0),
                _condition("家庭成员户籍均在本区且实际居住。", pk=c1.pk, order=1),
                _condition(c2.text, pk=c2.pk, order=2, delete=True),
                _condition("如实申报家庭经济状况。", order=3),
            ],
            existing=3,
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    page = ServiceItemPage.objects.get(pk=page.pk)
    rows = [(c.code, c.text) for c in page.conditions.all()]
    assert rows == [
        ("c3", c3.text),
        ("c1", "家庭成员户籍均在本区且实际居住。"),
        ("c4", "如实申报家庭经济状况。"),
    ]
    assert page.condition_number("c1") == 2


def test_a_deleted_code_is_never_given_to_a_new_condition(client, manual, publisher):
    page = manual["dibao"]
    c1, c2, c3 = page.conditions.all()
    client.force_login(publisher)
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    base = {
        "title": page.title,
        "slug": page.slug,
        "item_code": page.item_code,
        "action-publish": "publish",
    }

    client.post(
        edit_url,
        _form(
            base,
            [
                _condition(c1.text, pk=c1.pk),
                _condition(c2.text, pk=c2.pk, order=1),
                _condition(c3.text, pk=c3.pk, order=2, delete=True),
            ],
            existing=3,
        ),
    )
    client.post(
        edit_url,
        _form(
            base,
            [
                _condition(c1.text, pk=c1.pk),
                _condition(c2.text, pk=c2.pk, order=1),
                _condition("新增的条件。", order=2),
            ],
            existing=2,
        ),
    )

    page = ServiceItemPage.objects.get(pk=page.pk)
    assert [c.code for c in page.conditions.all()] == ["c1", "c2", "c4"]


def test_condition_anchor_link_survives_reordering(client, manual, publisher, worker):
    page = manual["dibao"]
    c1, c2, c3 = page.conditions.all()
    client.force_login(publisher)
    client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        _form(
            {
                "title": page.title,
                "slug": page.slug,
                "item_code": page.item_code,
                "action-publish": "publish",
            },
            [
                _condition(c3.text, pk=c3.pk),
                _condition(c1.text, pk=c1.pk, order=1),
                _condition(c2.text, pk=c2.pk, order=2),
            ],
            existing=3,
        ),
    )
    client.force_login(worker)

    html = client.get(page.url).content.decode()

    start = html.index('id="cond-c3"')
    assert "第1条" in html[start : start + 300]
    assert c3.text in html[start : start + 500]


def test_a_manager_reads_the_manual_on_the_site_but_cannot_edit_it(
    client, manual, centre_manager
):
    page = manual["dibao"]
    client.force_login(centre_manager)

    reading = client.get(page.url)
    edit = client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        _form({"action-publish": "publish", "title": "管理者改的"}, []),
    )

    assert reading.status_code == 200
    assert edit.status_code in (302, 403)
    page.refresh_from_db()
    assert page.title == "最低生活保障申请"
