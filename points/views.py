import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from learning.forms import labelled_errors
from learning.middleware import client_address
from learning.selectors import staff_member_visible
from learning.views import bad_query
from points.certificates import site_url, transcript_pdf
from points.forms import AppealForm, MyPointsQueryForm, VerifyForm
from points.models import Adjustment, Certificate
from points.selectors import (
    certificate_state,
    certificates_of,
    my_standing,
    points_overview,
    transcript_of,
)
from points.services import (
    PointsActionRefused,
    appeal_file,
    certificate_pdf_for,
)


@login_required
def my_points(request):
    query = MyPointsQueryForm(request.GET)
    if not query.is_valid():
        return bad_query(request, query, back=reverse("points:mine"))
    overview = points_overview(
        user=request.user, year=query.cleaned_data["year"], page=request.GET.get("p")
    )
    page_query = request.GET.copy()
    page_query.pop("p", None)
    return render(
        request,
        "points/my_points.html",
        {
            "overview": overview,
            "standings": my_standing(user=request.user, year=overview.year),
            "appeal_form": AppealForm(),
            "page": overview.entries,
            "page_query": page_query.urlencode(),
        },
    )


@login_required
@require_POST
def appeal(request, pk: int):
    """The worker's own appeal against a posted deduction."""
    adjustment = get_object_or_404(Adjustment, pk=pk, user=request.user)
    form = AppealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明申诉理由（不超过 1000 字）。"))
    else:
        try:
            text = form.cleaned_data["text"]
            appeal_file(adjustment=adjustment, actor=request.user, text=text)
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("申诉已提交，将由另一位管理者处理。"))
    year = adjustment.entry.year if adjustment.entry else adjustment.occurred_on.year
    return redirect(f"{reverse('points:mine')}?year={year}")


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def my_certificates(request):
    return render(
        request,
        "points/certificates/mine.html",
        {"certificates": certificates_of(user=request.user)},
    )


def may_see_holder(user, holder_id) -> bool:
    if user.pk == holder_id or user.is_superuser:
        return True
    return user.has_perm("points.view_certificate") and staff_member_visible(
        actor=user, user=holder_id
    )


@login_required
def certificate_download(request, serial: str):
    """The holder, or a manager who can see them, downloads a certificate that
    still stands; a revoked one is refused with the date and reason."""
    certificate = get_object_or_404(Certificate, serial=serial)
    if not may_see_holder(request.user, certificate.user_id):
        raise PermissionDenied
    try:
        content = certificate_pdf_for(
            certificate=certificate, base_url=site_url(request)
        )
    except PointsActionRefused as exc:
        return render(
            request,
            "points/certificates/refused.html",
            {"message": str(exc)},
            status=410,
        )
    return pdf_response(content, f"{certificate.title}-{certificate.serial}.pdf")


@login_required
def my_transcript(request):
    content = transcript_pdf(transcript_of(user=request.user))
    return pdf_response(content, f"学习档案-{request.user.name}.pdf")


MSG_VERIFY_TOO_OFTEN = gettext_lazy("查询过于频繁，请一分钟后再试。")


def _verify_throttled(request) -> bool:
    """More than VERIFY_RATE_PER_MINUTE look-ups a minute from one address is
    someone walking the serials, not a person holding a certificate."""
    limit = settings.VERIFY_RATE_PER_MINUTE
    if not limit:
        return False
    minute = int(time.time() // 60)
    key = f"verify-rate:{client_address(request)}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        count = 1
    return count > limit


def verify(request, serial: str = ""):
    """Public: anyone holding the paper checks it. Only the name, the kind of
    certificate, the dates and the status are shown."""
    if _verify_throttled(request):
        return _verify_page(
            request, {"errors": [MSG_VERIFY_TOO_OFTEN], "serial": serial}, status=429
        )
    typed = request.GET.get("serial", "").strip()
    if typed and not serial:
        form = VerifyForm({"serial": typed})
        if not form.is_valid():
            return _verify_page(request, {"errors": labelled_errors(form)}, status=400)
        return redirect("points:verify", form.cleaned_data["serial"])
    view = None
    if serial:
        wanted = VerifyForm({"serial": serial})
        if not wanted.is_valid():
            return _verify_page(request, {"serial": serial}, status=404)
        if wanted.cleaned_data["serial"] != serial:
            return redirect("points:verify", wanted.cleaned_data["serial"])
        found = Certificate.objects.filter(serial=serial).first()
        view = certificate_state(found) if found else None
    return _verify_page(
        request,
        {"serial": serial, "view": view},
        status=200 if view or not serial else 404,
    )


def _verify_page(request, context, *, status):
    response = render(
        request, "points/certificates/verify.html", context, status=status
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
