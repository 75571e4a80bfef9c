"""A real `manage.py db_worker` on the test database, for tests of the worker."""

import os
import subprocess
import sys

from django.conf import settings
from django.db import connection


def worker_database_url() -> str:
    """The test database as a DATABASE_URL another process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}@{host}/{db['NAME']}"


def db_worker(*extra: str, interval: str = "0.2", env=None, stderr=None):
    """Start a worker on the test database's `database` task backend."""
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--backend",
            "database",
            "--interval",
            interval,
            "--no-startup-delay",
            *extra,
        ],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "learning.settings.test",
            "DATABASE_URL": worker_database_url(),
            **(env or {}),
        },
        stdout=subprocess.DEVNULL,
        stderr=stderr if stderr is not None else subprocess.DEVNULL,
        text=True,
    )
