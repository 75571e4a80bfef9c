"""The default 社工培训学习积分管理办法, shipped as the first rulebook version.

Every number here is a starting point; managers publish new versions in the admin.
"""

import datetime

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

# code, name, activity, points, hours, per_hour, daily, annual, group, approval
DEFAULT_RULES = [
    (
        "READ_ITEM",
        "学习手册事项",
        "读完一个服务事项（每年每项一次）",
        1,
        0,
        False,
        8,
        40,
        "",
        False,
    ),
    (
        "CHAPTER_DONE",
        "学完一个类别",
        "类别内事项全部学完且分类测验通过",
        3,
        0,
        False,
        None,
        21,
        "",
        False,
    ),
    (
        "QUIZ_PASS_FIRST",
        "测验首次通过",
        "首次作答即及格（80 分）",
        2,
        0,
        False,
        10,
        60,
        "QUIZ_PASS",
        False,
    ),
    (
        "QUIZ_PASS_RETAKE",
        "测验补考通过",
        "再次作答及格（每个测验一次）",
        1,
        0,
        False,
        10,
        60,
        "QUIZ_PASS",
        False,
    ),
    (
        "QUIZ_PERFECT",
        "测验首次满分",
        "首次作答得满分",
        1,
        0,
        False,
        None,
        20,
        "",
        False,
    ),
    (
        "TRAIN_ATTEND",
        "参加线下培训",
        "签到签退，出勤不少于 80%",
        2,
        1,
        True,
        8,
        40,
        "",
        False,
    ),
    (
        "TRAIN_TEACH",
        "授课",
        "作为培训师授课，经管理者确认",
        4,
        1,
        True,
        8,
        24,
        "",
        True,
    ),
    (
        "EXAM_PASS",
        "年度考试合格",
        "年度考试 60 分及以上",
        20,
        0,
        False,
        None,
        20,
        "",
        False,
    ),
    (
        "EXAM_EXCELLENT",
        "年度考试优秀",
        "年度考试 90 分及以上",
        10,
        0,
        False,
        None,
        10,
        "",
        False,
    ),
    (
        "CASE_APPROVED",
        "案例材料采用",
        "案例或经验材料经管理者审核采用",
        5,
        0,
        False,
        None,
        20,
        "",
        True,
    ),
    (
        "RESIDENT_PRAISE",
        "居民表扬",
        "锦旗、表扬信、12345 好评，经管理者核实",
        3,
        0,
        False,
        None,
        15,
        "",
        True,
    ),
    (
        "RESTUDY",
        "变更后复学",
        "实质性变更后按期重新学习",
        2,
        0,
        False,
        None,
        None,
        "",
        False,
    ),
    (
        "ABSENT_MANDATORY",
        "无故缺席必修培训",
        "未请假缺席必修培训",
        -5,
        0,
        False,
        None,
        None,
        "",
        True,
    ),
    (
        "PROXY_ERROR",
        "代办差错",
        "因条件解答错误致居民多跑或被退件",
        -5,
        0,
        False,
        None,
        None,
        "",
        True,
    ),
    (
        "PROXY_ERROR_LOSS",
        "代办差错致损",
        "代办差错给居民造成损失",
        -10,
        0,
        False,
        None,
        None,
        "",
        True,
    ),
    (
        "COMPLAINT_UPHELD",
        "居民投诉属实",
        "投诉经调查属实",
        -5,
        0,
        False,
        None,
        None,
        "",
        True,
    ),
    (
        "EXAM_CHEAT",
        "考试作弊",
        "年度考试作弊，成绩作废",
        -20,
        0,
        False,
        None,
        None,
        "",
        True,
    ),
]

DEFAULT_LEVELS = [
    ("初级社工", 60, False),
    ("中级社工", 200, False),
    ("高级社工", 350, False),
    ("全能社工", 350, True),
]


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
    for (
        code,
        name,
        activity,
        points,
        hours,
        per_hour,
        daily,
        annual,
        group,
        approval,
    ) in DEFAULT_RULES:
        Rule.objects.create(
            version=version,
            code=code,
            name=name,
            activity=activity,
            points=points,
            hours=hours,
            per_hour=per_hour,
            daily_cap=daily,
            annual_cap=annual,
            cap_group=group,
            needs_approval=approval,
        )
    for name, threshold, signoff in DEFAULT_LEVELS:
        Level.objects.create(
            version=version, name=name, threshold=threshold, needs_signoff=signoff
        )
