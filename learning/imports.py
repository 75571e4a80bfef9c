"""The admin's two-step import: upload → dry run listing every problem → confirm.

The checked file waits in the session; confirming runs the same file for real,
all or nothing. The roster and the question bank both import this way.
"""

from collections.abc import Callable

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages

MSG_EXPIRED = _("上传的文件已过期，请重新上传。")
MSG_TOO_LARGE = _("文件太大，请拆分后上传（上限 5 MB）。")


def import_in_two_steps(
    request,
    *,
    session_key: str,
    read_upload: Callable,
    run: Callable,
    rejected: type[Exception],
    done_message: Callable,
    done_url: str,
    template: str,
    context: dict,
):
    """read_upload(request, context) gives (upload, options) or None, having put any
    problem into context; run(content=, filename=, dry_run=, **options) returns a
    report with .ok, or raises `rejected` carrying .report."""
    if request.method == "POST" and request.POST.get("confirm"):
        stored = request.session.get(session_key)
        if not stored:
            context["error"] = MSG_EXPIRED
        else:
            try:
                report = run(
                    content=bytes.fromhex(stored["content"]),
                    filename=stored["filename"],
                    dry_run=False,
                    **stored["options"],
                )
            except rejected as exc:
                context.update(report=exc.report, filename=stored["filename"])
            else:
                request.session.pop(session_key, None)
                messages.success(request, done_message(report))
                return redirect(done_url)
    elif request.method == "POST":
        read = read_upload(request, context)
        if read is not None:
            upload, options = read
            if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
                context["error"] = MSG_TOO_LARGE
            else:
                content = upload.read()
                report = run(
                    content=content, filename=upload.name, dry_run=True, **options
                )
                context.update(report=report, filename=upload.name)
                if report.ok:
                    request.session[session_key] = {
                        "content": content.hex(),
                        "filename": upload.name,
                        "options": options,
                    }
    return render(request, template, context)
