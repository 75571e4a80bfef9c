"""What the points services share: refusals in Chinese, scope, time, the log."""

import datetime

from django.utils import timezone


class PointsActionRefused(Exception):
    """A proposal, decision or appeal the rules do not allow; says why in Chinese."""


MSG_NO_PERMISSION = "您没有此操作的权限。"
MSG_OUT_OF_SCOPE = "%(name)s 不在您管辖的单位内。"


def _require(condition: bool, message: str, **values) -> None:
    if not condition:
        raise PointsActionRefused(message % values if values else message)


def _in_scope(actor, user) -> bool:
    from learning.selectors import staff_member_visible

    return staff_member_visible(actor=actor, user=user)


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(12), tzinfo=timezone.get_current_timezone()
    )


def _local(moment) -> str:
    return f"{timezone.localtime(moment or timezone.now()):%Y-%m-%d %H:%M}"


def _log(instance, action: str, actor, **data) -> None:
    from wagtail.log_actions import log

    log(instance=instance, action=action, user=actor, data=data or None)
