"""The one door into points for what happened elsewhere: `points_record(event)`.

The event is looked up in `points.awards`; each row it earns is posted to the
ledger (caps and the floor applied there) or, when an anomaly holds it, kept
aside for a manager. Evidence the tiers and the annual grade need (categories
done, exam scores, re-studies owed) is noted on the way.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from points import awards, events
from points.models import Evidence, HeldAward, LedgerEntry, RestudyDue
from points.services.common import (
    MSG_NO_PERMISSION,
    _in_scope,
    _local,
    _log,
    _require,
)
from points.services.ledger import points_award

__all__ = ["Recorded", "points_record", "held_award_decide", "proxy_cases_record"]

MSG_HELD = "暂扣待核查：%(why)s"
MSG_HOLD_DECIDED = "该暂扣积分已于 %(when)s 处理。"
MSG_HOLD_OWN = "不能核查本人的暂扣积分。"
MSG_PROXY_OWN = "不能为自己登记代办件数。"


@dataclass(frozen=True)
class Recorded:
    """What one row of the awards table did for the event."""

    rule_code: str
    entry: LedgerEntry | None = None  # posted (or found posted before)
    held: HeldAward | None = None  # kept for review instead
    new: bool = False  # posted now, not found from an earlier call


def _evidence(*, user, kind, key, at, value=None, detail=None, best=False) -> None:
    """Note a fact once per (kind, key); with best=True keep the highest value."""
    row = Evidence.objects.filter(user=user, kind=kind, key=key).first()
    if row is None:
        try:
            with transaction.atomic():
                Evidence.objects.create(
                    user=user, kind=kind, key=key, at=at, value=value,
                    detail=list(detail or []),
                )  # fmt: skip
            return
        except IntegrityError:
            row = Evidence.objects.get(user=user, kind=kind, key=key)
    if best and value is not None and (row.value is None or value > row.value):
        Evidence.objects.filter(pk=row.pk).update(value=value, at=at)
    elif not best and (value is not None or detail is not None):
        Evidence.objects.filter(pk=row.pk).update(
            value=value, detail=list(detail or row.detail), at=at
        )


def _percent(value: float) -> Decimal:
    return Decimal(str(round(value, 1)))


def _note(event: events.Event) -> bool:
    """Keep what the event shows beside the points; True when a tier may change."""
    user, at = event.user, event.at
    match event:
        case events.RestudyAssigned():
            RestudyDue.objects.get_or_create(
                task_id=event.task_id,
                defaults={
                    "user": user,
                    "item_title": event.title[:255],
                    "category_code": event.category_code,
                    "assigned_at": at,
                },
            )
        case events.RestudyFinished():
            RestudyDue.objects.filter(
                task_id=event.task_id, finished_at__isnull=True
            ).update(finished_at=at)
            return True
        case events.CategoryCompleted():
            kind, key = Evidence.Kind.CATEGORY, event.category_code
            _evidence(user=user, kind=kind, key=key, at=at)
            return True
        case events.HighFrequencyCompleted():
            kind = Evidence.Kind.HIGH_FREQUENCY
            _evidence(user=user, kind=kind, key="", at=at, detail=event.category_codes)
            return True
        case events.AttemptGraded(kind=events.QuizKind.EXAM):
            year = str(timezone.localtime(at).year)
            score = _percent(event.percent)
            _evidence(user=user, kind=Evidence.Kind.EXAM, key=year, at=at,
                      value=score, best=True)  # fmt: skip
            if event.scenario_percent is not None:
                score = _percent(event.scenario_percent)
                _evidence(user=user, kind=Evidence.Kind.SCENARIO, key=year, at=at,
                          value=score, best=True)  # fmt: skip
            return True
        case events.ProxyCasesCounted():
            _evidence(user=user, kind=Evidence.Kind.PROXY, key=event.month, at=at,
                      value=Decimal(event.cases))  # fmt: skip
            return True
    return False


def _hold(event, award, reason: str, why: list) -> HeldAward:
    source_type, source_id = event.source()
    held, _created = HeldAward.objects.get_or_create(
        user=event.user,
        rule_code=award.rule,
        source_type=source_type,
        source_id=source_id,
        defaults={
            "occurred_at": event.at,
            "reason": reason[:200],
            "why_held": "；".join(c.name for c in why)[:200],
        },
    )
    return held


@transaction.atomic
def points_record(event: events.Event) -> list[Recorded]:
    """Post what the event earns by the awards table. Safe to call twice: the
    ledger keeps one line per rule and source (per year where the row says so)."""
    tier_may_change = _note(event)
    done = []
    for award in awards.awards_for(event):
        reason = awards.reason_for(award, event)
        why = award.held_by(event)
        if why:
            done.append(Recorded(award.rule, held=_hold(event, award, reason, why)))
            continue
        entry = points_award(
            user=event.user,
            rule_code=award.rule,
            source=event.source(),
            occurred_at=event.at,
            quantity=award.hours(event) if award.hours else 1,
            reason=reason,
            author=getattr(event, "author", None),
            once_per_year=award.once == awards.ONCE_A_YEAR,
        )
        done.append(Recorded(award.rule, entry=entry, new=entry.just_posted))
    if tier_may_change and not any(r.new and r.entry.points > 0 for r in done):
        from points.services.certificates import levels_reached_issue

        levels_reached_issue(user=event.user, now=event.at)
    return done


@transaction.atomic
def held_award_decide(*, held: HeldAward, actor, release: bool) -> HeldAward:
    """A manager over the worker releases a held award to the ledger, or drops it."""
    held = HeldAward.objects.select_for_update(of=("self",)).get(pk=held.pk)
    _require(actor.has_perm("points.decide_adjustment"), MSG_NO_PERMISSION)
    _require(actor.pk != held.user_id, MSG_HOLD_OWN)
    _require(_in_scope(actor, held.user), MSG_NO_PERMISSION)
    _require(
        held.status == HeldAward.Status.HELD,
        MSG_HOLD_DECIDED,
        when=_local(held.decided_at),
    )
    held.decided_by = actor
    held.decided_at = timezone.now()
    if release:
        held.entry = points_award(
            user=held.user,
            rule_code=held.rule_code,
            source=(held.source_type, held.source_id),
            occurred_at=held.occurred_at,
            reason=f"{held.reason}（核查后放行）",
            author=actor,
        )
        held.status = HeldAward.Status.RELEASED
    else:
        held.status = HeldAward.Status.DROPPED
    held.save()
    _log(held, "points.held.release" if release else "points.held.drop", actor)
    return held


def latest_exam_percent(user, *, years: tuple[int, ...]):
    """The best annual-exam score in the given years, or None."""
    return Evidence.objects.filter(
        user=user, kind=Evidence.Kind.EXAM, key__in=[str(y) for y in years]
    ).aggregate(best=Max("value"))["best"]


def proxy_cases_record(*, actor, user, month: str, cases: int):
    """A manager over the worker attests their 代办 count for a month (the
    latest entry for a month stands). Nobody records their own."""
    from points.services.common import MSG_OUT_OF_SCOPE

    _require(actor.has_perm("points.decide_adjustment"), MSG_NO_PERMISSION)
    _require(actor.pk != user.pk, MSG_PROXY_OWN)
    _require(_in_scope(actor, user), MSG_OUT_OF_SCOPE, name=user.name)
    return points_record(
        events.ProxyCasesCounted(
            user=user, at=timezone.now(), month=month, cases=cases, author=actor
        )
    )
