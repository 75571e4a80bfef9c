"""An exam morning at 200, 500 and 1,000 users against the production shape.

    .venv/tools/bin/uv pip install --python .venv/bin/python locust
    .venv/bin/python bench/load/run.py [--steps 200,500,1000] [--port 8001]

Starts `deploy/run-local.sh` (PostgreSQL database `shegong_load`, gunicorn with
threaded workers, the task worker, Redis for cache and sessions), gives each
step its own fresh social workers, runs bench/load/locustfile.py headless on
loopback for that step, then checks in the database that every submitted exam
was graded exactly once and every pass posted EXAM_PASS exactly once. Prints
requests/s and p50/p95/p99 per endpoint per step and writes
bench/results/load.md. Never part of `make test`.
"""

import argparse
import csv
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_URL = "postgres://postgres@127.0.0.1:5432/shegong_load"
SECRET = "load-bench-secret-" + "x" * 40
SPAWN_SECONDS = 300
QUESTIONS = 21
MANAGERS, VISITORS = 10, 20


def _env(port: int) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "learning.settings.production",
            "PROD_DATABASE_URL": DB_URL,
            "DATABASE_URL": DB_URL,
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SSL_REDIRECT": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DJANGO_SECURE_COOKIES": "0",
            # One loopback address stands for every phone here.
            "VERIFY_RATE_PER_MINUTE": "0",
            "PORT": str(port),
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _wait_for(url: str, seconds: int = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(2)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def _django(env: dict):
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _prepare(step: int, count: int) -> dict:
    """`count` fresh 社工 for this step, sharing one password hash (hashing a
    thousand passwords would take minutes), and what the locustfile needs."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from learning.models import OrgUnit
    from manuals.models import ServiceItemPage
    from points.models import Certificate

    User = get_user_model()
    template = User.objects.get(username="GC0101")
    workers = Group.objects.get(name="社工")
    communities = list(OrgUnit.objects.filter(kind="community").order_by("path"))
    names = [f"LD{step}{n:04d}" for n in range(count)]
    existing = set(
        User.objects.filter(username__in=names).values_list("username", flat=True)
    )
    made = User.objects.bulk_create(
        User(
            username=name,
            name=f"压测社工{name[2:]}",
            org_unit=communities[n % len(communities)],
            password=template.password,
            is_active=True,
        )
        for n, name in enumerate(names)
        if name not in existing
    )
    workers.user_set.add(*made)
    items = [p.url for p in ServiceItemPage.objects.live().order_by("path")[:20]]
    serials = list(Certificate.objects.values_list("serial", flat=True)[:20])
    return {
        "LOAD_WORKERS": ",".join(names),
        "LOAD_ITEMS": ",".join(items),
        "LOAD_SERIALS": ",".join(serials) or "GC26-0000-0000-0000",
    }


def _awards_drained(seconds: int = 600) -> int:
    """Passes are paid by the task worker: wait until it has caught up, and
    return how many seconds that took after the load stopped."""
    from django_tasks_db.models import DBTaskResult

    began = time.monotonic()
    pending = DBTaskResult.objects.filter(
        task_path__endswith="attempt_awards_task", status__in=["READY", "RUNNING"]
    )
    while pending.exists() and time.monotonic() - began < seconds:
        time.sleep(1)
    return round(time.monotonic() - began)


def _verify(names: list[str]) -> dict:
    """Each submitted exam graded once; each pass posted once."""
    from django.db.models import Count

    from points.models import LedgerEntry
    from quizzes.models import AnnualExamPage, Attempt

    drained = _awards_drained()
    exam = AnnualExamPage.objects.live().first()
    attempts = Attempt.objects.filter(user__username__in=names, quiz=exam)
    submitted = attempts.filter(status="submitted")
    per_user = attempts.values("user").annotate(n=Count("pk")).filter(n__gt=1).count()
    passes = LedgerEntry.objects.filter(
        user__username__in=names, rule_code="EXAM_PASS", reverses__isnull=True
    )
    twice = passes.values("user").annotate(n=Count("pk")).filter(n__gt=1).count()
    passed = submitted.filter(passed=True).count()
    return {
        "award queue drained after (s)": drained,
        "started": attempts.count(),
        "submitted": submitted.count(),
        "ungraded": submitted.filter(percent__isnull=True).count(),
        "users with two attempts": per_user,
        "passed": passed,
        "EXAM_PASS lines": passes.count(),
        "users paid twice": twice,
        "exactly once": per_user == 0
        and twice == 0
        and passes.count() == passed
        and not submitted.filter(percent__isnull=True).exists(),
    }


def _stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(server_sid: int) -> dict[str, float]:
    """CPU time so far of the app (gunicorn and the task worker: the server's
    session, with its reaped children) and of PostgreSQL's processes."""
    app = pg = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
        session = int(fields[3])
        own = (utime + stime) / TICKS
        if int(entry.name) == server_sid:  # gunicorn's master: and reaped workers
            own += (cutime + cstime) / TICKS
        if session == server_sid:
            app += own
        elif name.startswith("postgres"):
            # Backends that ended are counted in the postmaster's children.
            pg += own + (cutime + cstime) / TICKS
    return {"app": app, "postgres": pg}


def _step(env: dict, args, step: int, users: int, out: Path) -> dict:
    port, spawn, every = args.port, args.spawn_seconds, args.save_every
    prepared = _prepare(step, users)
    run_time = spawn + QUESTIONS * every + 120
    total = users + MANAGERS + VISITORS
    prefix = out / f"step-{users}"
    command = [
        str(ROOT / ".venv/bin/locust"),
        "-f",
        str(ROOT / "bench/load/locustfile.py"),
        "--headless",
        "--users",
        str(total),
        "--spawn-rate",
        f"{total / spawn:.3f}",
        "--run-time",
        f"{int(run_time)}s",
        "--stop-timeout",
        "30",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "ExamTaker",
        "Manager",
        "Visitor",
    ]
    started = time.monotonic()
    cpu_before = _cpu_seconds(args.server_sid)
    load_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        command,
        env={
            **env,
            **prepared,
            "LOAD_FIXED": f"{MANAGERS},{VISITORS}",
            "LOAD_SAVE_EVERY": str(every),
        },
        cwd=ROOT,
        check=False,
    )
    seconds = time.monotonic() - started
    cpu_after = _cpu_seconds(args.server_sid)
    load_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
    cpu["locust"] = (load_after.ru_utime + load_after.ru_stime) - (
        load_before.ru_utime + load_before.ru_stime
    )
    return {
        "users": users,
        "seconds": round(seconds),
        "cpu": {k: round(v) for k, v in cpu.items()},
        "cores": os.cpu_count(),
        "stats": _stats(prefix),
        "check": _verify(prepared["LOAD_WORKERS"].split(",")),
    }


def _p(row: dict, column: str) -> str:
    return row.get(column) or "—"


def _report(results: list[dict]) -> str:
    lines = [
        "# Load: an exam morning on this machine",
        "",
        "`bench/load/run.py` against `make prod`'s shape (PostgreSQL, gunicorn "
        "gthread, db_worker, Redis), locust on the same 2 cores. Times in ms.",
        "",
    ]
    for result in results:
        lines += [
            f"## {result['users']} exam takers "
            f"(+{MANAGERS} managers, {VISITORS} visitors; {result['seconds']} s)",
            "",
            "| endpoint | requests | failures | req/s | p50 | p95 | p99 |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in result["stats"]:
            lines.append(
                f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} "
                f"| {float(row['Requests/s']):.1f} | {_p(row, '50%')} "
                f"| {_p(row, '95%')} | {_p(row, '99%')} |"
            )
        p95 = {r["Name"]: float(r["95%"] or 0) for r in result["stats"]}
        base = p95.get("/verify/") or 1
        lines += [
            "",
            "autosave p95 / verify p95: "
            f"{p95.get('autosave', 0) / base:.1f}×; submit p95 / verify p95: "
            f"{p95.get('submit', 0) / base:.1f}×",
            "",
            "Database check: "
            + ", ".join(f"{k}: {v}" for k, v in result["check"].items()),
            "",
            "CPU seconds in the step (of {:,} available on {} cores): ".format(
                result["seconds"] * result["cores"], result["cores"]
            )
            + ", ".join(f"{k} {v:,}" for k, v in result["cpu"].items()),
            "",
        ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", default="200,500,1000")
    parser.add_argument("--port", type=int, default=8001)
    # Shorter for a trial run; the figures worth keeping use the defaults.
    parser.add_argument("--spawn-seconds", type=int, default=SPAWN_SECONDS)
    parser.add_argument("--save-every", type=float, default=15)
    parser.add_argument("--step-offset", type=int, default=0)
    args = parser.parse_args()
    env = _env(args.port)
    out = ROOT / "bench/.load"
    out.mkdir(exist_ok=True)
    server = subprocess.Popen(
        [str(ROOT / "deploy/run-local.sh")],
        env=env,
        cwd=ROOT,
        stdout=open(out / "server.log", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{args.port}/verify/")
        args.server_sid = server.pid  # the server's own session
        _django(env)
        results = []
        steps = [int(s) for s in args.steps.split(",")]
        for step, users in enumerate(steps, start=args.step_offset):
            results.append(_step(env, args, step, users, out))
            report = _report(results)
            print(report)
            (ROOT / "bench/results/load.md").write_text(report + "\n")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
