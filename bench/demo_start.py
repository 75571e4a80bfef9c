"""How long a newcomer waits: a fresh clone's `make demo` until the first page
answers, and until the background worker has nothing left to do.

    .venv/bin/python bench/demo_start.py [--port 8765] [--keep]

Clones the repository's HEAD into a temporary folder, runs `make demo` there
(virtualenv, locked dependencies, migrations, seed, worker and server), and
polls http://127.0.0.1:PORT/ and the demo database's task queue. uv's download
cache is shared with this machine, as it is on any developer's machine after
the first install; a machine that never installed the packages adds their
download time. Writes bench/results/demo_start.md.
"""

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "demo_start.md"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _tasks_waiting(db: Path) -> int | None:
    if not db.exists():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
                "WHERE status IN ('READY', 'RUNNING')"
            ).fetchone()
    except sqlite3.Error:
        return None
    return row[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="shegong-demo-start-"))
    clone = work / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, cwd=work)
    load_before = os.getloadavg()[0]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    log = (work / "make-demo.log").open("w")
    started = time.monotonic()
    demo = subprocess.Popen(
        ["make", "demo", f"PORT={args.port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{args.port}/"
    first_page = idle = None
    try:
        while time.monotonic() - started < args.timeout:
            if demo.poll() is not None:
                print(f"make demo stopped early; see {work / 'make-demo.log'}")
                return 1
            now = time.monotonic() - started
            if first_page is None and _answers(url):
                first_page = now
            if first_page is not None and _tasks_waiting(clone / "db.sqlite3") == 0:
                idle = now
                break
            time.sleep(0.5)
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(30)
        log.close()
    if first_page is None or idle is None:
        print(f"timed out; see {work / 'make-demo.log'}")
        return 1

    lines = [
        "# make demo from a fresh clone",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, "
        f"load average {load_before:.1f} at the start.",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| clone → first page answers (HTTP 200) | {first_page:.0f} |",
        f"| first page → task worker idle | {idle - first_page:.0f} |",
        "",
        "Targets: first page within 90 s, worker idle within 30 s after that.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
