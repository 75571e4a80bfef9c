"""A confirmed import of many rows runs on the task worker; the page follows it
and says what was imported, or lists why nothing was."""

import datetime

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from learning.models import ImportJob
from points.models import LedgerEntry
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _sheet(people):
    day = timezone.localdate() - datetime.timedelta(days=1)
    rows = [(p.username, p.name, "消防安全", day, 2) for p in people]
    content = tablib.Dataset(
        *rows, headers=["工号", "姓名", "培训名称", "日期", "学时"]
    ).export("xlsx")
    return SimpleUploadedFile("签到表.xlsx", content)


def test_a_big_sheet_is_imported_by_the_worker_and_the_page_says_so(
    client, org, trainer, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    people = [StaffFactory(org_unit=org["衢州路社区"]) for _ in range(3)]
    client.force_login(trainer)
    url = reverse("trainings:import")
    client.post(url, {"file": _sheet(people)})

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {"confirm": "1"})

    job = ImportJob.objects.get()
    assert confirmed["Location"] == reverse("import_job", args=[job.pk])
    assert job.status == "done" and job.rows == 3
    assert LedgerEntry.objects.filter(rule_code="TRAIN_ATTEND").count() == 3
    page = client.get(confirmed["Location"]).content.decode()
    assert "导入完成：新记 3 人次" in page
    client.force_login(StaffFactory(org_unit=org["衢州路社区"]))
    assert client.get(confirmed["Location"]).status_code in (302, 403)


def test_a_job_that_fails_at_run_time_writes_nothing_and_lists_why(
    client, org, trainer, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    people = [StaffFactory(org_unit=org["衢州路社区"]) for _ in range(3)]
    client.force_login(trainer)
    url = reverse("trainings:import")
    client.post(url, {"file": _sheet(people)})
    people[1].is_active = False  # left between the check and the import
    people[1].save()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {"confirm": "1"})

    job = ImportJob.objects.get()
    assert job.status == "failed" and bytes(job.content) == b""
    assert not LedgerEntry.objects.exists()
    page = client.get(confirmed["Location"]).content.decode()
    assert (
        "未写入任何数据" in page and f"工号 {people[1].username} 不存在或已离职" in page
    )
