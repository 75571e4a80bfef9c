"""The product does what the 社工培训学习积分管理办法 says, row by row: re-study
needs the quiz, ties go to who got there first, 优秀 and 合格 need the exam and
offline hours, tiers need evidence, appeals run in working days to the next
level up, an overdue re-study suspends a certificate of its category only, and
anomalies hold an award for review."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.roles import Role
from manuals.models import ChangeKind
from manuals.services import restudy_task_assign
from points import rules
from points.events import CategoryCompleted, ProxyCasesCounted, QuizKind
from points.models import (
    Adjustment,
    Certificate,
    HeldAward,
    LedgerEntry,
    Level,
    WorkdayOverride,
)
from points.ranking import Period
from points.selectors import certificate_state, points_overview, ranking_list
from points.services import (
    PointsActionRefused,
    adjustment_decide,
    adjustment_propose,
    appeal_decide,
    appeal_file,
    certificate_issue_level,
    held_award_decide,
    points_award,
    points_record,
)
from points.services.approvals import MSG_APPEAL_BY_APPROVER
from tests.factories import StaffFactory
from tests.manuals.helpers import publish_edit, study
from tests.points.events import exam, graded, high_frequency_done
from tests.quizzes.helpers import take

pytestmark = pytest.mark.django_db


def _codes(user):
    return sorted(
        LedgerEntry.objects.filter(user=user).values_list("rule_code", flat=True)
    )


def _reads(user, n, *, start=None):
    """n items read, eight a day (the daily cap), ending before now."""
    start = start or timezone.now() - datetime.timedelta(days=n // 8 + 2)
    for k in range(n):
        points_award(
            user=user,
            rule_code="READ_ITEM",
            source=("item", 10_000 + k),
            occurred_at=start + datetime.timedelta(days=k // 8, minutes=k),
        )


# ------------------------------------------------ RESTUDY: re-read and pass


def _material_change(page):
    def edit(draft):
        draft.promised_days = (draft.promised_days or 20) + 5

    return publish_edit(page, edit, kind=ChangeKind.MATERIAL, note="承诺时限调整")


def test_restudy_is_earned_by_rereading_and_then_passing_the_items_quiz(
    manual, practice, worker
):
    study(worker, manual["dibao"])
    take(worker, practice, timezone.now() - datetime.timedelta(hours=3))
    page = _material_change(manual["dibao"])
    assert worker.restudy_tasks.filter(completed_at__isnull=True).exists()

    session_start = timezone.now() + datetime.timedelta(minutes=1)
    study(worker, page, start=session_start)
    # The quiz passed before the change does not count: re-reading alone
    # earns no RESTUDY and the task stays open.
    assert "RESTUDY" not in _codes(worker)
    task = worker.restudy_tasks.get()
    assert task.completed_at is None and task.reread_at is not None

    take(worker, practice, session_start + datetime.timedelta(hours=1))

    task.refresh_from_db()
    assert task.completed_at is not None
    assert _codes(worker).count("RESTUDY") == 1


def test_passing_the_quiz_first_then_rereading_finishes_the_restudy(
    manual, practice, worker
):
    study(worker, manual["dibao"])
    page = _material_change(manual["dibao"])
    later = timezone.now() + datetime.timedelta(minutes=5)
    take(worker, practice, later)
    assert "RESTUDY" not in _codes(worker)

    study(worker, page, start=later + datetime.timedelta(hours=1))

    assert _codes(worker).count("RESTUDY") == 1
    assert not worker.restudy_tasks.filter(completed_at__isnull=True).exists()


# ------------------------------------------------ ties: who got there first


def test_equal_points_rank_by_who_reached_them_first(org, worker):
    early, late = worker, StaffFactory(org_unit=worker.org_unit)
    day = timezone.now() - datetime.timedelta(days=3)
    points_award(user=late, rule_code="EXAM_PASS", source=("e", 1), occurred_at=day)
    points_award(
        user=early,
        rule_code="EXAM_PASS",
        source=("e", 2),
        occurred_at=day - datetime.timedelta(hours=5),
    )

    rows = ranking_list(
        unit=worker.org_unit, period=Period.current("year", timezone.localdate())
    )

    placed = [(row.rank, row.user_id) for row in rows if row.points == 20]
    assert placed == [(1, early.pk), (2, late.pk)]


# ------------------------------------------------ the year's grade


def _attend(user, hours, days_ago):
    points_award(
        user=user,
        rule_code="TRAIN_ATTEND",
        source=("training", days_ago),
        quantity=hours,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
        once_per_year=False,
    )


def _praised(user, times):
    for n in range(times):
        points_award(user=user, rule_code="RESIDENT_PRAISE", source=("praise", n))


def test_points_alone_do_not_make_a_pass_the_exam_and_offline_hours_do(client, worker):
    _reads(worker, 40)  # +40
    exam(worker, 70)  # EXAM_PASS: +20
    _attend(worker, 3, days_ago=2)  # TRAIN_ATTEND: +6, 3 学时
    _attend(worker, 3, days_ago=1)  # +6, 3 学时
    _praised(worker, 3)  # +9
    overview = points_overview(user=worker)
    assert overview.points == 81
    assert overview.grade == rules.GRADE_FAIL
    assert overview.grade_missing == ["线下学时 6/8"]

    _attend(worker, 2, days_ago=0)
    overview = points_overview(user=worker)
    assert overview.grade == rules.GRADE_PASS

    client.force_login(worker)
    page = client.get(reverse("points:mine")).content.decode()
    assert 'data-grade="合格"' in page


def test_excellent_needs_150_points_and_an_exam_of_90():
    class Version:
        pass_points, annual_target, required_offline_hours = 80, 120, 8
        excellent_points, excellent_exam_percent = 150, 90

    def grade(points, exam_percent):
        return rules.annual_grade(
            points=points,
            exam_percent=Decimal(exam_percent),
            offline_hours=Decimal(8),
            version=Version,
        )[0]

    assert grade(150, 90) == rules.GRADE_EXCELLENT
    assert grade(150, 89) == rules.GRADE_TARGET  # the exam falls short
    assert grade(149, 100) == rules.GRADE_TARGET  # the points fall short
    assert grade(100, 95) == rules.GRADE_PASS
    assert grade(200, 55) == rules.GRADE_FAIL  # no pass without the exam


# ------------------------------------------------ tiers need evidence


def test_sixty_points_without_the_exam_and_high_frequency_items_earn_no_tier(worker):
    _reads(worker, 40)
    exam(worker, 55)  # failed: no EXAM_PASS, and not the 60 初级 asks for
    _praised(worker, 5)  # +15
    points_award(user=worker, rule_code="CASE_APPROVED", source=("case", 1))  # +5
    assert points_overview(user=worker).lifetime == 60
    assert not Certificate.objects.filter(user=worker).exists()
    short = points_overview(user=worker).next_level_short
    assert "高频事项须全部学完并通过测验" in short
    assert any(s.startswith("年度考试须达 60 分") for s in short)

    high_frequency_done(worker, "SH")
    assert not Certificate.objects.filter(user=worker).exists()
    exam(worker, 72)  # the better score of the year counts

    [certificate] = Certificate.objects.filter(user=worker)
    assert certificate.subject == "初级社工"
    assert certificate.categories == ["SH"]


def test_the_all_round_tier_needs_one_check_per_role_and_a_sign_off(
    worker, street_manager
):
    for n in range(170):  # RESTUDY has no cap: 340 points over the years
        points_award(
            user=worker,
            rule_code="RESTUDY",
            source=("task", n),
            occurred_at=timezone.now() - datetime.timedelta(days=30 + n * 5),
        )
    points_award(user=worker, rule_code="CASE_APPROVED", source=("case", 1))  # +5
    exam(worker, 92)  # +30
    high_frequency_done(worker, "SH")
    for n, code in enumerate(("SH", "JS", "WS", "RS", "MZ", "CJ", "AQ")):
        points_record(
            CategoryCompleted(
                user=worker,
                at=timezone.now(),
                category_id=n + 1,
                category_code=code,
                title=code,
            )
        )
    live = Certificate.objects.filter(user=worker, superseded_at__isnull=True)
    assert [c.subject for c in live] == ["高级社工"]
    all_round = Level.objects.get(name="全能社工", version__name="默认版")

    with pytest.raises(PointsActionRefused) as refused:
        certificate_issue_level(user=worker, level=all_round, actor=street_manager)
    message = str(refused.value)
    for role in ("宣传员", "解答员", "代办员"):
        assert role in message

    points_award(user=worker, rule_code="TRAIN_TEACH", source=("class", 1), quantity=2)
    exam(worker, 95, scenario=93)
    month = timezone.localdate().strftime("%Y-%m")
    points_record(
        ProxyCasesCounted(user=worker, at=timezone.now(), month=month, cases=21)
    )
    certificate, created = certificate_issue_level(
        user=worker, level=all_round, actor=street_manager
    )
    assert created and certificate.subject == "全能社工"


# ------------------------------------------------ appeals


def _deduction(worker, proposer, approver, *, decided_at=None):
    points_award(user=worker, rule_code="EXAM_PASS", source=("exam", worker.pk))
    proposal = adjustment_propose(
        actor=proposer,
        user=worker,
        rule_code="COMPLAINT_UPHELD",
        occurred_on=timezone.localdate(),
        reason="居民投诉属实",
    )
    adjustment = adjustment_decide(adjustment=proposal, actor=approver, approve=True)
    if decided_at is not None:
        Adjustment.objects.filter(pk=adjustment.pk).update(decided_at=decided_at)
        adjustment.refresh_from_db()
    return adjustment


def _at(y, m, d, hour=12, minute=0):
    return timezone.make_aware(datetime.datetime(y, m, d, hour, minute))


def test_the_appeal_window_counts_working_days_across_the_national_holiday(
    worker, community_manager, centre_manager
):
    # Decided on 30 September 2026: 1–7 October are holidays and Saturday
    # 10 October is a make-up working day, so ten working days end on 20 October.
    deduction = _deduction(
        worker, community_manager, centre_manager, decided_at=_at(2026, 9, 30)
    )
    deadline = timezone.localtime(deduction.appeal_deadline())
    assert deadline.date() == datetime.date(2026, 10, 20)

    with pytest.raises(PointsActionRefused):
        appeal_file(
            adjustment=deduction, actor=worker, text="迟了", now=_at(2026, 10, 21, 0, 1)
        )
    appeal_file(
        adjustment=deduction, actor=worker, text="按时", now=_at(2026, 10, 20, 23, 0)
    )


def test_a_year_the_calendar_does_not_know_reads_the_admin_table(
    worker, community_manager, centre_manager
):
    deduction = _deduction(
        worker, community_manager, centre_manager, decided_at=_at(2027, 1, 29)
    )
    # Without entries: Monday to Friday only.
    assert timezone.localtime(deduction.appeal_deadline()).date() == datetime.date(
        2027, 2, 12
    )
    for day in range(8, 13):
        WorkdayOverride.objects.create(
            day=datetime.date(2027, 2, day), is_workday=False, note="春节"
        )
    WorkdayOverride.objects.create(
        day=datetime.date(2027, 2, 6), is_workday=True, note="春节调休上班"
    )
    assert timezone.localtime(deduction.appeal_deadline()).date() == datetime.date(
        2027, 2, 18
    )


def test_the_next_level_up_decides_an_appeal(
    worker, community_manager, centre_manager, street_manager
):
    deduction = _deduction(worker, community_manager, centre_manager)
    appeal = appeal_file(adjustment=deduction, actor=worker, text="已一次性告知")
    colleague = StaffFactory(org_unit=centre_manager.org_unit, role=Role.MANAGER)

    with pytest.raises(PointsActionRefused) as refused:
        appeal_decide(appeal=appeal, actor=centre_manager, overturn=True, note="")
    assert str(refused.value) == MSG_APPEAL_BY_APPROVER
    with pytest.raises(PointsActionRefused) as refused:
        appeal_decide(appeal=appeal, actor=colleague, overturn=True, note="")
    assert "上一级" in str(refused.value)

    appeal_decide(appeal=appeal, actor=street_manager, overturn=True, note="录音为证")
    appeal.refresh_from_db()
    assert appeal.status == appeal.Status.OVERTURNED


# ------------------------------------------------ re-study and certificates


def _certified(worker, *categories):
    _reads(worker, 40)
    high_frequency_done(worker, *categories)
    exam(worker, 80)
    return Certificate.objects.get(user=worker)


def test_a_restudy_owed_in_another_category_leaves_the_certificate_valid(
    manual, worker
):
    certificate = _certified(worker, "JS")
    study(worker, manual["dibao"])  # 社会事务类 (SH)
    restudy_task_assign(user=worker, page=manual["dibao"], now=timezone.now())

    assert certificate_state(certificate).status == "valid"

    certificate.categories = ["SH", "JS"]
    certificate.save(update_fields=["categories"])
    assert certificate_state(certificate).status == "restudy"


def test_a_restudy_left_undone_for_thirty_days_suspends_the_certificate(
    client, manual, worker
):
    certificate = _certified(worker, "SH")
    assigned = timezone.now() - datetime.timedelta(days=31)
    restudy_task_assign(user=worker, page=manual["dibao"], now=assigned)

    view = certificate_state(certificate)
    assert (view.status, view.status_label) == ("suspended", "暂停")
    page = client.get(reverse("points:verify", args=[certificate.serial]))
    assert 'data-status="suspended"' in page.content.decode()

    today = timezone.localdate()
    assert (
        certificate_state(certificate, today=today - datetime.timedelta(days=2)).status
        == "restudy"
    )


# ------------------------------------------------ anomalies hold an award


def test_a_burst_of_hand_ins_holds_the_award_for_a_manager(
    worker, community_manager, centre_manager
):
    points_record(graded(worker, submissions_last_hour=21))
    assert _codes(worker) == []
    held = list(HeldAward.objects.filter(user=worker).order_by("rule_code"))
    assert [h.rule_code for h in held] == ["QUIZ_PASS_FIRST", "QUIZ_PERFECT"]
    assert held[0].why_held == "一小时内交卷超过 20 次"

    with pytest.raises(PointsActionRefused):
        held_award_decide(held=held[0], actor=worker, release=True)
    held_award_decide(held=held[0], actor=centre_manager, release=True)
    held_award_decide(held=held[1], actor=community_manager, release=False)

    assert _codes(worker) == ["QUIZ_PASS_FIRST"]
    with pytest.raises(PointsActionRefused):
        held_award_decide(held=held[0], actor=community_manager, release=True)
    assert _codes(worker) == ["QUIZ_PASS_FIRST"]


def test_a_hand_in_far_faster_than_others_is_held(practice, worker, org):
    start = timezone.now() - datetime.timedelta(days=1)
    for n in range(5):
        other = StaffFactory(org_unit=worker.org_unit)
        take(other, practice, start + datetime.timedelta(hours=n), minutes=10)
    assert LedgerEntry.objects.filter(rule_code="QUIZ_PASS_FIRST").count() == 5

    take(worker, practice, start, minutes=1)

    assert _codes(worker) == []
    assert HeldAward.objects.get(user=worker, rule_code="QUIZ_PASS_FIRST").why_held == (
        "用时不到他人中位数的 20%"
    )


def test_an_ordinary_exam_is_not_held(worker):
    points_record(graded(worker, kind=QuizKind.EXAM, percent=91))
    assert _codes(worker) == ["EXAM_EXCELLENT", "EXAM_PASS"]
    assert not HeldAward.objects.exists()


# ------------------------------------------------ CHAPTER_DONE


def test_a_category_studied_and_its_quiz_passed_earns_chapter_done_once(
    manual, category_test, worker
):
    study(worker, manual["dibao"])
    assert "CHAPTER_DONE" not in _codes(worker)
    take(worker, category_test, timezone.now() - datetime.timedelta(hours=2))
    assert "CHAPTER_DONE" not in _codes(worker)  # one item still unread

    study(worker, manual["youhui"])

    assert _codes(worker).count("CHAPTER_DONE") == 1
    line = LedgerEntry.objects.get(user=worker, rule_code="CHAPTER_DONE")
    assert line.points == 3 and "社会事务类" in line.reason
    study(worker, manual["youhui"], start=timezone.now() + datetime.timedelta(hours=3))
    assert _codes(worker).count("CHAPTER_DONE") == 1
