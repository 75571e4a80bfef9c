import datetime

import pytest

from quizzes.models import CategoryQuizPage, DrawRuleRow, PracticeQuizPage
from quizzes.services import question_save


def _options(*texts):
    return [{"key": k, "text": t} for k, t in zip("ABCDEF", texts, strict=False)]


@pytest.fixture
def bank(manual):
    """Questions of every type on the 低保 item, a few on 优待证."""
    dibao, youhui = manual["dibao"], manual["youhui"]
    q = {}
    q["single"] = question_save(
        question=None,
        item=dibao,
        qtype="single",
        stem="张某有两套房，其中一套出租，申请低保最可能的结果是？",
        options=_options("符合", "不符合，家庭财产超出规定", "只能领一半"),
        answer=["B"],
        explanation="财产也须符合当地规定。",
        condition_codes=["c3"],
    )
    q["multi"] = question_save(
        question=None,
        item=dibao,
        qtype="multi",
        stem="申请低保需要带哪些材料？",
        options=_options("户口簿", "收入证明", "结婚照"),
        answer=["A", "B"],
        explanation="结婚照不需要。",
        condition_codes=["materials"],
    )
    q["judge"] = question_save(
        question=None,
        item=dibao,
        qtype="judge",
        stem="外区户籍家庭可以在本区申请低保。",
        options=[],
        answer=False,
        explanation="须本区户籍。",
        condition_codes=["c1"],
    )
    q["scenario"] = question_save(
        question=None,
        item=dibao,
        qtype="scenario",
        stem="李某本区户籍，月人均收入高于低保标准。能否申请？",
        options=[],
        answer={"eligible": False, "condition": "c2"},
        explanation="收入须低于当地低保标准。",
        condition_codes=["c2"],
    )
    q["ordering"] = question_save(
        question=None,
        item=dibao,
        qtype="ordering",
        stem="把办理步骤排好顺序。",
        options=[{"key": "s1", "text": "受理"}, {"key": "s2", "text": "审批"}],
        answer=["s1", "s2"],
        explanation="先受理后审批。",
        condition_codes=["steps"],
    )
    for n in range(3):
        q[f"youhui{n}"] = question_save(
            question=None,
            item=youhui,
            qtype="judge",
            stem=f"优待证判断题{n}：年满60周岁即可办理。",
            options=[],
            answer=True,
            explanation="见第1条。",
            condition_codes=["c1"],
        )
    return q


@pytest.fixture
def practice(manual, bank):
    quiz = PracticeQuizPage(
        title="低保随学随练",
        slug="dibao-lianxi",
        item=manual["dibao"],
        question_count=5,
    )
    manual["dibao"].add_child(instance=quiz)
    quiz.save_revision().publish()
    return quiz


@pytest.fixture
def category_test(manual, bank):
    quiz = CategoryQuizPage(
        title="社会事务类测验", slug="shehui-ceyan", category=manual["social"]
    )
    quiz.draw_rules = [
        DrawRuleRow(item=manual["dibao"], count=3),
        DrawRuleRow(item=manual["youhui"], count=2),
    ]
    manual["social"].add_child(instance=quiz)
    quiz.save_revision().publish()
    return quiz


@pytest.fixture
def annual_exam(manual, bank):
    """测验中心 with this year's exam, open since yesterday for a month."""
    from django.utils import timezone

    from quizzes.models import AnnualExamPage, QuizIndexPage

    centre = QuizIndexPage(title="测验中心", slug="ceyan")
    manual["root"].add_child(instance=centre)
    centre.save_revision().publish()
    now = timezone.now()
    exam = AnnualExamPage(
        title="年度全能社工考试",
        slug="kaoshi",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    exam.draw_rules = [DrawRuleRow(category=manual["social"], count=8)]
    centre.add_child(instance=exam)
    exam.save_revision().publish()
    return exam
