"""Bulk issue: a background run per unit, with progress, a ZIP at the end, and
nothing issued twice, also when a crashed worker is restarted."""

import datetime
import io
import signal
import time
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from learning.roles import Role
from points.models import Certificate, CertificateBatch
from points.services import (
    certificate_batch_start,
    certificate_batches_resume,
    certificate_reissue,
    certificate_revoke,
    points_award,
)
from tests.factories import StaffFactory
from tests.points.pdf import page_count, pdf_text, qr_codes
from tests.workers import db_worker

LAST_YEAR = timezone.localdate().year - 1


def _trained(unit, count, hours=2):
    people = [StaffFactory(org_unit=unit) for _ in range(count)]
    for n, person in enumerate(people):
        points_award(
            user=person,
            rule_code="TRAIN_ATTEND",
            source=("training", n),
            quantity=hours,
            occurred_at=timezone.make_aware(datetime.datetime(LAST_YEAR, 6, 1, 9)),
        )
    return people


def _unzip(batch):
    with batch.archive.open("rb") as f:
        archive = zipfile.ZipFile(io.BytesIO(f.read()))
    pdf = next(n for n in archive.namelist() if n.endswith(".pdf"))
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("证书清单.xlsx"))).active
    return archive.read(pdf), [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
@override_settings(WAGTAILADMIN_BASE_URL="https://xuetang.example.cn")
def test_a_bulk_run_issues_every_certificate_once_and_zips_them(
    org, centre_manager, django_capture_on_commit_callbacks
):
    people = _trained(org["衢州路社区"], 3) + _trained(org["文澜社区"], 2)
    _trained(org["瓜山社区"], 2)  # another centre: not in this run

    with django_capture_on_commit_callbacks(execute=True):
        batch = certificate_batch_start(
            actor=centre_manager,
            unit=centre_manager.org_unit,
            kind="hours",
            year=LAST_YEAR,
        )

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total, batch.issued) == ("done", 5, 5, 5)
    pdf, rows = _unzip(batch)
    assert page_count(pdf) == 5
    # No request in the background: links use the configured site address.
    site = "https://xuetang.example.cn/verify/"
    assert qr_codes(pdf, page=1)[0].startswith(site)
    assert all(r[-1].startswith(site) for r in rows[1:])
    text = pdf_text(pdf)
    assert all(p.name in text for p in people)
    assert sorted(r[1] for r in rows[1:]) == sorted(p.name for p in people)

    with django_capture_on_commit_callbacks(execute=True):
        again = certificate_batch_start(
            actor=centre_manager,
            unit=centre_manager.org_unit,
            kind="hours",
            year=LAST_YEAR,
        )
    again.refresh_from_db()
    assert (again.status, again.issued) == ("done", 0)
    assert Certificate.objects.filter(kind="hours").count() == 5


@pytest.mark.django_db
def test_the_batch_page_shows_progress_and_offers_the_download(
    client, org, centre_manager, django_capture_on_commit_callbacks
):
    _trained(org["衢州路社区"], 2)
    client.force_login(centre_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificate_batches:add"),
            {"unit": centre_manager.org_unit.pk, "kind": "hours", "year": LAST_YEAR},
        )
    batch = CertificateBatch.objects.get()
    assert response.url == reverse("certificate_batches:inspect", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "data-progress" in page and 'value="100"' in page
    download = client.get(reverse("certificate_batches:download", args=[batch.pk]))
    assert download["Content-Disposition"].startswith("attachment")

    outsider = StaffFactory(org_unit=org["瓜山社区"], role=Role.MANAGER)
    client.force_login(outsider)
    refused = client.get(reverse("certificate_batches:download", args=[batch.pk]))
    assert refused.status_code in (302, 403)
    assert refused.get("Content-Disposition") is None


def _served(response):
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("证书清单.xlsx"))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return (archive.read(pdfs[0]) if pdfs else None), rows


@pytest.fixture
def finished_batch(org, centre_manager, django_capture_on_commit_callbacks):
    people = _trained(org["衢州路社区"], 3)
    with django_capture_on_commit_callbacks(execute=True):
        batch = certificate_batch_start(
            actor=centre_manager, unit=org["衢州路社区"], kind="hours", year=LAST_YEAR
        )
    batch.refresh_from_db()
    return batch, [Certificate.objects.get(user=p) for p in people]


@pytest.mark.django_db
def test_a_certificate_revoked_after_the_run_is_not_in_the_zip_served(
    client, centre_manager, finished_batch
):
    batch, (kept, revoked, replaced) = finished_batch
    certificate_revoke(certificate=revoked, actor=centre_manager, reason="签到有误")
    new = certificate_reissue(certificate=replaced, actor=centre_manager)
    client.force_login(centre_manager)

    page = client.get(reverse("certificate_batches:inspect", args=[batch.pk]))
    response = client.get(reverse("certificate_batches:download", args=[batch.pk]))

    assert revoked.serial in page.content.decode().split("data-withdrawn")[1]
    pdf, rows = _served(response)
    assert page_count(pdf) == 1
    text = pdf_text(pdf).replace(" ", "")
    assert kept.serial in text
    assert revoked.serial not in text and replaced.serial not in text
    status = {row[0]: row[rows[0].index("状态")] for row in rows[1:]}
    assert status[kept.serial] == "有效"
    assert (
        status[revoked.serial].startswith("已撤销")
        and "签到有误" in status[revoked.serial]
    )
    assert status[replaced.serial] == f"已被新证书取代（{new.serial}）"


@pytest.mark.django_db
def test_a_zip_listing_fewer_lines_than_pages_is_filtered_by_reading_each_page(
    client, centre_manager, finished_batch
):
    from django.core.files.base import ContentFile

    batch, (kept, revoked, _other) = finished_batch
    with batch.archive.open("rb") as f:
        stored = zipfile.ZipFile(io.BytesIO(f.read()))
    book = openpyxl.load_workbook(io.BytesIO(stored.read("证书清单.xlsx")))
    book.active.delete_rows(4)  # an older list left out someone who was printed
    sheet = io.BytesIO()
    book.save(sheet)
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as archive:
        for name in stored.namelist():
            if name.endswith(".pdf"):
                archive.writestr(name, stored.read(name))
        archive.writestr("证书清单.xlsx", sheet.getvalue())
    batch.archive.save("old.zip", ContentFile(rebuilt.getvalue()))
    certificate_revoke(certificate=revoked, actor=centre_manager, reason="重复颁发")
    client.force_login(centre_manager)

    response = client.get(reverse("certificate_batches:download", args=[batch.pk]))

    pdf, _rows = _served(response)
    text = pdf_text(pdf).replace(" ", "")
    assert page_count(pdf) == 2 and revoked.serial not in text


# ------------------------------------------------------------ a real worker


def _worker(*extra):
    return db_worker(
        *extra,
        env={
            "SHEGONG_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            "CERTIFICATE_BATCH_CHUNK": "2",
        },
    )


def _wait(condition, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(CERTIFICATE_TASK_BACKEND="database")
def test_a_crashed_worker_resumes_without_issuing_anything_twice(
    client, org, centre_manager
):
    people = _trained(org["衢州路社区"], 8) + _trained(org["文澜社区"], 6)
    batch = certificate_batch_start(
        actor=centre_manager, unit=centre_manager.org_unit, kind="hours", year=LAST_YEAR
    )

    def done():
        return CertificateBatch.objects.get(pk=batch.pk).done

    first = _worker()
    try:
        assert _wait(lambda: done() >= 4), "the worker never started"
        # The site answers while the worker renders.
        assert client.get(reverse("points:verify_form")).status_code == 200
        first.send_signal(signal.SIGKILL)  # a crash, not a clean stop
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    crashed = CertificateBatch.objects.get(pk=batch.pk)
    assert crashed.status == "running" and crashed.done < len(people)
    issued_before = Certificate.objects.count()
    assert 0 < issued_before < len(people)

    assert certificate_batches_resume(stale_after=datetime.timedelta(0)) == 1
    second = _worker("--batch")
    try:
        second.wait(180)
    finally:
        if second.poll() is None:
            second.kill()

    batch.refresh_from_db()
    assert (batch.status, batch.done) == ("done", len(people))
    assert Certificate.objects.count() == len(people)
    assert batch.issued == len(people)
    for person in people:
        assert Certificate.objects.filter(user=person).count() == 1
