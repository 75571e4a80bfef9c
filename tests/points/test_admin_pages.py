"""Every points page in the admin opens for the managers who use it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from points.models import RulebookVersion
from points.ranking import Period
from points.services import (
    adjustment_decide,
    adjustment_propose,
    appeal_file,
    period_freeze,
    points_award,
    rulebook_version_draft,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(worker, community_manager, centre_manager, street_manager):
    points_award(user=worker, rule_code="EXAM_PASS", source=("exam", 1))
    deduction = adjustment_propose(
        actor=community_manager,
        user=worker,
        rule_code="COMPLAINT_UPHELD",
        occurred_on=timezone.localdate(),
        reason="投诉属实",
    )
    adjustment_decide(adjustment=deduction, actor=centre_manager, approve=True)
    appeal_file(adjustment=deduction, actor=worker, text="请复核")
    draft = rulebook_version_draft(
        based_on=RulebookVersion.objects.get(),
        name="下一版",
        effective_from=timezone.localdate() + datetime.timedelta(days=40),
        actor=street_manager,
    )
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    period = Period("month", last_month.year, last_month.month)
    period_freeze(unit=street_manager.org_unit, period=period, actor=street_manager)
    return deduction, draft, period


def test_every_points_admin_page_opens(client, desk, street_manager):
    deduction, draft, period = desk
    client.force_login(street_manager)
    current = RulebookVersion.objects.exclude(pk=draft.pk).get()
    pages = {
        reverse("ledger:index"): "投诉属实",
        reverse("adjustments:index"): "已入账",
        reverse("adjustments:add"): "事由",
        reverse("adjustments:inspect", args=[deduction.pk]): "data-appeal-form",
        reverse("adjustments:history", args=[deduction.pk]): "员工提出申诉",
        reverse("trainings:index"): "导入签到表",
        reverse("trainings:import"): "下载签到表模板",
        reverse("rulebooks:index"): "下一版",
        reverse("rulebooks:inspect", args=[current.pk]): "学习手册事项",
        reverse("rulebooks:edit", args=[draft.pk]): "READ_ITEM",
        reverse("rulebooks:draft"): "建立草稿",
        reverse("points_rankings")
        + f"?kind=month&year={period.year}&number={period.number}": "data-frozen-note",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    template = client.get(reverse("trainings:template"))
    assert template["Content-Disposition"].startswith("attachment")


def test_every_certificate_admin_page_opens(
    client, worker, centre_manager, trainer, django_capture_on_commit_callbacks
):
    from points.models import Certificate, CertificateBatch, CertificateTemplate
    from points.services import certificate_batch_start
    from tests.points.events import exam, high_frequency_done

    high_frequency_done(worker, "SH")
    exam(worker, 75)  # 初级: the 高频事项, the exam (20 points) and 40 items
    for n in range(40):
        points_award(
            user=worker,
            rule_code="READ_ITEM",
            source=("item", n),
            occurred_at=timezone.now() - datetime.timedelta(days=10 - n // 8),
        )
    certificate = Certificate.objects.get(user=worker)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_batch_start(
            actor=centre_manager, unit=centre_manager.org_unit, kind="level"
        )
    batch = CertificateBatch.objects.get()
    client.force_login(centre_manager)
    pages = {
        reverse("certificates:index"): certificate.serial,
        reverse("certificates:inspect", args=[certificate.pk]): "data-revoke-form",
        reverse("certificate_batches:index"): "已完成",
        reverse("certificate_batches:add"): "开始生成",
        reverse("certificate_batches:inspect", args=[batch.pk]): "data-download",
        reverse("certificate_templates:index"): "等级证书",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    transcript = client.get(reverse("certificates:transcript", args=[worker.pk]))
    assert transcript["Content-Type"] == "application/pdf"

    client.force_login(trainer)
    template = CertificateTemplate.objects.get(kind="level")
    edit = client.get(reverse("certificate_templates:edit", args=[template.pk]))
    assert edit.status_code == 200 and "印章图片" in edit.content.decode()
    assert client.get(reverse("certificates:index")).status_code in (302, 403)
