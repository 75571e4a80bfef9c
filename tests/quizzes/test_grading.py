import pytest

from quizzes.grading import (
    JUDGE,
    MULTI,
    ORDERING,
    SCENARIO,
    SINGLE,
    GradedQuestion,
    attempt_grade,
    question_credit,
)


@pytest.mark.parametrize(
    ("qtype", "answer", "response", "credit"),
    [
        (SINGLE, ["B"], ["B"], 1.0),
        (SINGLE, ["B"], ["A"], 0.0),
        (SINGLE, ["B"], [], 0.0),
        (MULTI, ["A", "B", "C"], ["C", "A", "B"], 1.0),
        (MULTI, ["A", "B", "C"], ["A", "B"], 0.0),
        (MULTI, ["A", "B", "C"], ["A", "B", "D"], 0.0),
        (JUDGE, False, False, 1.0),
        (JUDGE, False, True, 0.0),
        (JUDGE, True, "true", 0.0),
        (
            SCENARIO,
            {"eligible": False, "condition": "c3"},
            {"eligible": False, "condition": "c3"},
            1.0,
        ),
        (
            SCENARIO,
            {"eligible": False, "condition": "c3"},
            {"eligible": False, "condition": "c2"},
            0.0,
        ),
        (
            SCENARIO,
            {"eligible": False, "condition": "c3"},
            {"eligible": True, "condition": "c3"},
            0.0,
        ),
        (ORDERING, ["s1", "s2", "s3"], ["s1", "s2", "s3"], 1.0),
        (ORDERING, ["s1", "s2", "s3"], ["s2", "s1", "s3"], 0.0),
    ],
)
def test_all_or_nothing_by_default(qtype, answer, response, credit):
    assert question_credit(qtype, answer, response) == credit


def test_partial_credit_for_multi_when_the_quiz_allows_it():
    answer = ["A", "B", "C"]
    assert question_credit(
        MULTI, answer, ["A", "B"], partial_multi=True
    ) == pytest.approx(2 / 3)
    assert question_credit(MULTI, answer, ["A", "D"], partial_multi=True) == 0.0
    assert question_credit(MULTI, answer, ["A", "B", "C"], partial_multi=True) == 1.0
    # partial credit never reaches other types
    assert question_credit(ORDERING, ["a", "b"], ["b", "a"], partial_multi=True) == 0.0


def test_attempt_grade_hand_computed():
    grade = attempt_grade(
        [GradedQuestion(2, 1.0), GradedQuestion(2, 0.5), GradedQuestion(1, 0.0)],
        pass_percent=60,
    )
    assert grade.earned == 3.0 and grade.possible == 5.0
    assert grade.percent == 60.0 and grade.passed and not grade.perfect


def test_attempt_grade_perfect_and_fail():
    assert attempt_grade([GradedQuestion(1, 1.0)] * 4, pass_percent=80).perfect
    assert not attempt_grade([GradedQuestion(1, 0.0)], pass_percent=80).passed
