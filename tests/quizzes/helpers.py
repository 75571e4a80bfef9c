"""Taking a quiz the way a worker does, through the services, at a given time."""

import datetime

from quizzes.services import answer_save, attempt_start, attempt_submit


def take(user, quiz, when, *, right: bool = True, minutes: int = 3):
    """Start at `when`, answer every question right (or leave all blank), and
    hand in `minutes` later."""
    attempt = attempt_start(user=user, quiz=quiz, now=when)
    if right:
        for row in attempt.questions.select_related("version"):
            answer_save(
                attempt=attempt,
                position=row.position,
                response=row.version.answer,
                now=when,
            )
    return attempt_submit(
        attempt=attempt, now=when + datetime.timedelta(minutes=minutes)
    )
