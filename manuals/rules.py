"""Pure rules of the manual: dwell time, heartbeat credit, what counts as material."""

import math

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
