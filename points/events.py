"""What happened, as the apps above points report it: plain values only.

The manual and the quizzes call `points.services.points_record(event)` with one
of these; `points.awards` says what each earns. Points never looks back up at
the pages or attempts: what it needs to decide is in the event.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class Event:
    user: Any  # the worker (learning.User)
    at: datetime.datetime
    source_type: ClassVar[str] = ""

    def source(self) -> tuple[str, str]:
        return self.source_type, str(self.source_id)

    @property
    def source_id(self):  # pragma: no cover - each event names its own
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class ItemStudied(Event):
    """A worker read an item of the manual to the end, long enough."""

    item_id: int
    title: str
    source_type: ClassVar[str] = "manuals.serviceitempage"

    @property
    def source_id(self):
        return self.item_id


@dataclass(frozen=True, kw_only=True)
class RestudyAssigned(Event):
    """A material change sent the worker back to an item."""

    task_id: int
    title: str
    category_code: str
    source_type: ClassVar[str] = "manuals.restudytask"

    @property
    def source_id(self):
        return self.task_id


@dataclass(frozen=True, kw_only=True)
class RestudyFinished(Event):
    """The worker re-read the changed item and passed its quiz."""

    task_id: int
    title: str
    source_type: ClassVar[str] = "manuals.restudytask"

    @property
    def source_id(self):
        return self.task_id


@dataclass(frozen=True, kw_only=True)
class CategoryCompleted(Event):
    """Every item of a category studied and the category's quiz passed."""

    category_id: int
    category_code: str
    title: str
    source_type: ClassVar[str] = "manuals.categorypage"

    @property
    def source_id(self):
        return self.category_id


@dataclass(frozen=True, kw_only=True)
class HighFrequencyCompleted(Event):
    """Every 高频事项 studied and its quiz passed (evidence for 初级)."""

    category_codes: tuple[str, ...] = ()
    source_type: ClassVar[str] = "manuals.high_frequency"

    @property
    def source_id(self):
        return ""


class QuizKind:
    PRACTICE = "practice"  # one service item's quiz
    CATEGORY = "category"  # a category's quiz
    EXAM = "exam"  # the annual exam


@dataclass(frozen=True, kw_only=True)
class AttemptGraded(Event):
    """A quiz handed in and graded; `at` is when it was handed in.

    Besides the attempt itself it carries what the quiz's history says, which
    the rules need: the previous start on the same quiz, whether it was passed
    before, how many quizzes the worker handed in during the last hour, and the
    median time others took."""

    attempt_id: int
    quiz_id: int
    title: str
    kind: str
    number: int
    percent: float
    passed: bool
    perfect: bool
    started_at: datetime.datetime
    scenario_percent: float | None = None
    previous_started_at: datetime.datetime | None = None
    passed_before: bool = False
    submissions_last_hour: int = 1
    median_seconds: float | None = None
    source_type: ClassVar[str] = "quizzes.quizpage"

    @property
    def source_id(self):
        return self.quiz_id

    @property
    def seconds(self) -> float:
        return (self.at - self.started_at).total_seconds()


@dataclass(frozen=True, kw_only=True)
class TrainingAttended(Event):
    """Signed in and out of an offline training, ≥ 80 % attended."""

    training_id: int
    title: str
    hours: Decimal
    author: Any = None
    source_type: ClassVar[str] = "points.offlinetraining"

    @property
    def source_id(self):
        return self.training_id


@dataclass(frozen=True, kw_only=True)
class ProxyCasesCounted(Event):
    """代办: how many applications the worker handled for residents in a month,
    as their manager attested."""

    month: str  # "2026-11"
    cases: int
    author: Any = None
    source_type: ClassVar[str] = "points.proxy"

    @property
    def source_id(self):
        return self.month
