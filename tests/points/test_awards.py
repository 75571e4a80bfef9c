"""The ledger: once per source, caps that explain themselves, a floor at zero."""

import datetime

import pytest
from django.utils import timezone

from points.models import Balance, LedgerEntry, MonthTotal, Rule, RulebookVersion
from points.rules import MSG_ANNUAL_CAP, MSG_DAILY_CAP, MSG_FLOOR
from points.services import points_award, points_reverse

NOON = timezone.make_aware(datetime.datetime(2026, 6, 1, 12, 0))


def _balance(user, year=2026):
    return Balance.objects.get(user=user, year=year).points


def test_the_same_award_twice_posts_once(worker):
    first = points_award(
        user=worker, rule_code="READ_ITEM", source=("item", 1), occurred_at=NOON
    )
    again = points_award(
        user=worker,
        rule_code="READ_ITEM",
        source=("item", 1),
        occurred_at=NOON + datetime.timedelta(hours=3),
    )
    assert again.pk == first.pk
    assert LedgerEntry.objects.filter(user=worker).count() == 1
    assert _balance(worker) == 1


def test_daily_cap_turns_the_excess_into_zero_point_lines_with_the_reason(worker):
    for n in range(10):
        points_award(
            user=worker,
            rule_code="READ_ITEM",
            source=("item", n),
            occurred_at=NOON + datetime.timedelta(minutes=n),
        )

    lines = list(LedgerEntry.objects.filter(user=worker).order_by("occurred_at"))
    assert [e.points for e in lines] == [1] * 8 + [0, 0]
    assert all(MSG_DAILY_CAP in e.reason for e in lines[8:])
    assert _balance(worker) == 8
    # The next day the cap starts again.
    tomorrow = points_award(
        user=worker,
        rule_code="READ_ITEM",
        source=("item", 99),
        occurred_at=NOON + datetime.timedelta(days=1),
    )
    assert tomorrow.points == 1


def test_annual_cap_holds_across_days(worker):
    for n in range(45):
        day = NOON + datetime.timedelta(days=n // 5, minutes=n)
        points_award(
            user=worker, rule_code="READ_ITEM", source=("item", n), occurred_at=day
        )
    assert _balance(worker) == 40
    capped = LedgerEntry.objects.filter(user=worker, points=0)
    assert capped.count() == 5 and all(MSG_ANNUAL_CAP in e.reason for e in capped)


def test_shared_cap_group_counts_first_pass_and_retake_together(worker):
    for n in range(5):
        points_award(
            user=worker,
            rule_code="QUIZ_PASS_FIRST",
            source=("quiz", n),
            occurred_at=NOON,
        )
    retake = points_award(
        user=worker, rule_code="QUIZ_PASS_RETAKE", source=("quiz", 9), occurred_at=NOON
    )
    assert retake.points == 0 and MSG_DAILY_CAP in retake.reason


def test_floor_at_zero_holds_and_says_so(worker):
    points_award(
        user=worker, rule_code="READ_ITEM", source=("item", 1), occurred_at=NOON
    )
    deduction = points_award(
        user=worker,
        rule_code="COMPLAINT_UPHELD",
        source=("complaint", 1),
        occurred_at=NOON,
    )
    assert deduction.points == -1 and deduction.nominal_points == -5
    assert MSG_FLOOR in deduction.reason
    assert _balance(worker) == 0


def test_a_reversal_restores_the_balance_and_keeps_the_original(worker, street_manager):
    points_award(
        user=worker, rule_code="EXAM_PASS", source=("exam", 1), occurred_at=NOON
    )
    wrong = points_award(
        user=worker, rule_code="ABSENT_MANDATORY", source=("class", 7), occurred_at=NOON
    )
    assert _balance(worker) == 15

    reversal = points_reverse(entry=wrong, reason="已补交请假条", author=street_manager)

    assert reversal.points == 5 and reversal.reverses == wrong
    assert _balance(worker) == 20
    wrong.refresh_from_db()
    assert wrong.points == -5  # never edited
    assert (
        points_reverse(entry=wrong, reason="再点一次", author=street_manager)
        == reversal
    )


def test_a_new_rulebook_version_changes_nothing_already_posted(worker):
    old = points_award(
        user=worker, rule_code="EXAM_PASS", source=("exam", 2025), occurred_at=NOON
    )
    newer = RulebookVersion.objects.create(
        name="2027版",
        effective_from=datetime.date(2027, 1, 1),
        approved_at=timezone.now(),
    )
    for rule in Rule.objects.filter(version__name="默认版"):
        Rule.objects.create(
            version=newer,
            code=rule.code,
            name=rule.name,
            points=rule.points * 2 if rule.points > 0 else rule.points,
            daily_cap=rule.daily_cap,
            annual_cap=rule.annual_cap,
        )

    later = points_award(
        user=worker,
        rule_code="EXAM_PASS",
        source=("exam", 2027),
        occurred_at=NOON.replace(year=2027),
    )

    old.refresh_from_db()
    assert old.points == 20 and old.rule.version.name == "默认版"
    assert later.points == 20 and later.rule.version == newer  # capped at its annual 20
    assert later.nominal_points == 40
    assert _balance(worker, 2026) == 20


def test_per_hour_rules_scale_points_and_hours(worker):
    entry = points_award(
        user=worker,
        rule_code="TRAIN_ATTEND",
        source=("class", 3),
        quantity=3,
        occurred_at=NOON,
    )
    assert entry.points == 6 and entry.hours == 3
    assert Balance.objects.get(user=worker).hours == 3


def test_month_totals_follow_the_ledger(worker):
    points_award(user=worker, rule_code="EXAM_PASS", source=("e", 1), occurred_at=NOON)
    points_award(
        user=worker,
        rule_code="READ_ITEM",
        source=("i", 1),
        occurred_at=NOON.replace(month=7),
    )
    months = dict(MonthTotal.objects.filter(user=worker).values_list("month", "points"))
    assert months == {6: 20, 7: 1}


def test_points_reset_each_year_in_shanghai_time(worker):
    new_year_shanghai = timezone.make_aware(datetime.datetime(2027, 1, 1, 0, 30))
    entry = points_award(
        user=worker,
        rule_code="READ_ITEM",
        source=("i", 1),
        occurred_at=new_year_shanghai,
    )
    assert entry.year == 2027  # 16:30 UTC on 31 December, but 2027 in Hangzhou
    assert not Balance.objects.filter(user=worker, year=2026).exclude(points=0).exists()


def test_unknown_rule_is_refused(worker):
    from points.services import RuleNotFound

    with pytest.raises(RuleNotFound):
        points_award(user=worker, rule_code="NO_SUCH_RULE", source=("x", 1))
