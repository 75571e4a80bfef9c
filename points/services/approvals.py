"""Awards and deductions that need a second manager, and appeals against them."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from wagtail import hooks

from points.services.common import (
    MSG_NO_PERMISSION,
    MSG_OUT_OF_SCOPE,
    _in_scope,
    _local,
    _log,
    _noon,
    _require,
)
from points.services.ledger import (
    RuleNotFound,
    points_award,
    points_reverse,
    rulebook_in_force,
)

MSG_SELF_PROPOSE = "不能为自己提出积分调整。"
MSG_RULE_NEEDS_NO_APPROVAL = "规则“%(name)s”由系统自动记分，无需提出。"
MSG_PROXY_NEEDS_CONDITION = "代办差错须注明涉及的事项和条件编号。"
MSG_UNKNOWN_CONDITION = "事项《%(item)s》没有编号为 %(code)s 的条件。"
MSG_FUTURE_DATE = "发生日期不能晚于今天。"
MSG_SELF_APPROVE = "不能审批自己提出的调整，须由另一位管理者审批。"
MSG_ALREADY_DECIDED = "该调整已于 %(when)s 处理，不能重复处理。"
MSG_APPEAL_NOT_OWN = "只能对自己的扣分提出申诉。"
MSG_APPEAL_NOT_DEDUCTION = "只能对已入账的扣分提出申诉。"
MSG_APPEAL_LATE = "申诉期已过：须在 %(deadline)s 前提出。"
MSG_APPEAL_TWICE = "这笔扣分已提出过申诉。"
MSG_APPEAL_BY_PROPOSER = "申诉须由提出扣分者以外的管理者处理。"
MSG_APPEAL_BY_WORKER = "不能处理自己的申诉。"
MSG_APPEAL_DECIDED = "该申诉已处理。"
MSG_APPEAL_BY_APPROVER = "申诉不能由批准这笔扣分的管理者处理。"
MSG_APPEAL_NEXT_LEVEL = "申诉由上一级处理：须由%(unit)s的上级单位管理者裁决。"
PROXY_ERROR_CODES = {"PROXY_ERROR", "PROXY_ERROR_LOSS"}
# Run after a posted 代办差错 that names an item: fn(user=, page_id=, now=).
HOOK_PROXY_ERROR_POSTED = "points_after_proxy_error_posted"


@transaction.atomic
def adjustment_propose(
    *,
    actor,
    user,
    rule_code: str,
    occurred_on: datetime.date,
    reason: str,
    quantity: Decimal | int = 1,
    evidence=None,
    item=None,
    condition_code: str = "",
):
    """A manager proposes a deduction or an award that needs approval."""
    from points.models import Adjustment

    _require(actor.has_perm("points.add_adjustment"), MSG_NO_PERMISSION)
    _require(_in_scope(actor, user), MSG_OUT_OF_SCOPE, name=user.name)
    _require(actor.pk != user.pk, MSG_SELF_PROPOSE)
    _require(occurred_on <= timezone.localdate(), MSG_FUTURE_DATE)
    rule = rulebook_in_force(occurred_on).rules.filter(code=rule_code).first()
    if rule is None:
        raise RuleNotFound(f"积分规则 {rule_code} 在 {occurred_on} 不存在。")
    _require(rule.needs_approval, MSG_RULE_NEEDS_NO_APPROVAL, name=rule.name)
    condition_code = condition_code.strip()
    if rule.code in PROXY_ERROR_CODES:
        _require(item is not None and bool(condition_code), MSG_PROXY_NEEDS_CONDITION)
        _require(
            item.conditions.filter(code=condition_code).exists(),
            MSG_UNKNOWN_CONDITION,
            item=item.title,
            code=condition_code,
        )
    adjustment = Adjustment(
        user=user,
        rule=rule,
        quantity=Decimal(str(quantity)) if rule.per_hour else Decimal(1),
        occurred_on=occurred_on,
        reason=reason.strip(),
        item=item,
        condition_code=condition_code,
        proposed_by=actor,
    )
    if evidence:
        adjustment.evidence = evidence
    adjustment.full_clean()
    adjustment.save()
    _log(adjustment, "points.adjustment.propose", actor, rule=rule.code)
    return adjustment


def above(actor, unit) -> bool:
    """Is the actor a manager of a unit above the one given (the next level up
    decides an appeal against that unit's decision)? A superuser stands above
    the whole tree."""
    if actor.is_superuser:
        return True
    mine = getattr(actor, "org_unit", None)
    if mine is None or unit is None:
        return False
    return unit.path.startswith(mine.path) and len(mine.path) < len(unit.path)


def _may_decide(actor, user) -> None:
    _require(actor.has_perm("points.decide_adjustment"), MSG_NO_PERMISSION)
    _require(_in_scope(actor, user), MSG_OUT_OF_SCOPE, name=user.name)


@transaction.atomic
def adjustment_decide(*, adjustment, actor, approve: bool, note: str = ""):
    """A second manager approves (posting it) or rejects a proposal. Once only."""
    from points.models import Adjustment

    adjustment = (
        Adjustment.objects.select_for_update(of=("self",))
        .select_related("rule__version", "user__org_unit", "item")
        .get(pk=adjustment.pk)
    )
    _may_decide(actor, adjustment.user)
    _require(actor.pk != adjustment.proposed_by_id, MSG_SELF_APPROVE)
    _require(actor.pk != adjustment.user_id, MSG_SELF_APPROVE)
    _require(
        adjustment.status == Adjustment.Status.PROPOSED,
        MSG_ALREADY_DECIDED,
        when=_local(adjustment.decided_at),
    )
    now = timezone.now()
    adjustment.decided_by = actor
    adjustment.decided_at = now
    adjustment.decision_note = note.strip()[:200]
    if approve:
        rule = adjustment.rule
        adjustment.entry = points_award(
            user=adjustment.user,
            rule_code=rule.code,
            source=adjustment,
            occurred_at=_noon(adjustment.occurred_on),
            quantity=adjustment.quantity,
            reason=f"{rule.name}：{adjustment.reason}",
            author=actor,
            once_per_year=False,
        )
        adjustment.status = Adjustment.Status.POSTED
        if rule.code in PROXY_ERROR_CODES and adjustment.item_id is not None:
            # The manual sends the worker back to the item (manuals/wagtail_hooks).
            for hook in hooks.get_hooks(HOOK_PROXY_ERROR_POSTED):
                hook(user=adjustment.user, page_id=adjustment.item_id, now=now)
    else:
        adjustment.status = Adjustment.Status.REJECTED
    adjustment.save()
    _log(
        adjustment,
        "points.adjustment.approve" if approve else "points.adjustment.reject",
        actor,
        note=adjustment.decision_note,
    )
    return adjustment


@transaction.atomic
def appeal_file(*, adjustment, actor, text: str, now=None):
    """The worker disputes a posted deduction within the rulebook's window."""
    from points.models import Adjustment, Appeal

    now = now or timezone.now()
    adjustment = (
        Adjustment.objects.select_for_update(of=("self",))
        .select_related("rule__version")
        .get(pk=adjustment.pk)
    )
    _require(actor.pk == adjustment.user_id, MSG_APPEAL_NOT_OWN)
    deadline = adjustment.appeal_deadline()
    _require(deadline is not None, MSG_APPEAL_NOT_DEDUCTION)
    _require(
        now <= deadline,
        MSG_APPEAL_LATE,
        deadline=_local(deadline),
    )
    appealed = Appeal.objects.filter(adjustment=adjustment).exists()
    _require(not appealed, MSG_APPEAL_TWICE)
    appeal = Appeal(adjustment=adjustment, text=text.strip(), filed_at=now)
    appeal.full_clean()
    appeal.save()
    _log(adjustment, "points.appeal.file", actor)
    return appeal


@transaction.atomic
def appeal_decide(*, appeal, actor, overturn: bool, note: str):
    """A manager other than the proposer decides; overturning posts a reversal."""
    from points.models import Appeal

    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related(
            "adjustment__user", "adjustment__entry", "adjustment__decided_by__org_unit"
        )
        .get(pk=appeal.pk)
    )
    adjustment = appeal.adjustment
    _may_decide(actor, adjustment.user)
    _require(actor.pk != adjustment.proposed_by_id, MSG_APPEAL_BY_PROPOSER)
    _require(actor.pk != adjustment.user_id, MSG_APPEAL_BY_WORKER)
    _require(actor.pk != adjustment.decided_by_id, MSG_APPEAL_BY_APPROVER)
    unit = adjustment.decided_by.org_unit
    _require(
        above(actor, unit),
        MSG_APPEAL_NEXT_LEVEL,
        unit=unit.name if unit else "",
    )
    _require(appeal.status == Appeal.Status.PENDING, MSG_APPEAL_DECIDED)
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.decision_note = note.strip()[:200]
    if overturn:
        appeal.reversal = points_reverse(
            entry=adjustment.entry,
            reason=f"申诉成立（{appeal.decision_note or '撤销扣分'}）",
            author=actor,
        )
        appeal.status = Appeal.Status.OVERTURNED
    else:
        appeal.status = Appeal.Status.UPHELD
    appeal.save()
    _log(
        adjustment,
        "points.appeal.overturn" if overturn else "points.appeal.uphold",
        actor,
        note=appeal.decision_note,
    )
    return appeal
