"""Production: secrets, hosts, the database, the cache and file storage come
from the environment, so a second app server or task worker is configuration,
not code (README: 运行与部署).

TLS ends at the reverse proxy (nginx or the cloud load balancer). Django still
redirects HTTP to HTTPS and sends Strict-Transport-Security unless told not to
(DJANGO_SSL_REDIRECT=0, DJANGO_HSTS_SECONDS=0), so `check --deploy` is clean.
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


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _flag("DJANGO_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _flag("DJANGO_HSTS_PRELOAD", True)
# Off only for a plain-HTTP run on loopback (make prod): browsers and load
# tests would not send secure cookies over http://127.0.0.1.
SESSION_COOKIE_SECURE = _flag("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind the proxy, the phone's address is the hop the proxy added (the last);
# set DJANGO_BEHIND_PROXY=0 when clients connect to gunicorn directly.
CLIENT_ADDRESS_FROM_PROXY = _flag("DJANGO_BEHIND_PROXY", True)
# Behind a proxy, the client address is the first X-Forwarded-For hop.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media"))  # noqa: F405
PRIVATE_MEDIA_ROOT = os.environ.get(
    "DJANGO_PRIVATE_MEDIA_ROOT",
    str(BASE_DIR / "private-media"),  # noqa: F405
)
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "static"))  # noqa: F405
STORAGES["private"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
}

# ------------------------------------------------------------ cache, sessions

# DJANGO_CACHE_URL: redis://host:6379/1 (shared by every app server), "db" (the
# django_cache table: `manage.py createcachetable`), or unset (per process).
# Sessions live in the database, read through the cache when it is shared.
_cache_url = os.environ.get("DJANGO_CACHE_URL", "").strip()
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif _cache_url == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif _cache_url:
    raise ImproperlyConfigured(
        f"DJANGO_CACHE_URL 只能是 redis://…、db 或不设置，而不是 {_cache_url!r}。"
    )
SESSION_ENGINE = os.environ.get("DJANGO_SESSION_ENGINE", SESSION_ENGINE)

# ------------------------------------------------------------ file storage

# DJANGO_STORAGE=s3 keeps uploads, certificate PDFs and ZIPs in an
# S3-compatible object store (a government cloud's OSS, MinIO…) through
# django-storages; it needs boto3 (`uv pip install boto3`). The default is the
# local disk above.
if os.environ.get("DJANGO_STORAGE", "").strip() == "s3":
    try:
        import boto3  # noqa: F401
    except ImportError as exc:
        raise ImproperlyConfigured(
            "DJANGO_STORAGE=s3 需要安装 boto3：uv pip install boto3"
        ) from exc
    _s3 = {
        "bucket_name": _required("DJANGO_S3_BUCKET"),
        "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("DJANGO_S3_REGION") or None,
        "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY") or None,
        "secret_key": os.environ.get("DJANGO_S3_SECRET_KEY") or None,
        "file_overwrite": False,
    }
    STORAGES["default"] = {  # noqa: F405
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "media", "querystring_auth": False},
    }
    STORAGES["private"] = {  # noqa: F405
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "private", "querystring_auth": True},
    }
