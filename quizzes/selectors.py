from django.utils import timezone

from quizzes.models import Attempt, QuizPage, WrongBookEntry
from quizzes.services import attempts_allowed


def quiz_status_for(*, quiz: QuizPage, user) -> dict:
    attempts = list(
        Attempt.objects.filter(user=user, quiz=quiz).order_by("-started_at")
    )
    allowed = attempts_allowed(user=user, quiz=quiz)
    return {
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.status == "open"), None),
        "allowed": allowed,
        "left": None if allowed is None else max(0, allowed - len(attempts)),
        "best": max(
            (a.percent for a in attempts if a.percent is not None), default=None
        ),
        "is_open": quiz.is_open(),
    }


def review_visible(*, attempt: Attempt, now=None) -> bool:
    quiz = attempt.quiz.specific
    if attempt.status != Attempt.Status.SUBMITTED:
        return False
    if quiz.review == QuizPage.Review.IMMEDIATE:
        return True
    if quiz.review == QuizPage.Review.AFTER_CLOSE:
        return quiz.closes_at is not None and (now or timezone.now()) >= quiz.closes_at
    return False


def condition_links(version) -> list[dict]:
    """Links from a question to the exact conditions it tests, numbered as shown."""
    item = version.question.item
    links = []
    for code in version.condition_codes:
        number = item.condition_number(code)
        if number is not None:
            links.append(
                {
                    "url": f"{item.url}#cond-{code}",
                    "label": f"查看办理条件第{number}条",
                    "code": code,
                }
            )
        elif code == "materials":
            links.append(
                {"url": f"{item.url}#materials", "label": "查看申请材料", "code": code}
            )
    return links


def wrong_book_for(*, user):
    return (
        WrongBookEntry.objects.filter(user=user, cleared_at__isnull=True)
        .select_related("question__current", "question__item")
        .order_by("-last_wrong_at")
    )
