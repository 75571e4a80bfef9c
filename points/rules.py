"""Pure points rules: caps, the floor, and how reasons read."""

from dataclasses import dataclass
from decimal import Decimal

from points.awards import AWARDS

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


# Rules the system posts by itself (a row of points.awards earns each):
# every rulebook version must keep them.
SYSTEM_RULE_CODES = tuple(dict.fromkeys(award.rule for award in AWARDS))
MSG_MISSING_SYSTEM_RULES = "缺少系统自动记分所需的规则：%(codes)s。"
MSG_DUPLICATE_CODE = "规则代码 %(code)s 重复。"
MSG_NOT_IN_FUTURE = "新版本的生效日期须晚于今天，已记的积分不受影响。"
MSG_VERSION_IN_USE = "该版本已生效或已有积分按它记账，不能修改；请新建版本。"


# ---------------------------------------------------------------- tiers (§5)

ROLE_TAUGHT_HOURS = 2  # 宣传员: hours taught
ROLE_SCENARIO_PERCENT = 90  # 解答员: scenario questions in the exam
ROLE_PROXY_CASES = 20  # 代办员: applications handled in the last 12 months

MSG_TIER_POINTS = "累计积分 %(have)s 分，须 %(need)s 分"
MSG_TIER_EXAM = "年度考试须达 %(need)s 分（%(have)s）"
MSG_TIER_HIGH_FREQUENCY = "高频事项须全部学完并通过测验"
MSG_TIER_CATEGORIES = "须学完 %(need)s 个类别（已学完 %(have)s 个）"
MSG_TIER_WRITE_UPS = "须有 %(need)s 篇案例材料被采用（已有 %(have)s 篇）"
MSG_TIER_TAUGHT = "宣传员：须授课满 %(need)s 学时（已 %(have)s 学时）"
MSG_TIER_SCENARIO = "解答员：情景题须达 %(need)s 分（%(have)s）"
MSG_TIER_PROXY = "代办员：近 12 个月代办须满 %(need)s 件（已 %(have)s 件）"
MSG_TIER_PROXY_ERROR = "代办员：近 12 个月有代办差错"
MSG_NO_SCORE = "尚无成绩"


@dataclass(frozen=True)
class TierEvidence:
    """What a worker has shown, gathered for the tier check."""

    points: int
    exam_percent: Decimal | None = None
    high_frequency_done: bool = False
    categories_done: int = 0
    write_ups: int = 0
    taught_hours: Decimal = Decimal(0)
    scenario_percent: Decimal | None = None
    proxy_cases: int = 0
    proxy_errors: int = 0


def _score(value) -> str:
    return MSG_NO_SCORE if value is None else f"现 {value.normalize():f} 分"


def tier_shortfalls(level, evidence: TierEvidence) -> list[str]:
    """What still stands between the worker and the level, in Chinese; empty
    when the level is reached. `level` has the Level model's fields."""
    short = []
    if evidence.points < level.threshold:
        short.append(
            MSG_TIER_POINTS % {"have": evidence.points, "need": level.threshold}
        )
    need = level.min_exam_percent
    if need is not None and (
        evidence.exam_percent is None or evidence.exam_percent < need
    ):
        short.append(
            MSG_TIER_EXAM % {"need": need, "have": _score(evidence.exam_percent)}
        )
    if level.high_frequency_done and not evidence.high_frequency_done:
        short.append(MSG_TIER_HIGH_FREQUENCY)
    if evidence.categories_done < level.min_categories_done:
        short.append(
            MSG_TIER_CATEGORIES
            % {"need": level.min_categories_done, "have": evidence.categories_done}
        )
    if evidence.write_ups < level.min_write_ups:
        short.append(
            MSG_TIER_WRITE_UPS
            % {"need": level.min_write_ups, "have": evidence.write_ups}
        )
    if level.role_checks:
        if evidence.taught_hours < ROLE_TAUGHT_HOURS:
            have = f"{evidence.taught_hours.normalize():f}"
            short.append(MSG_TIER_TAUGHT % {"need": ROLE_TAUGHT_HOURS, "have": have})
        scenario = evidence.scenario_percent
        if scenario is None or scenario < ROLE_SCENARIO_PERCENT:
            short.append(
                MSG_TIER_SCENARIO
                % {"need": ROLE_SCENARIO_PERCENT, "have": _score(scenario)}
            )
        if evidence.proxy_cases < ROLE_PROXY_CASES:
            short.append(
                MSG_TIER_PROXY
                % {"need": ROLE_PROXY_CASES, "have": evidence.proxy_cases}
            )
        if evidence.proxy_errors:
            short.append(MSG_TIER_PROXY_ERROR)
    return short


# ---------------------------------------------------------- the year's grade (§1)

GRADE_EXCELLENT = "优秀"
GRADE_TARGET = "达标"
GRADE_PASS = "合格"
GRADE_FAIL = "不合格"


def annual_grade(
    *,
    points: int,
    exam_percent: Decimal | None,
    offline_hours: Decimal,
    version,
) -> tuple[str, list[str]]:
    """The year's grade by the 办法, and what is missing for 合格 (if anything).

    合格 needs the pass line, a passed exam and the mandatory offline 学时:
    online clicks alone never make a pass. 优秀 is the excellent line plus an
    excellent exam; 达标 is the annual target reached on top of 合格."""
    missing = []
    if points < version.pass_points:
        missing.append(f"积分 {points}/{version.pass_points}")
    if exam_percent is None or exam_percent < EXAM_PASS_PERCENT:
        missing.append("年度考试未通过")
    if offline_hours < version.required_offline_hours:
        need = f"{Decimal(version.required_offline_hours).normalize():f}"
        missing.append(f"线下学时 {offline_hours.normalize():f}/{need}")
    if missing:
        return GRADE_FAIL, missing
    if (
        points >= version.excellent_points
        and exam_percent >= version.excellent_exam_percent
    ):
        return GRADE_EXCELLENT, []
    if points >= version.annual_target:
        return GRADE_TARGET, []
    return GRADE_PASS, []


EXAM_PASS_PERCENT = 60
