from django.shortcuts import render

from learning.roles import Role


def home(request):
    """The learner's start page; visitors see what the product is and a login button."""
    if not request.user.is_authenticated:
        return render(request, "learning/landing.html")
    from manuals.models import ManualIndexPage
    from manuals.selectors import study_progress

    user = request.user
    context = {
        "org_unit": user.org_unit,
        "org_path": user.org_unit.path_label if user.org_unit else "",
        "roles": user.role_labels,
        "can_use_admin": user.has_perm("wagtailadmin.access_admin"),
        "is_worker": user.has_role(Role.WORKER),
        "progress": study_progress(user=user),
        "manual": ManualIndexPage.objects.live().first(),
    }
    return render(request, "learning/home.html", context)
