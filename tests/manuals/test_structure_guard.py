"""Only a 手册管理员 takes the manual's root or a category offline, moves or
deletes it; pages whose records must stay are never deleted."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from learning.roles import APPROVER_GROUP, MANUAL_ADMIN_GROUP, Role
from manuals.models import ServiceItemPage, StudyRecord
from tests.factories import StaffFactory


@pytest.fixture
def approver(org):
    user = StaffFactory(org_unit=org["拱宸桥街道"], role=Role.TRAINER)
    user.groups.add(Group.objects.get(name=APPROVER_GROUP))
    return user


def _live_pages():
    return Page.objects.live().count()


def test_a_manager_cannot_take_the_manual_offline(client, manual, community_manager):
    live = _live_pages()
    client.force_login(community_manager)
    root = manual["root"]

    unpublish = client.post(
        reverse("wagtailadmin_pages:unpublish", args=[root.pk]),
        {"include_descendants": "on"},
    )
    privacy = client.post(
        reverse("wagtailadmin_pages:set_privacy", args=[root.pk]),
        {"restriction_type": "password", "password": "x"},
    )

    assert unpublish.status_code in (302, 403) and privacy.status_code in (302, 403)
    assert _live_pages() == live
    assert not PageViewRestriction.objects.exists()


def test_a_senior_trainer_cannot_unpublish_delete_or_move_a_category(
    client, manual, approver
):
    live = _live_pages()
    client.force_login(approver)
    category = manual["social"]

    client.post(
        reverse("wagtailadmin_pages:unpublish", args=[category.pk]),
        {"include_descendants": "on"},
    )
    client.post(reverse("wagtailadmin_pages:delete", args=[category.pk]))
    client.post(
        reverse(
            "wagtailadmin_pages:move_confirm", args=[category.pk, manual["family"].pk]
        )
    )
    client.post(
        reverse("wagtail_bulk_action", args=["wagtailcore", "page", "delete"])
        + f"?id={category.pk}&id={manual['dibao'].pk}"
    )

    assert _live_pages() == live
    assert Page.objects.get(pk=category.pk).get_parent().pk == manual["root"].pk
    # Live items cannot be deleted by someone who cannot unpublish them either.
    assert ServiceItemPage.objects.filter(pk=manual["dibao"].pk).exists()


def test_a_manual_admin_may_unpublish_a_category(client, manual, approver):
    approver.groups.add(Group.objects.get(name=MANUAL_ADMIN_GROUP))
    client.force_login(approver)

    client.post(
        reverse("wagtailadmin_pages:unpublish", args=[manual["family"].pk]),
        {"include_descendants": "on"},
    )

    assert not Page.objects.get(pk=manual["family"].pk).live


def test_deleting_an_item_with_study_records_is_refused_in_chinese(
    client, manual, worker, org
):
    admin_user = StaffFactory(org_unit=org["拱墅区"], is_superuser=True)
    item = manual["dibao"]
    StudyRecord.objects.create(
        user=worker,
        page=item,
        revision=item.live_revision,
        studied_at=item.last_published_at,
        seconds=120,
    )
    client.force_login(admin_user)

    response = client.post(
        reverse("wagtailadmin_pages:delete", args=[item.pk]), follow=True
    )
    bulk = client.post(
        reverse("wagtail_bulk_action", args=["wagtailcore", "page", "delete"])
        + f"?id={item.pk}",
        follow=True,
    )

    assert response.status_code == 200 and bulk.status_code == 200
    text = response.content.decode()
    assert "不能删除" in text and "1 条学习记录" in text
    assert ServiceItemPage.objects.filter(pk=item.pk).exists()
    assert StudyRecord.objects.filter(page=item).count() == 1
