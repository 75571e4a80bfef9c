from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from learning.forms import labelled_errors
from learning.selectors import learner_home


def bad_query(request, form, *, back: str = ""):
    """A learner page asked for with filters it cannot use: say which, in Chinese,
    with status 400, rather than guess or fail."""
    return render(
        request,
        "400.html",
        {"errors": labelled_errors(form), "back": back},
        status=400,
    )


def home(request):
    """The learner's start page: what to do today, then where they stand; visitors
    see what the product is and a login button."""
    if not request.user.is_authenticated:
        return render(request, "learning/landing.html")
    user = request.user
    today = learner_home(user=user)
    context = {
        "org_unit": user.org_unit,
        "org_path": user.org_unit.path_label if user.org_unit else "",
        "roles": user.role_labels,
        "can_use_admin": user.has_perm("wagtailadmin.access_admin"),
        "today": today,
        "progress": today.progress,
        "manual": today.manual,
    }
    return render(request, "learning/home.html", context)


def bad_request(request, exception=None):
    """400s: an upload past the size limit says so (413); anything else is a
    link whose parameters are wrong."""
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        limit = settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)
        message = _("上传的文件太大（上限 %(mb)d MB），请拆分后分别上传。") % {
            "mb": limit
        }
        return render(
            request, "400.html", {"errors": [message], "too_big": True}, status=413
        )
    return render(request, "400.html", status=400)
