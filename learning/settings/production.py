"""Production: secrets, hosts and the database come from the environment.

TLS ends at the reverse proxy (nginx or the cloud load balancer), which also
redirects HTTP to HTTPS and sends Strict-Transport-Security; that is why
`check --deploy` still reports security.W004 and security.W008 here.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"生产环境必须设置环境变量 {name}。")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",")]
_required("DATABASE_URL")
DATABASES = {
    "default": dj_database_url.parse(  # noqa: F405
        os.environ["DATABASE_URL"], conn_max_age=600, conn_health_checks=True
    )
}
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
WAGTAILADMIN_BASE_URL = os.environ.get(
    "WAGTAILADMIN_BASE_URL", f"https://{ALLOWED_HOSTS[0]}"
)

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a proxy, the client address is the first X-Forwarded-For hop.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media"))  # noqa: F405
PRIVATE_MEDIA_ROOT = os.environ.get(
    "DJANGO_PRIVATE_MEDIA_ROOT",
    str(BASE_DIR / "private-media"),  # noqa: F405
)
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "static"))  # noqa: F405
