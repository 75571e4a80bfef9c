"""Certificates per second and peak memory: one by one vs the bulk path.

    .venv/bin/python bench/certificates.py [--count 500] [--chunk 50]

Each mode runs in its own process, so its peak resident memory (ru_maxrss) is
its own. One by one renders a document per certificate, as a download does;
the bulk path renders `--chunk` certificates per WeasyPrint document and merges
the parts with pypdf, as the background batch does. Uses a throwaway SQLite
database (only the certificate wording is read from it) and writes
bench/results/certificates.md.
"""

import argparse
import datetime
import gc
import io
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = ROOT / "bench" / ".certificates.sqlite3"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华慧建国晓燕志红玉兰"


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.dev")
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    import django

    django.setup()


def _certificates(count: int):
    """Unsaved certificates with varied names: rendering needs nothing else."""
    from django.utils import timezone

    from points.certificates import DEFAULT_WORDING, fill, new_serial
    from points.models import Certificate

    rng = random.Random(2017)
    title, body = DEFAULT_WORDING["level"]
    levels = ["初级社工", "中级社工", "高级社工"]
    made = []
    for n in range(count):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
        level = rng.choice(levels)
        values = {"姓名": name, "等级": level, "积分": 60 + n % 300}
        made.append(
            Certificate(
                serial=new_serial(2026),
                kind="level",
                subject=level,
                holder_name=name,
                unit_name="衢州路社区",
                title=fill(title, values),
                body=fill(body, values),
                issuer="拱宸桥街道办事处",
                issued_at=timezone.now(),
                valid_until=datetime.date(2027, 12, 31),
            )
        )
    return made


def run_mode(mode: str, count: int, chunk: int) -> dict:
    _setup()
    import pypdf

    from points.certificates import certificates_html, render_pdf

    certificates = _certificates(count)
    render_pdf(certificates_html(certificates[:1]))  # load fonts once, untimed
    sizes = []
    started = time.perf_counter()
    if mode == "one-by-one":
        for certificate in certificates:
            sizes.append(len(render_pdf(certificates_html([certificate]))))
            gc.collect()
    else:
        merged = pypdf.PdfWriter()
        for start in range(0, count, chunk):
            part = render_pdf(certificates_html(certificates[start : start + chunk]))
            merged.append(io.BytesIO(part))
            gc.collect()
        out = io.BytesIO()
        merged.write(out)
        sizes.append(len(out.getvalue()))
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "mode": mode,
        "count": count,
        "seconds": round(elapsed, 2),
        "per_second": round(count / elapsed, 1),
        "peak_mb": round(peak_kb / 1024),
        "pdf_bytes": sum(sizes) // len(sizes),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--mode")
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.count, args.chunk)))
        return

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "learning.settings.dev"}
    env["DATABASE_URL"] = f"sqlite:///{DB}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    results = []
    for mode in ("one-by-one", "bulk"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--mode",
                mode,
                "--count",
                str(args.count),
                "--chunk",
                str(args.chunk),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    single, bulk = results
    lines = [
        f"# Certificates: {args.count} level certificates, chunk {args.chunk}",
        "",
        f"{datetime.date.today()} · {platform.machine()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()}",
        "",
        "| path | seconds | certificates/s | peak RSS (MB) | PDF size |",
        "|---|---:|---:|---:|---|",
        f"| one by one | {single['seconds']} | {single['per_second']} | "
        f"{single['peak_mb']} | {single['pdf_bytes'] // 1024} KB each |",
        f"| bulk ({args.chunk} per document, merged) | {bulk['seconds']} | "
        f"{bulk['per_second']} | {bulk['peak_mb']} | "
        f"{bulk['pdf_bytes'] // 1024} KB for all |",
        "",
        f"Bulk is **{bulk['per_second'] / single['per_second']:.1f}×** the "
        f"throughput of one by one, at {bulk['peak_mb'] / single['peak_mb']:.2f}× "
        "the peak memory.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "certificates.md").write_text(report)


if __name__ == "__main__":
    main()
