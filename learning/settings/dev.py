"""Running on one machine: `make demo` (DEBUG off, as users see it) and
`DEBUG=1 make demo` for developers, who want tracebacks and reloading."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# WhiteNoise serves static files straight from the apps, DEBUG or not; no
# collectstatic needed here. Rescanning them on every request is for developers.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
