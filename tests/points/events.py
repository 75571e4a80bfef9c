"""Events as the manual and the quizzes report them, for points-level tests."""

import datetime
import itertools

from django.utils import timezone

from points.events import AttemptGraded, HighFrequencyCompleted, QuizKind
from points.services import points_record

_ids = itertools.count(9000)


def graded(user, *, kind=QuizKind.PRACTICE, percent=100.0, at=None, **extra):
    """A passed first attempt handed in five minutes after it started."""
    at = at or timezone.now()
    values = {
        "user": user,
        "at": at,
        "attempt_id": next(_ids),
        "quiz_id": next(_ids),
        "title": "年度考试" if kind == QuizKind.EXAM else "低保随学随练",
        "kind": kind,
        "number": 1,
        "percent": percent,
        "passed": percent >= 60,
        "perfect": percent >= 100,
        "started_at": at - datetime.timedelta(minutes=5),
    }
    values.update(extra)
    return AttemptGraded(**values)


def exam(user, percent, *, at=None, scenario=None):
    """The annual exam, handed in with the score given."""
    return points_record(
        graded(
            user,
            kind=QuizKind.EXAM,
            percent=percent,
            at=at,
            scenario_percent=scenario,
        )
    )


def high_frequency_done(user, *categories):
    return points_record(
        HighFrequencyCompleted(
            user=user, at=timezone.now(), category_codes=tuple(categories)
        )
    )
