import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "learning.settings.production", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_its_secrets():
    result = _run("check", env_extra={})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value",
    "DJANGO_ALLOWED_HOSTS": "xuetang.example.cn",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shegong",
}


def _reported(result) -> set[str]:
    output = result.stdout + result.stderr
    return set(re.findall(r"^\?: \(([\w.]+)\)", output, flags=re.MULTILINE))


def test_check_deploy_is_clean_and_https_can_be_left_to_the_proxy():
    clean = _run("check", "--deploy", env_extra=PRODUCTION)
    proxied = _run(
        "check",
        "--deploy",
        env_extra={
            **PRODUCTION,
            "DJANGO_SSL_REDIRECT": "0",
            "DJANGO_HSTS_SECONDS": "0",
        },
    )

    assert clean.returncode == 0 and _reported(clean) == set(), (
        clean.stdout + clean.stderr
    )
    assert _reported(proxied) == {"security.W004", "security.W008"}


SHOW = (
    "from django.conf import settings as s; "
    "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, "
    "s.STORAGES['private']['OPTIONS']['location'])"
)


def test_cache_sessions_and_private_files_come_from_the_environment(tmp_path):
    shared = _run(
        "shell",
        "-c",
        SHOW,
        env_extra={
            **PRODUCTION,
            "DJANGO_CACHE_URL": "redis://127.0.0.1:6379/5",
            "DJANGO_PRIVATE_MEDIA_ROOT": str(tmp_path),
        },
    )
    database = _run(
        "shell", "-c", SHOW, env_extra={**PRODUCTION, "DJANGO_CACHE_URL": "db"}
    )
    wrong = _run("check", env_extra={**PRODUCTION, "DJANGO_CACHE_URL": "memcached://x"})

    assert shared.stdout.splitlines()[-1].split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
        str(tmp_path),
    ], shared.stderr
    assert database.stdout.splitlines()[-1].split()[:2] == [
        "django.core.cache.backends.db.DatabaseCache",
        "django.contrib.sessions.backends.cached_db",
    ], database.stderr
    assert wrong.returncode != 0 and "DJANGO_CACHE_URL" in wrong.stderr
