"""The default 社工培训学习积分管理办法, shipped as the first rulebook version.

Every number here is a starting point; managers publish new versions in the
admin. Each rule and level is a row with named fields, read as the street's
rulebook reads: what it is called, what earns it, how much, how often.
"""

import datetime
from dataclasses import asdict, dataclass

DEFAULT_VERSION = {
    "name": "默认版",
    "effective_from": datetime.date(2017, 1, 1),
    "annual_target": 120,
    "pass_points": 80,
    "required_offline_hours": 8,
    "hour_minutes": 45,
    "appeal_days": 10,
    "hours_window_years": 3,
}


@dataclass(frozen=True)
class RuleRow:
    code: str
    name: str
    activity: str
    points: int
    hours: int = 0
    per_hour: bool = False
    daily_cap: int | None = None
    annual_cap: int | None = None
    cap_group: str = ""
    needs_approval: bool = False


DEFAULT_RULES = (
    # -- earned by studying, posted by the system (points.awards says when)
    RuleRow("READ_ITEM", "学习手册事项", "读完一个服务事项（每年每项一次）",
            points=1, daily_cap=8, annual_cap=40),
    RuleRow("CHAPTER_DONE", "学完一个类别", "类别内事项全部学完且分类测验通过",
            points=3, annual_cap=21),
    RuleRow("QUIZ_PASS_FIRST", "测验首次通过", "首次作答即及格（80 分）",
            points=2, daily_cap=10, annual_cap=60, cap_group="QUIZ_PASS"),
    RuleRow("QUIZ_PASS_RETAKE", "测验补考通过", "再次作答及格（每个测验一次）",
            points=1, daily_cap=10, annual_cap=60, cap_group="QUIZ_PASS"),
    RuleRow("QUIZ_PERFECT", "测验首次满分", "首次作答得满分",
            points=1, annual_cap=20),
    RuleRow("EXAM_PASS", "年度考试合格", "年度考试 60 分及以上",
            points=20, annual_cap=20),
    RuleRow("EXAM_EXCELLENT", "年度考试优秀", "年度考试 90 分及以上",
            points=10, annual_cap=10),
    RuleRow("RESTUDY", "变更后复学", "实质性变更后按期重新学习并通过该事项测验",
            points=2),
    # -- posted from a trainer's sign-in sheet
    RuleRow("TRAIN_ATTEND", "参加线下培训", "签到签退，出勤不少于 80%",
            points=2, hours=1, per_hour=True, daily_cap=8, annual_cap=40),
    # -- proposed by one manager, approved by another
    RuleRow("TRAIN_TEACH", "授课", "作为培训师授课，经管理者确认",
            points=4, hours=1, per_hour=True, daily_cap=8, annual_cap=24,
            needs_approval=True),
    RuleRow("CASE_APPROVED", "案例材料采用", "案例或经验材料经管理者审核采用",
            points=5, annual_cap=20, needs_approval=True),
    RuleRow("RESIDENT_PRAISE", "居民表扬", "锦旗、表扬信、12345 好评，经管理者核实",
            points=3, annual_cap=15, needs_approval=True),
    RuleRow("ABSENT_MANDATORY", "无故缺席必修培训", "未请假缺席必修培训",
            points=-5, needs_approval=True),
    RuleRow("PROXY_ERROR", "代办差错", "因条件解答错误致居民多跑或被退件",
            points=-5, needs_approval=True),
    RuleRow("PROXY_ERROR_LOSS", "代办差错致损", "代办差错给居民造成损失",
            points=-10, needs_approval=True),
    RuleRow("COMPLAINT_UPHELD", "居民投诉属实", "投诉经调查属实",
            points=-5, needs_approval=True),
    RuleRow("EXAM_CHEAT", "考试作弊", "年度考试作弊，成绩作废",
            points=-20, needs_approval=True),
)  # fmt: skip


@dataclass(frozen=True)
class LevelRow:
    """A tier: lifetime points plus the evidence the 办法 asks for (§5)."""

    name: str
    threshold: int
    needs_signoff: bool = False
    min_exam_percent: int | None = None
    high_frequency_done: bool = False
    min_categories_done: int = 0
    min_write_ups: int = 0
    role_checks: bool = False


DEFAULT_LEVELS = (
    LevelRow("初级社工", 60, min_exam_percent=60, high_frequency_done=True),
    LevelRow("中级社工", 200, min_exam_percent=75, min_categories_done=4),
    LevelRow("高级社工", 350, min_exam_percent=85, min_categories_done=7,
             min_write_ups=1),
    LevelRow("全能社工", 350, needs_signoff=True, min_exam_percent=85,
             min_categories_done=7, min_write_ups=1, role_checks=True),
)  # fmt: skip


def rule_names() -> dict[str, str]:
    return {row.code: row.name for row in DEFAULT_RULES}


def _known(model, row) -> dict:
    """The row's fields that the (possibly historical) model has."""
    names = {f.name for f in model._meta.get_fields()}
    return {k: v for k, v in asdict(row).items() if k in names}


def install(RulebookVersion, Rule, Level):
    """Create the default version if no rulebook exists yet. Idempotent."""
    if RulebookVersion.objects.exists():
        return
    approved = {}
    if any(f.name == "approved_at" for f in RulebookVersion._meta.get_fields()):
        # The shipped rulebook is the street's adopted 管理办法: in force as is.
        # (Migration 0002 runs before the field exists; 0009 approves it then.)
        from django.utils import timezone

        approved = {"approved_at": timezone.now()}
    version = RulebookVersion.objects.create(**DEFAULT_VERSION, **approved)
    for row in DEFAULT_RULES:
        Rule.objects.create(version=version, **_known(Rule, row))
    for row in DEFAULT_LEVELS:
        Level.objects.create(version=version, **_known(Level, row))
