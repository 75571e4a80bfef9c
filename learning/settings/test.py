import os
import tempfile

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="shegong-test-media-")
# A worker started by a test shares the test's private files through the env.
PRIVATE_MEDIA_ROOT = os.environ.get("SHEGONG_PRIVATE_MEDIA_ROOT") or tempfile.mkdtemp(
    prefix="shegong-test-private-"
)
STORAGES = {
    **STORAGES,  # noqa: F405
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# A file database lets `pytest --reuse-db` skip Wagtail's ~185 migrations on
# reruns; PostgreSQL runs come in through DATABASE_URL instead.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / ".test-db.sqlite3")  # noqa: F405
    }
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Serve static files straight from the apps; no collectstatic needed here.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Background tasks (search indexing among them) run at once in tests; the tests
# of the worker itself send theirs to the database backend, to a real db_worker.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
CERTIFICATE_BATCH_CHUNK = int(os.environ.get("CERTIFICATE_BATCH_CHUNK", "50"))
# Many tests look certificates up from one address within a minute; the
# throttle's own test turns it on.
VERIFY_RATE_PER_MINUTE = 0
