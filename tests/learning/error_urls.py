"""The site's URLs plus views that fail, to see the error pages."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from learning.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise PermissionDenied("Only for managers")


urlpatterns = [
    path("test-broken/", broken),
    path("test-forbidden/", forbidden),
    *site_urlpatterns,
]
