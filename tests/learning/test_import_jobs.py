"""A confirmed import of many rows runs on the task worker; the page follows it
and says what was imported, or lists why nothing was."""

import datetime
import threading
import time

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from learning.imports import import_job_run
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


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_page_counts_rows_written_while_nothing_is_visible_yet(
    client, org, trainer, settings
):
    settings.POINTS_ATTENDANCE_APPROVAL_ROWS = 10_000
    people = [StaffFactory(org_unit=org["衢州路社区"]) for _ in range(150)]
    job = ImportJob.objects.create(
        kind="attendance",
        filename="签到表.xlsx",
        content=_sheet(people).read(),
        rows=len(people),
        actor=trainer,
    )
    client.force_login(trainer)
    page_url = reverse("import_job", args=[job.pk])

    def run():
        try:
            import_job_run(job.pk)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    seen = []  # (rows written, ledger lines visible, the page says so)
    while worker.is_alive():
        done, status = ImportJob.objects.values_list("done_rows", "status").get(
            pk=job.pk
        )
        if status == "running" and 0 < done < len(people):
            page = client.get(page_url).content.decode()
            seen.append(
                (
                    done,
                    LedgerEntry.objects.count(),
                    f"已写入 {done} / {len(people)} 行" in page,
                )
            )
        time.sleep(0.02)
    worker.join()

    assert seen, "no progress was visible while the import ran"
    # All or nothing: never part of the sheet (the last look may fall between
    # the commit and the job's status turning to done).
    assert {visible for _done, visible, _said in seen} <= {0, len(people)}
    assert any(said and visible == 0 for _done, visible, said in seen)
    job.refresh_from_db()
    assert job.status == "done"
    assert LedgerEntry.objects.filter(rule_code="TRAIN_ATTEND").count() == 150
