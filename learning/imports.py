"""The admin's two-step import: upload → dry run listing every problem → confirm.

The checked file waits in the session; confirming runs the same file for real,
all or nothing. The roster, sign-in sheets and the question bank all import
this way. A file of more than IMPORT_BACKGROUND_ROWS rows is imported by the
task worker instead (an ImportJob), and the page follows it until it is done.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages

MSG_EXPIRED = _("上传的文件已过期，请重新上传。")
MSG_TOO_LARGE = _("文件太大，请拆分后上传（上限 5 MB）。")
MSG_QUEUED = _("文件共 %(rows)d 行，已交给后台导入；本页会显示进度和结果。")
MSG_CRASHED = _("导入时出错，未写入任何数据：%(error)s。请稍后重试或联系系统管理员。")
# Errors a failed background import keeps to show, as the dry run does.
ERRORS_KEPT = 100


@dataclass(frozen=True)
class Importer:
    """One kind of import: its service (called with actor=, content=,
    filename=, dry_run=, the upload's options, and from the task worker
    progress=, a callable told how many rows are written), the exception that carries
    a rejected report, and the sentence that says what it did."""

    run: str
    rejected: str
    done_message: str
    done_url: str


IMPORTERS = {
    "roster": Importer(
        "learning.services.roster_import",
        "learning.services.RosterRejected",
        "learning.services.roster_done_message",
        "staff:index",
    ),
    "attendance": Importer(
        "points.services.attendance_import",
        "points.services.AttendanceRejected",
        "points.services.attendance_done_message",
        "trainings:index",
    ),
    "bank": Importer(
        "quizzes.services.bank_import",
        "quizzes.services.BankRejected",
        "quizzes.services.bank_done_message",
        "questions:index",
    ),
}


def import_in_two_steps(
    request, *, kind: str, session_key: str, read_upload, template: str, context: dict
):
    """read_upload(request, context) gives (upload, options) or None, having put any
    problem into context. The importer of `kind` returns a report with .ok, or
    raises its rejected exception carrying .report."""
    importer = IMPORTERS[kind]
    run = import_string(importer.run)
    rejected = import_string(importer.rejected)
    if request.method == "POST" and request.POST.get("confirm"):
        stored = request.session.get(session_key)
        if not stored:
            context["error"] = MSG_EXPIRED
        elif stored.get("rows", 0) > settings.IMPORT_BACKGROUND_ROWS:
            job = import_job_queue(
                kind=kind, actor=request.user, stored=stored, rows=stored["rows"]
            )
            request.session.pop(session_key, None)
            messages.success(request, MSG_QUEUED % {"rows": job.rows})
            return redirect("import_job", job.pk)
        else:
            try:
                report = run(
                    actor=request.user,
                    content=bytes.fromhex(stored["content"]),
                    filename=stored["filename"],
                    dry_run=False,
                    **stored["options"],
                )
            except rejected as exc:
                context.update(report=exc.report, filename=stored["filename"])
            else:
                request.session.pop(session_key, None)
                messages.success(request, import_string(importer.done_message)(report))
                return redirect(importer.done_url)
    elif request.method == "POST":
        read = read_upload(request, context)
        if read is not None:
            upload, options = read
            if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
                context["error"] = MSG_TOO_LARGE
            else:
                content = upload.read()
                report = run(
                    actor=request.user,
                    content=content,
                    filename=upload.name,
                    dry_run=True,
                    **options,
                )
                context.update(report=report, filename=upload.name)
                if report.ok:
                    request.session[session_key] = {
                        "content": content.hex(),
                        "filename": upload.name,
                        "options": options,
                        "rows": report.total,
                    }
    return render(request, template, context)


def import_job_queue(*, kind: str, actor, stored: dict, rows: int):
    from learning.models import ImportJob
    from learning.tasks import import_job_task

    job = ImportJob.objects.create(
        kind=kind,
        filename=stored["filename"][:200],
        content=bytes.fromhex(stored["content"]),
        options=stored["options"],
        rows=rows,
        actor=actor,
    )
    transaction.on_commit(lambda: import_job_task.enqueue(job.pk))
    return job


class JobProgress:
    """Rows written so far, where the job's page can read them while the
    import's own all-or-nothing transaction is still open: an UPDATE on a
    second, autocommitting connection, at most every PROGRESS_SECONDS.

    SQLite lets one connection write at a time, and the import holds that
    lock, so there the page shows the phase only (queued, running, done).
    """

    PROGRESS_SECONDS = 0.5

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.connection = None
        self.last = 0.0
        if connections[DEFAULT_DB_ALIAS].vendor != "sqlite":
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if self.connection is None or now - self.last < self.PROGRESS_SECONDS:
            return
        self.last = now
        from learning.models import ImportJob

        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET done_rows = %s WHERE id = %s",
                [done, self.job_id],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def import_job_run(job_id: int) -> None:
    """The worker's half: the same import the request would have run."""
    from learning.models import ImportJob

    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return  # run already (a retried task)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    importer = IMPORTERS[job.kind]
    rejected = import_string(importer.rejected)
    status, message, errors = ImportJob.Status.FAILED, "", []
    progress = JobProgress(job.pk)
    try:
        report = import_string(importer.run)(
            actor=job.actor,
            content=bytes(job.content),
            filename=job.filename,
            dry_run=False,
            progress=progress,
            **job.options,
        )
    except rejected as exc:
        report = exc.report
        message = getattr(report, "file_error", "") or str(
            _("有 %(n)d 处错误，未写入任何数据。") % {"n": len(report.errors)}
        )
        errors = [[e.row, e.column, e.message] for e in report.errors[:ERRORS_KEPT]]
    except Exception as exc:  # noqa: BLE001 - any failure is the job's answer
        message = str(MSG_CRASHED % {"error": type(exc).__name__})
    else:
        status = ImportJob.Status.DONE
        message = import_string(importer.done_message)(report)
    finally:
        progress.close()
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        message=message,
        errors=errors,
        finished_at=timezone.now(),
        content=b"",
    )


def import_job_view(request, pk: int):
    """The job's page, for whoever started it: it reloads itself while the
    worker runs, then says what was imported or lists why nothing was."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404

    from learning.models import ImportJob

    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    if job.actor_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied
    running = job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    waited = timezone.now() - (job.started_at or job.created_at)
    return render(
        request,
        "learning/admin/import_job.html",
        {
            "job": job,
            "running": running,
            "waited": int(waited.total_seconds()),
            "percent": min(100, job.done_rows * 100 // job.rows) if job.rows else 0,
            "done_url": reverse(IMPORTERS[job.kind].done_url),
            "page_title": _("后台导入"),
            "header_title": _("后台导入"),
        },
    )
