import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from quizzes.models import (
    AnnualExamPage,
    Attempt,
    CategoryQuizPage,
    ExtraAttemptGrant,
    PracticeQuizPage,
    QuizIndexPage,
    QuizPage,
    WrongBookEntry,
)
from quizzes.services import past_deadline, start_refusal


def quiz_statuses_for(*, quizzes, user, now=None) -> dict[int, dict]:
    """Per quiz: the worker's attempts, what is left, and whether (or why not)
    they may start now. Two queries however many quizzes, for lists."""
    now = now or timezone.now()
    by_quiz: dict[int, list[Attempt]] = {quiz.pk: [] for quiz in quizzes}
    attempts = Attempt.objects.filter(user=user, quiz__in=list(by_quiz)).order_by(
        "-started_at"
    )
    for attempt in attempts:
        by_quiz[attempt.quiz_id].append(attempt)
    grants = Counter(
        ExtraAttemptGrant.objects.filter(user=user, quiz__in=list(by_quiz))
        .values_list("quiz_id", flat=True)
        .iterator()
    )
    statuses = {}
    for quiz in quizzes:
        mine = by_quiz[quiz.pk]
        allowed = (
            None if quiz.max_attempts is None else quiz.max_attempts + grants[quiz.pk]
        )
        statuses[quiz.pk] = {
            "attempts": mine,
            "open_attempt": next((a for a in mine if a.status == "open"), None),
            "allowed": allowed,
            "left": None if allowed is None else max(0, allowed - len(mine)),
            "best": max(
                (a.percent for a in mine if a.percent is not None), default=None
            ),
            "passed": any(a.passed for a in mine),
            "refusal": start_refusal(
                quiz=quiz,
                taken=len(mine),
                allowed=allowed,
                last_started_at=mine[0].started_at if mine else None,
                now=now,
            ),
        }
    return statuses


def quiz_status_for(*, quiz: QuizPage, user, now=None) -> dict:
    """The worker's attempts at one quiz, and whether (or why not) they may start."""
    return quiz_statuses_for(quizzes=[quiz], user=user, now=now)[quiz.pk]


def annual_exam_current(*, now=None) -> AnnualExamPage | None:
    """The exam a worker should be pointed to: the open one, else the next."""
    now = now or timezone.now()
    exams = list(
        AnnualExamPage.objects.live()
        .exclude(closes_at__lte=now)
        .order_by("opens_at", "path")
    )
    open_now = [exam for exam in exams if exam.is_open(now)]
    return (open_now or exams or [None])[0]


def quiz_centre_page() -> QuizIndexPage | None:
    return QuizIndexPage.objects.live().first()


def quiz_centre_for(*, user, now=None) -> dict:
    """测验中心: open and upcoming annual exams, every category quiz, past exams,
    each with its window and the worker's standing. Constant queries."""
    now = now or timezone.now()
    exams = list(AnnualExamPage.objects.live().order_by("-opens_at", "path"))
    category_quizzes = list(
        CategoryQuizPage.objects.live()
        .select_related("category")
        .order_by("category__path", "path")
    )
    statuses = quiz_statuses_for(
        quizzes=[*exams, *category_quizzes], user=user, now=now
    )

    def rows(quizzes):
        return [
            {"quiz": quiz, "state": _window_state(quiz, now), **statuses[quiz.pk]}
            for quiz in quizzes
        ]

    current = [e for e in exams if e.closes_at is None or e.closes_at > now]
    return {
        "exams": rows(
            sorted(current, key=lambda e: (not e.is_open(now), e.opens_at or now))
        ),
        "past_exams": rows(e for e in exams if e not in current),
        "category_quizzes": rows(category_quizzes),
    }


def _window_state(quiz: QuizPage, now) -> str:
    if quiz.opens_at is not None and now < quiz.opens_at:
        return "upcoming"
    if quiz.closes_at is not None and now >= quiz.closes_at:
        return "ended"
    return "open"


def attempt_unanswered(*, attempt: Attempt) -> int:
    """How many questions of the attempt have no saved answer."""
    return attempt.questions.filter(response__isnull=True).count()


def practice_quizzes_for(*, item) -> list[PracticeQuizPage]:
    """The live 随学随练 on one service item, wherever in the tree they sit."""
    return list(PracticeQuizPage.objects.live().filter(item=item).order_by("path"))


def practice_quizzes_by_item(*, item_ids) -> dict[int, list[PracticeQuizPage]]:
    """The live 随学随练 of many items at once, for lists (错题本)."""
    by_item: dict[int, list[PracticeQuizPage]] = {}
    for quiz in PracticeQuizPage.objects.live().filter(item_id__in=item_ids):
        by_item.setdefault(quiz.item_id, []).append(quiz)
    return by_item


def practice_quizzes_in(*, category) -> list[PracticeQuizPage]:
    """The live 随学随练 on the items of a category, in the manual's order."""
    return list(
        PracticeQuizPage.objects.live()
        .filter(item__path__startswith=category.path, item__live=True)
        .select_related("item")
        .order_by("item__path", "path")
    )


def category_quizzes_for(*, category) -> list[CategoryQuizPage]:
    """The live 分类测验 on a category, under the category or the 测验中心."""
    return list(
        CategoryQuizPage.objects.live().filter(category=category).order_by("path")
    )


def retry_refusal(*, attempt: Attempt, now=None) -> str | None:
    """After a result: None when the quiz is not one to simply try again (an
    annual exam), "" when another attempt may start now, else why not."""
    quiz = attempt.quiz.specific
    if not isinstance(quiz, PracticeQuizPage | CategoryQuizPage):
        return None
    return quiz_status_for(quiz=quiz, user=attempt.user, now=now)["refusal"]


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
        .select_related("question__item", "question__current__question__item")
        .prefetch_related("question__current__question__item__conditions")
        .order_by("-last_wrong_at", "-pk")
    )


def bank_statistics(*, user) -> dict:
    """Per question, per condition (communities in the viewer's scope), suspects."""
    from learning.models import OrgUnit
    from quizzes.models import AttemptQuestion, Question
    from quizzes.stats import (
        AnswerRow,
        ConditionAnswer,
        condition_stats,
        question_stats,
    )

    rows = (
        AttemptQuestion.objects.filter(
            attempt__status="submitted", credit__isnull=False
        )
        .select_related("version")
        .values_list(
            "version__question_id",
            "attempt_id",
            "attempt__percent",
            "credit",
            "version__condition_codes",
            "version__question__item_id",
            "attempt__user__org_unit__path",
        )
    )
    scoped = not user.is_superuser
    communities = {
        u.path: u.name for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY)
    }
    answers, conditions = [], []
    for qid, attempt_id, percent, credit, codes, item_id, unit_path in rows:
        correct = credit >= 1.0
        answers.append(AnswerRow(qid, attempt_id, percent or 0.0, correct))
        community = communities.get((unit_path or "")[: OrgUnit.steplen * 4], "")
        for code in codes or []:
            if code.startswith("c"):
                conditions.append(ConditionAnswer(item_id, code, community, correct))
    stats = question_stats(answers)
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in=stats).select_related("current", "item")
    }
    per_question = sorted(
        ({"question": questions[qid], "stat": stat} for qid, stat in stats.items()),
        key=lambda row: (row["stat"].correct_rate, row["question"].pk),
    )
    per_condition = condition_stats(conditions)
    if scoped:
        allowed = set(
            OrgUnit.objects.filter(
                kind=OrgUnit.Kind.COMMUNITY,
                path__startswith=user.org_unit.path if user.org_unit else "-",
            ).values_list("name", flat=True)
        )
        for stat in per_condition:
            stat.by_community = {
                k: v for k, v in stat.by_community.items() if k in allowed
            }
    return {
        "questions": per_question,
        "conditions": per_condition,
        "suspects": [row for row in per_question if row["stat"].problems],
    }


# ------------------------------------------------------------ the learner's home


@dataclass
class OpenAttempt:
    attempt: Attempt
    seconds_left: int | None
    expired: bool

    @property
    def minutes_left(self) -> int | None:
        if self.seconds_left is None:
            return None
        return self.seconds_left // 60


def open_attempts_of(
    *, user, now: datetime.datetime | None = None
) -> list[OpenAttempt]:
    """Quizzes the worker started and has not handed in, the most urgent first.

    An attempt past its deadline is still open until someone opens it again; it is
    listed as expired so the worker goes to see the grade instead of answering."""
    now = now or timezone.now()
    attempts = (
        Attempt.objects.filter(user=user, status=Attempt.Status.OPEN, quiz__live=True)
        .select_related("quiz")
        .order_by(F("deadline").asc(nulls_last=True), "started_at")
    )
    return [
        OpenAttempt(
            attempt,
            None
            if attempt.deadline is None
            else max(0, int((attempt.deadline - now).total_seconds())),
            past_deadline(attempt, now),
        )
        for attempt in attempts
    ]


def _open_now(now):
    return (Q(opens_at__isnull=True) | Q(opens_at__lte=now)) & (
        Q(closes_at__isnull=True) | Q(closes_at__gt=now)
    )


def _count_of(queryset):
    counted = queryset.order_by().values("quiz").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def annual_exams_open_for(*, user, now: datetime.datetime | None = None):
    """年度考试 open now that the worker may still sit: not passed, attempts left
    (counting 补考许可), and not already in progress (that one is resumed instead).
    Each exam carries `attempts_left` (None when unlimited)."""
    now = now or timezone.now()
    mine = Attempt.objects.filter(user=user, quiz=OuterRef("pk"))
    grants = ExtraAttemptGrant.objects.filter(user=user, quiz=OuterRef("pk"))
    exams = (
        AnnualExamPage.objects.live()
        .filter(_open_now(now))
        .exclude(Exists(mine.filter(status=Attempt.Status.OPEN)))
        .exclude(Exists(mine.filter(passed=True)))
        .annotate(used=_count_of(mine), granted=_count_of(grants))
        .filter(
            Q(max_attempts__isnull=True) | Q(used__lt=F("max_attempts") + F("granted"))
        )
        .order_by(F("closes_at").asc(nulls_last=True), "path")
    )
    found = list(exams)
    for exam in found:
        exam.attempts_left = (
            None
            if exam.max_attempts is None
            else exam.max_attempts + exam.granted - exam.used
        )
    return found


def practice_to_pass(*, user, limit: int = 3, now=None) -> tuple[list, int]:
    """随学随练 of items the worker has studied but whose practice they have not yet
    passed, the most recently studied first; the first few and how many in all."""
    from manuals.models import StudyRecord

    now = now or timezone.now()
    studied = StudyRecord.objects.filter(user=user, page=OuterRef("item_id"))
    mine = Attempt.objects.filter(user=user, quiz=OuterRef("pk"))
    quizzes = (
        PracticeQuizPage.objects.live()
        .filter(_open_now(now), item__live=True)
        .annotate(
            last_studied=Subquery(
                studied.order_by("-studied_at").values("studied_at")[:1]
            )
        )
        .filter(last_studied__isnull=False)
        .exclude(Exists(mine.filter(passed=True)))
        .exclude(Exists(mine.filter(status=Attempt.Status.OPEN)))
    )
    first = list(
        quizzes.select_related("item").order_by("-last_studied", "path")[:limit]
    )
    return first, quizzes.count()
