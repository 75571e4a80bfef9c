from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from points.selectors import points_overview


@login_required
def my_points(request):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    overview = points_overview(user=request.user, year=year)
    return render(request, "points/my_points.html", {"overview": overview})
