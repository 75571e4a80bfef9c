"""Pure points rules: caps, the floor, and how reasons read."""

from dataclasses import dataclass

MSG_DAILY_CAP = "已达当日上限"
MSG_ANNUAL_CAP = "已达年度上限"
MSG_FLOOR = "年度积分不低于 0，超出部分不扣"


@dataclass(frozen=True)
class Posting:
    points: int
    note: str = ""


def capped_award(
    *,
    nominal: int,
    used_today: int,
    used_this_year: int,
    daily_cap: int | None,
    annual_cap: int | None,
) -> Posting:
    """What a positive award may still add under its daily and annual caps."""
    room = nominal
    note = ""
    if daily_cap is not None and used_today + room > daily_cap:
        room = max(0, daily_cap - used_today)
        note = MSG_DAILY_CAP
    if annual_cap is not None and used_this_year + room > annual_cap:
        room = max(0, annual_cap - used_this_year)
        note = MSG_ANNUAL_CAP
    return Posting(points=room, note=note if room < nominal else "")


def floored_deduction(*, nominal: int, balance: int) -> Posting:
    """A deduction never takes the year's balance below zero."""
    if balance + nominal >= 0:
        return Posting(points=nominal)
    return Posting(points=-balance, note=MSG_FLOOR)


# Rules the system posts by itself: every rulebook version must keep them.
SYSTEM_RULE_CODES = (
    "READ_ITEM",
    "RESTUDY",
    "QUIZ_PASS_FIRST",
    "QUIZ_PASS_RETAKE",
    "QUIZ_PERFECT",
    "EXAM_PASS",
    "EXAM_EXCELLENT",
    "TRAIN_ATTEND",
)
MSG_MISSING_SYSTEM_RULES = "缺少系统自动记分所需的规则：%(codes)s。"
MSG_DUPLICATE_CODE = "规则代码 %(code)s 重复。"
MSG_NOT_IN_FUTURE = "新版本的生效日期须晚于今天，已记的积分不受影响。"
MSG_VERSION_IN_USE = "该版本已生效或已有积分按它记账，不能修改；请新建版本。"
