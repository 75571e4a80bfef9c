"""Response headers every page gets: a content security policy, and no shared
caching of anything personal."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.cache import patch_cache_control

# Everything the product serves comes from its own origin: vendored JS, CSS and
# fonts, no CDN. Inline scripts and styles stay allowed for Wagtail's admin.
DEFAULT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


def client_address(request) -> str:
    """The phone's address. Behind our own proxy (CLIENT_ADDRESS_FROM_PROXY),
    that is the last X-Forwarded-For hop, the one the proxy itself added;
    earlier hops are whatever the client chose to send."""
    if getattr(settings, "CLIENT_ADDRESS_FROM_PROXY", False):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if hops[-1].strip():
            return hops[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        csp = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)
        if csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp
        user = getattr(request, "user", None)
        personal = user is not None and user.is_authenticated
        if "attachment" in response.get("Content-Disposition", ""):
            # Transcripts, certificates and exports: never kept by a proxy or
            # left in a shared computer's cache.
            patch_cache_control(response, private=True, no_store=True)
        elif personal and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response


# Wagtail's own views that list records of every unit at once; managers see
# each record's history in its own (scoped) history view instead.
SUPERUSER_ONLY_VIEWS = {
    "wagtailadmin_reports:site_history",
    "wagtailadmin_reports:site_history_results",
}


class SuperuserOnlyViewsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is None or match.view_name not in SUPERUSER_ONLY_VIEWS:
            return None
        if not request.user.is_superuser:
            raise PermissionDenied
        return None
