from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from points.forms import AppealForm
from points.models import Adjustment
from points.selectors import my_standing, points_overview
from points.services import PointsActionRefused, appeal_file


@login_required
def my_points(request):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    overview = points_overview(user=request.user, year=year)
    return render(
        request,
        "points/my_points.html",
        {
            "overview": overview,
            "standings": my_standing(user=request.user, year=overview.year),
            "appeal_form": AppealForm(),
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
            appeal_file(
                adjustment=adjustment,
                actor=request.user,
                text=form.cleaned_data["text"],
            )
        except PointsActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("申诉已提交，将由另一位管理者处理。"))
    year = adjustment.entry.year if adjustment.entry else adjustment.occurred_on.year
    return redirect(f"{reverse('points:mine')}?year={year}")
