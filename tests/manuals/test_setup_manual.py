from django.core.management import call_command
from wagtail.models import GroupPagePermission, Page, Site, WorkflowPage

from manuals.models import ManualIndexPage


def test_setup_manual_makes_the_manual_the_site_root_once(db):
    call_command("setup_manual", stdout=open("/dev/null", "w"))
    call_command("setup_manual", stdout=open("/dev/null", "w"))

    root = ManualIndexPage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page.specific == root
    assert WorkflowPage.objects.get(page=root).workflow.name == "手册发布审核"
    assert not Page.objects.filter(depth=2).exclude(pk=root.pk).exists()
    granted = set(
        GroupPagePermission.objects.filter(page=root).values_list(
            "group__name", "permission__codename"
        )
    )
    assert ("培训师", "change_page") in granted
    assert ("培训师", "publish_page") not in granted
    assert ("高级培训师", "change_page") in granted
    # Nobody but a 手册管理员 publishes without another person's review.
    assert {g for g, c in granted if c == "publish_page"} == {"手册管理员"}
    assert ("管理者", "view_page") in granted
