"""Pure rules of the manual: dwell time, heartbeat credit, what counts as material."""

import math
from dataclasses import dataclass
from decimal import Decimal

MIN_STUDY_SECONDS = 60
CHARACTERS_PER_MINUTE = 500
# The page sends a heartbeat every 15 s while visible; a longer gap (phone locked,
# tab frozen) is credited at most this much.
HEARTBEAT_SECONDS = 15
MAX_CREDIT_PER_BEAT = 20
RESTUDY_DAYS = 30

MSG_TOO_EARLY = "阅读时间还不够：还需约 {seconds} 秒，请继续阅读后再点“完成学习”。"
MSG_NOT_AT_END = "请先读到页面末尾，再点“完成学习”。"
MSG_SESSION_EXPIRED = "本次阅读计时已失效，请刷新页面重新开始。"
MSG_DISCONTINUED = "该事项已取消（停办），页面仅供查询，无需学习，也不计学习积分。"

# What the worker reads after 完成学习, built from the ledger lines actually posted.
MSG_STUDY_DONE = "已记录学习"
MSG_RESTUDY_DONE = "已完成复学"
MSG_EARNED = "{label} +{points} 积分"
MSG_HOURS = "学时 +{hours}"
MSG_CAPPED = "“{rule}”积分{cap}，本次未加分"
MSG_ALREADY_EARNED = "{label}今年已计过学习积分，本次不重复计分"
MSG_VERSION_ALREADY_STUDIED = "本版本您已学过，不重复计分"
LABEL_ITEM = "本事项"
LABEL_RESTUDY = "复学"
MSG_RESTUDY_QUIZ_PENDING = "再通过本事项测验即完成复学。"


def required_seconds(*, override: int | None, characters: int) -> int:
    """At least a minute, and one minute per 500 characters, unless set per page."""
    if override:
        return override
    by_length = math.ceil(characters / CHARACTERS_PER_MINUTE * 60)
    return max(MIN_STUDY_SECONDS, by_length)


def heartbeat_credit(*, gap_seconds: float, was_visible: bool) -> float:
    """Seconds of reading a heartbeat earns: only visible time, capped per beat."""
    if not was_visible or gap_seconds <= 0:
        return 0.0
    return min(gap_seconds, MAX_CREDIT_PER_BEAT)


def remaining_seconds(*, visible_seconds: float, required: int) -> int:
    return max(0, math.ceil(required - visible_seconds))


@dataclass(frozen=True)
class Posted:
    """A ledger line a study confirmation led to, as plain values.

    `new` is False when the line was already there (READ_ITEM counts once a
    year per item, whichever revision was read); `cap` says why a new line
    earned nothing ("已达当日上限"), and is empty otherwise.
    """

    label: str
    rule: str
    points: int
    hours: Decimal
    new: bool
    cap: str = ""


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def study_result_message(*, restudy: bool, posted: list[Posted]) -> str:
    """What was earned: points and hours, a cap, or that nothing new was due."""
    new = [p for p in posted if p.new]
    parts = []
    for line in new:
        if line.points > 0:
            parts.append(MSG_EARNED.format(label=line.label, points=line.points))
        else:
            parts.append(MSG_CAPPED.format(rule=line.rule, cap=line.cap))
    hours = sum((p.hours for p in new if p.points > 0), Decimal(0))
    if hours:
        parts.append(MSG_HOURS.format(hours=_plain(hours)))
    if not new:
        parts = [MSG_ALREADY_EARNED.format(label=p.label) for p in posted] or [
            MSG_VERSION_ALREADY_STUDIED
        ]
    head = MSG_RESTUDY_DONE if restudy else MSG_STUDY_DONE
    return f"{head}：{'，'.join(parts)}。"
