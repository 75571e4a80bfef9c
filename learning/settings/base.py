"""Settings shared by every environment; dev, test and production only switch."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "learning",
    "manuals",
    "quizzes",
    "points",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "import_export",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "learning.middleware.SecurityHeadersMiddleware",
    "learning.middleware.SuperuserOnlyViewsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Axes must come last so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "learning.urls"
WSGI_APPLICATION = "learning.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default must carry a street's workers at once. WAL lets readers
    # go on while one request writes; IMMEDIATE takes the write lock when a
    # transaction begins, so a writer waits its turn (up to the timeout) instead of
    # failing with "database is locked" when it upgrades from reading to writing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "learning.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "learning.auth.StaffLoginBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "login"
# Login-only manual pages send visitors to our 工号/手机号 login, not Wagtail's.
WAGTAIL_FRONTEND_LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Failed logins are counted per account (工号 and 手机号 map to the same one),
# so an attacker cannot dodge the lock by switching identifiers or addresses.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "learning.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "learning/locked_out.html"
AXES_VERBOSE = False
# Axes would also like to lock by IP address, but every worker in a service
# centre reaches us through the same NAT address: an IP lock would lock the
# whole centre out after five typos. Locking the account is what protects it.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
# Evidence and other files only their viewers may fetch, through a checked view.
PRIVATE_MEDIA_ROOT = BASE_DIR / "private-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence and certificate ZIPs: never under MEDIA_URL, served by views
    # that check who asks (points.models._private_storage).
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

WAGTAIL_SITE_NAME = "社工学堂"
# The dashboard would ask releases.wagtail.org for a newer version from the
# superuser's browser: nothing is fetched from outside at run time (and the CSP
# refuses it); upgrades come through requirements.lock.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Password reset mails a link: without a mail server it is off (managers reset
# passwords in the roster), and /admin/password_reset/ is not served.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
WAGTAIL_PASSWORD_RESET_ENABLED = bool(os.environ.get("EMAIL_HOST"))
# Passing a review publishes; approvers need no publish permission (four eyes).
WAGTAIL_FINISH_WORKFLOW_ACTION = "manuals.workflows.publish_approved"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "learning.search"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "doc", "xls", "jpg", "png"]
WAGTAIL_USER_EDIT_FORM = "learning.forms.StaffUserEditForm"
WAGTAIL_USER_CREATION_FORM = "learning.forms.StaffUserCreationForm"
WAGTAIL_USER_CUSTOM_FIELDS = ["name", "phone", "org_unit", "position", "hired_on"]

# Background work goes through the django-tasks API, stored in the database and
# run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Certificates name their font; `manage.py check` fails when it is not installed
# (Debian: fonts-noto-cjk), because WeasyPrint would print empty boxes instead.
CERTIFICATE_FONT_FAMILY = "Noto Serif CJK SC"
# Certificates rendered per WeasyPrint document in a bulk run, and the task
# backend the run is queued on.
CERTIFICATE_BATCH_CHUNK = 50
CERTIFICATE_TASK_BACKEND = "default"
# The task backend a passed quiz's points are posted on (quizzes.tasks).
QUIZ_AWARD_TASK_BACKEND = "default"
# The page model a 代办差错 names (points sits below the manual and does not
# import it).
POINTS_ITEM_PAGE_MODEL = "manuals.ServiceItemPage"

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

# Import uploads (roster, question bank) larger than this are refused unread.
IMPORT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Bodies past these are refused as they arrive (learning.uploads), not after
# the whole upload has been read; a proxy in front should cap at the same size
# (nginx: client_max_body_size 6m).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
MAX_REQUEST_BODY_BYTES = IMPORT_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "learning.uploads.RequestSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Certificate look-ups per minute from one address on the public /verify/ page.
VERIFY_RATE_PER_MINUTE = int(os.environ.get("VERIFY_RATE_PER_MINUTE", 30))
# Imports are streamed; a file past either limit is refused before it is read
# further (a 30 KB XLSX can hold 200,000 rows, a 3 MB one 1 GB of sheet XML).
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 5000))
IMPORT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
# A confirmed import of more rows than this runs on the task worker.
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", 1000))
# Sign-in sheets: rows older than this many days are refused; a sheet posting
# more than this many awards, or reaching into a closed period, waits for a
# second manager's approval.
POINTS_ATTENDANCE_MAX_AGE_DAYS = int(
    os.environ.get("POINTS_ATTENDANCE_MAX_AGE_DAYS", 92)
)
POINTS_ATTENDANCE_APPROVAL_ROWS = int(
    os.environ.get("POINTS_ATTENDANCE_APPROVAL_ROWS", 100)
)

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Argon2id first (learning.hashers); the others only verify older hashes,
# which are rehashed with the first at the next sign-in.
PASSWORD_HASHERS = [
    "learning.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"jieba": {"level": "WARNING"}},
}

SITE_TITLE = _("社工学堂")
