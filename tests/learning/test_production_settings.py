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


def test_check_deploy_reports_only_what_the_proxy_settles():
    result = _run(
        "check",
        "--deploy",
        env_extra={
            "DJANGO_SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value",
            "DJANGO_ALLOWED_HOSTS": "xuetang.example.cn",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shegong",
        },
    )
    output = result.stdout + result.stderr
    reported = set(re.findall(r"^\?: \(([\w.]+)\)", output, flags=re.MULTILINE))
    assert reported == {"security.W004", "security.W008"}, output
