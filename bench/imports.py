"""Peak memory and time of the hostile uploads a probe found, against the
streaming reader and the full dry runs (roster, sign-in sheet, question bank).

    .venv/bin/python bench/imports.py

Each case runs in its own process on a throwaway SQLite database, so its peak
RSS is its own. Writes bench/results/imports.md. Target: every case under
300 MB, refused or checked within seconds.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the zip bomb is built by tests.tables

CASES = {
    "csv-10000-duplicate-ids": "roster",
    "xlsx-200000-rows-30kb": "roster",
    "xlsx-300000-rows": "attendance",
    "xlsx-zip-bomb-1gb": "roster",
    "csv-5000-rows-5mb": "roster",
    "csv-5000-rows-bank": "bank",
}


def _make(case: str) -> tuple[bytes, str]:
    import tablib

    if case == "csv-10000-duplicate-ids":
        lines = ["工号,姓名,手机号,所属单位,岗位,入职日期,角色,在职,初始密码"]
        lines += ["GC9999,张三,,衢州路社区,社工,2020-01-01,社工,是,"] * 10_000
        return "\n".join(lines).encode(), "花名册.csv"
    if case in ("xlsx-200000-rows-30kb", "xlsx-300000-rows"):
        rows = 200_000 if case.startswith("xlsx-200000") else 300_000
        headers = (
            ["工号", "培训名称", "日期", "学时"]
            if case == "xlsx-300000-rows"
            else ["工号", "姓名", "所属单位", "角色"]
        )
        sheet = tablib.Dataset(headers=headers)
        for n in range(rows):
            sheet.append([f"GC{n % 50:04d}"] + ["x"] * (len(headers) - 1))
        return sheet.export("xlsx"), "表.xlsx"
    if case == "xlsx-zip-bomb-1gb":
        from tests.tables import xlsx_zip_bomb

        return xlsx_zip_bomb(1_000_000_000), "炸弹.xlsx"
    if case == "csv-5000-rows-5mb":
        lines = ["工号,姓名,手机号,所属单位,岗位,入职日期,角色,在职,初始密码"]
        lines += [
            f"R{n:05d},员工{n},,衢州路社区,{'社工' * 300},2020-01-01,社工,是,"
            for n in range(5000)
        ]
        content = "\n".join(lines).encode()[: 5 * 1024 * 1024 - 1]
        return content[: content.rindex(b"\n")], "花名册.csv"
    if case == "csv-5000-rows-bank":
        lines = ["题型,题干,选项A,选项B,正确答案,解析,事项编码,条件编号,难度"]
        lines += [f"单选,题目{n}？,对,错,A,,T-01,c1,2" for n in range(5000)]
        return "\n".join(lines).encode(), "题库.csv"
    raise ValueError(case)


def _high_water_mb() -> int:
    """This process's peak RSS (VmHWM). ru_maxrss would count the parent's
    memory copied at fork, before exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def _child(case: str, path: str, name: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from learning.demo.org import seed_org
    from tests.factories import StaffFactory

    org = seed_org()
    actor = StaffFactory(org_unit=org["拱宸桥街道"], is_superuser=True)
    before_mb = _high_water_mb()
    content = Path(path).read_bytes()
    started = time.perf_counter()
    kind = CASES[case]
    if kind == "roster":
        from learning.services import roster_import

        report = roster_import(
            content=content, filename=name, actor=actor, dry_run=True
        )
    elif kind == "attendance":
        from points.services import attendance_import

        report = attendance_import(
            content=content, filename=name, actor=actor, dry_run=True
        )
    else:
        from quizzes.services import bank_import

        report = bank_import(
            content=content, filename=name, fmt="template", actor=actor, dry_run=True
        )
    seconds = time.perf_counter() - started
    peak_mb = _high_water_mb()
    print(
        json.dumps(
            {
                "case": case,
                "bytes": len(content),
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_mb),
                "before_mb": round(before_mb),
                "answer": (
                    getattr(report, "file_error", "") or f"{len(report.errors)} 处错误"
                )[:80],
            },
            ensure_ascii=False,
        )
    )


def main():
    if len(sys.argv) > 4 and sys.argv[1] == "--case":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    rows = []
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            # Made here, so the child's peak is reading and checking it only.
            content, name = _make(case)
            upload = Path(tmp) / "upload"
            upload.write_bytes(content)
            del content
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "learning.settings.test",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "PYTHONPATH": str(ROOT),
            }
            done = subprocess.run(
                [sys.executable, __file__, "--case", case, str(upload), name],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=1800,
            )
        line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        rows.append(
            json.loads(line)
            if line.startswith("{")
            else {"case": case, "answer": done.stderr[-300:]}
        )
        print(rows[-1])
    lines = [
        "# Hostile uploads: peak memory and time",
        "",
        "`bench/imports.py`, each case a dry run in its own process (SQLite), "
        "peak RSS of the whole process including Django.",
        "",
        "| case | file bytes | seconds | peak MB (before reading) | answer |",
        "|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r.get('bytes', '—')} | {r.get('seconds', '—')} "
            f"| {r.get('peak_mb', '—')} ({r.get('before_mb', '—')}) "
            f"| {r.get('answer', '')} |"
        )
    report = "\n".join(lines) + "\n"
    (ROOT / "bench/results/imports.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
