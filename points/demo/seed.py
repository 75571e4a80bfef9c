"""A year of points activity for the demo, through the real services: sign-in
sheets imported, awards and deductions approved, one appeal waiting, and the
months that are over closed. Running it again changes nothing."""

import datetime
import random
from zoneinfo import ZoneInfo

import tablib

from points.models import Adjustment, Certificate
from points.ranking import Period
from points.services import (
    adjustment_decide,
    adjustment_propose,
    appeal_file,
    attendance_import,
    certificate_issue_level,
    certificate_reissue,
    certificate_revoke,
    period_freeze,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# (month, day, title, hours): offline classes run by the street's trainers.
TRAININGS = [
    (1, 14, "“最多跑一次”改革与全能社工", 3),
    (3, 11, "社会救助政策解读：低保与特困", 2),
    (4, 22, "居民服务礼仪与沟通技巧", 1.5),
    (6, 17, "医保与养老保险经办实务", 3),
    (7, 8, "残疾人两项补贴与证件办理", 2),
    (9, 9, "城市管理与安全生产常识", 2),
    (10, 21, "计划生育家庭扶助政策", 1.5),
    (11, 11, "代办流程与材料审核要点", 3),
]
LAST_YEAR = [(11, 19, "全能社工岗前培训", 4), (12, 10, "年度政策更新汇编", 2)]


def seed_points(*, units, people, rng: random.Random, stdout, now=None) -> None:
    now = now or datetime.datetime.now(tz=SHANGHAI)
    today = now.date()
    trainer = people["trainers"][0]
    workers = people["workers"]
    sheets = [(today.year - 1, *t) for t in LAST_YEAR]
    sheets += [(today.year, *t) for t in TRAININGS]
    imported = 0
    for year, month, day, title, hours in sheets:
        held = datetime.date(year, month, day)
        if held >= today:
            continue
        # Who came depends on the class alone, so a rerun finds the same sheet.
        attendance = random.Random(f"{held}{title}")
        present = [w for w in workers if attendance.random() < 0.8]
        sheet = tablib.Dataset(headers=["工号", "姓名", "培训名称", "日期", "学时"])
        for worker in present:
            sheet.append([worker.username, worker.name, title, held.isoformat(), hours])
        report = attendance_import(
            content=sheet.export("xlsx"),
            filename=f"{title}.xlsx",
            actor=trainer,
            dry_run=False,
            today=held,  # imported on the day of the class
        )
        imported += report.new
    stdout.write(f"线下培训签到：新记 {imported} 人次。")

    _approvals(units, people, today)
    closed = _close_months(units, people, today)
    stdout.write(f"积分审批与结账：已结账 {closed} 个周期。")
    _certificates(people)
    live = Certificate.objects.filter(
        revoked_at__isnull=True, superseded_at__isnull=True
    )
    stdout.write(f"证书：有效 {live.count()} 张（达到等级时自动颁发）。")


def _certificates(people) -> None:
    """One certificate revoked and issued anew, one re-issued, so the verify page
    has each of its statuses to show."""
    street, centre, _community = people["managers"]
    holders = list(
        Certificate.objects.filter(kind="level")
        .order_by("user__username")
        .values_list("user_id", flat=True)
        .distinct()
    )
    if (
        len(holders) < 2
        or Certificate.objects.filter(revoked_at__isnull=False).exists()
    ):
        return
    first = Certificate.objects.filter(user_id=holders[0], superseded_at=None).first()
    certificate_revoke(
        certificate=first,
        actor=centre,
        reason="证书姓名录入有误，已重新颁发",
        category="record",
    )
    certificate_issue_level(user=first.user, actor=centre)
    second = Certificate.objects.filter(user_id=holders[1], superseded_at=None).first()
    certificate_reissue(certificate=second, actor=street)


def _propose_once(*, actor, user, code, occurred_on, reason, **extra):
    existing = Adjustment.objects.filter(
        user=user, rule__code=code, reason=reason
    ).first()
    if existing is not None:
        return existing, False
    adjustment = adjustment_propose(
        actor=actor,
        user=user,
        rule_code=code,
        occurred_on=occurred_on,
        reason=reason,
        **extra,
    )
    return adjustment, True


def _approvals(units, people, today) -> None:
    street, centre, community = people["managers"]
    local = [w for w in people["workers"] if w.org_unit == community.org_unit]
    days_ago = [today - datetime.timedelta(days=n) for n in (60, 41, 25, 12, 5, 2)]

    for worker, when in zip(local[:3], days_ago[:3], strict=True):
        praise, new = _propose_once(
            actor=community,
            user=worker,
            code="RESIDENT_PRAISE",
            occurred_on=when,
            reason="居民送来锦旗，感谢帮助办理残疾人两项补贴",
        )
        if new:
            adjustment_decide(adjustment=praise, actor=centre, approve=True)

    teach, new = _propose_once(
        actor=centre,
        user=people["trainers"][1],
        code="TRAIN_TEACH",
        occurred_on=days_ago[1],
        quantity=2,
        reason="主讲《社会救助政策解读》",
    )
    if new:
        adjustment_decide(adjustment=teach, actor=street, approve=True)

    complaint, new = _propose_once(
        actor=community,
        user=local[3],
        code="COMPLAINT_UPHELD",
        occurred_on=days_ago[3],
        reason="居民投诉未一次性告知居住证办理材料，经核实属实",
    )
    if new:
        adjustment_decide(
            adjustment=complaint, actor=centre, approve=True, note="调取窗口记录核实"
        )
        appeal_file(
            adjustment=complaint,
            actor=local[3],
            text="当天已口头告知材料清单，居民未记下，请调取录音复核。",
        )

    # Waiting for a second manager: the street or centre manager may approve.
    _propose_once(
        actor=community,
        user=local[4],
        code="COMPLAINT_UPHELD",
        occurred_on=days_ago[5],
        reason="居民反映窗口等候时间过长，待核实",
    )


def _close_months(units, people, today) -> int:
    street = people["managers"][0]
    periods = [Period("month", today.year, m) for m in range(1, today.month)]
    periods += [
        Period("quarter", today.year, q) for q in range(1, 5) if 3 * q < today.month
    ]
    for period in periods:
        period_freeze(unit=street.org_unit, period=period, actor=street)
    return len(periods)
