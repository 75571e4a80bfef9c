"""Statistics against figures worked out by hand."""

from quizzes.stats import (
    AnswerRow,
    ConditionAnswer,
    condition_stats,
    question_stats,
)


def test_correct_rate_and_discrimination_by_hand():
    # Six attempts scored 90…20; question 1 is right in the top two and the last.
    percents = [90, 80, 70, 40, 30, 20]
    right = [True, True, False, False, False, True]
    rows = [
        AnswerRow(1, n, p, c)
        for n, (p, c) in enumerate(zip(percents, right, strict=True))
    ]

    stat = question_stats(rows)[1]

    assert stat.answers == 6
    assert stat.correct_rate == 0.5  # 3 of 6
    assert stat.discrimination == 0.5  # top (90, 80): 2/2 − bottom (30, 20): 1/2


def test_a_question_the_weak_get_right_and_the_strong_miss_is_flagged():
    percents = [95, 90, 85, 80, 75, 60, 55, 50, 45, 40, 35, 30]
    right = [False] * 4 + [True, False, True, True, True, True, True, True]
    rows = [
        AnswerRow(7, n, p, c)
        for n, (p, c) in enumerate(zip(percents, right, strict=True))
    ]

    stat = question_stats(rows)[7]

    assert stat.correct_rate == round(7 / 12, 3)
    assert stat.discrimination == -1.0  # top four: 0/4, bottom four: 4/4
    assert stat.problems == ["区分度为负"]


def test_too_easy_needs_enough_answers_before_it_is_flagged():
    few = [AnswerRow(2, n, 50, True) for n in range(5)]
    many = [AnswerRow(3, n, 50, True) for n in range(12)]
    stats = question_stats(few + many)
    assert stats[2].problems == []
    assert "几乎人人答对" in stats[3].problems


def test_condition_wrong_rate_overall_and_by_community():
    rows = [
        ConditionAnswer(1, "c3", "衢州路社区", False),
        ConditionAnswer(1, "c3", "衢州路社区", True),
        ConditionAnswer(1, "c3", "文澜社区", False),
        ConditionAnswer(1, "c3", "文澜社区", False),
        ConditionAnswer(1, "c1", "文澜社区", True),
    ]

    worst, other = condition_stats(rows)

    assert (worst.code, worst.answers, worst.wrong, worst.wrong_rate) == (
        "c3",
        4,
        3,
        0.75,
    )
    assert worst.by_community == {"衢州路社区": (2, 1), "文澜社区": (2, 2)}
    assert (other.code, other.wrong_rate) == ("c1", 0.0)
