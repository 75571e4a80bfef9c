import datetime
import random
import statistics
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from learning.tables import (
    RowError,
    TableFileError,
    csv_bytes,
    decode_text,
    read_table,
)
from manuals.models import CategoryPage, ServiceItemPage, StudyRecord
from manuals.services import restudy_quiz_passed
from points.awards import ANOMALY_MIN_PEERS
from points.events import (
    AttemptGraded,
    CategoryCompleted,
    HighFrequencyCompleted,
    QuizKind,
)
from points.services import points_record
from quizzes import bank, grading
from quizzes.bank import ItemInfo
from quizzes.draw import Candidate, DrawRule, NotEnoughQuestions, draw
from quizzes.models import (
    AnnualExamPage,
    Attempt,
    AttemptQuestion,
    CategoryQuizPage,
    ExtraAttemptGrant,
    PracticeQuizPage,
    Question,
    QuestionStatus,
    QuestionType,
    QuestionVersion,
    QuizPage,
    WrongBookEntry,
    stem_fingerprint,
)

# Answers arriving this long after the deadline still count (slow networks).
GRACE_SECONDS = 30
# Answered right this many times in a row, a question leaves the 错题本.
WRONG_BOOK_CLEAR_STREAK = 2

MSG_NOT_OPEN_YET = "本测验将于 {at} 开放。"
MSG_ENDED = "本测验已于 {at} 截止。"
MSG_NO_ATTEMPTS_LEFT = "您已用完本测验的作答次数（共 {n} 次）。如需补考，请联系管理者。"
MSG_TOO_SOON = "距上次作答不足 {minutes} 分钟，请于 {at} 后再试。"
MSG_LATE = "已超过作答时间，本次答案未被记录。"
MSG_SELF_GRANT = "不能给自己补考许可，请由其他管理者批准。"
MSG_GRANT_OUT_OF_SCOPE = "只能为本单位及下级单位的社工批准补考。"
MSG_SUBMITTED = "本次作答已交卷，不能再修改答案。"


class QuizRefused(Exception):
    """The server refuses an action on a quiz; the message is for the worker."""


# ---------------------------------------------------------------- question bank


@transaction.atomic
def question_save(
    *,
    question: Question | None,
    item,
    qtype: str,
    stem: str,
    options: list[dict],
    answer,
    explanation: str = "",
    condition_codes: list[str] | None = None,
    difficulty: int = 2,
    user=None,
    status: str | None = None,
) -> Question:
    """Create or edit a question. Editing one that has been answered adds a version,
    so past attempts keep showing the text they were graded on."""
    now = timezone.now()
    content = {
        "stem": stem.strip(),
        "options": options,
        "answer": answer,
        "explanation": explanation.strip(),
        "condition_codes": list(condition_codes or []),
    }
    if question is None:
        question = Question(item=item, qtype=qtype, difficulty=difficulty)
    question.item = item
    question.qtype = qtype
    question.difficulty = difficulty
    question.fingerprint = stem_fingerprint(item.pk, stem)
    question.updated_at = now
    if status:
        question.status = status
    elif question.status == QuestionStatus.NEEDS_REVIEW:
        # Editing after a manual change is the trainer's review.
        question.status = QuestionStatus.ACTIVE
        question.review_reason = ""
    duplicate = (
        Question.objects.filter(fingerprint=question.fingerprint)
        .exclude(status=QuestionStatus.RETIRED)
        .exclude(pk=question.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError({"stem": "该事项下已有相同题干的题目。"})
    question.full_clean(exclude=["current"])
    question.save()

    current = question.current
    answered = (
        current is not None and AttemptQuestion.objects.filter(version=current).exists()
    )
    if current is not None and not answered:
        for name, value in content.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
        return question
    number = (question.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = QuestionVersion(
        question=question, number=number, created_by=user, **content
    )
    version.full_clean()
    version.save()
    question.current = version
    question.save(update_fields=["current"])
    return question


def question_save_data(
    *,
    question: Question | None,
    item,
    data: "bank.QuestionData",
    user=None,
    status: str | None = None,
) -> Question:
    """question_save for a parsed row of the template (form or import)."""
    return question_save(
        question=question,
        item=item,
        qtype=data.qtype,
        stem=data.stem,
        options=data.options,
        answer=data.answer,
        explanation=data.explanation,
        condition_codes=data.condition_codes,
        difficulty=data.difficulty,
        user=user,
        status=status,
    )


def questions_mark_for_review(*, item, changed: set[str], reason: str) -> int:
    """After a material change, questions on what changed leave the draws (待复核).

    `changed` holds condition codes and field names ("materials", "decided_at"…).
    A question that names nothing it tests is marked whenever its item changes.
    """
    questions = Question.objects.filter(item=item, status=QuestionStatus.ACTIVE)
    marked = [
        q.pk
        for q in questions.select_related("current")
        if not q.condition_codes or set(q.condition_codes) & changed
    ]
    return Question.objects.filter(pk__in=marked).update(
        status=QuestionStatus.NEEDS_REVIEW, review_reason=reason[:200]
    )


def question_confirm(*, question: Question) -> Question:
    """A trainer checked a 待复核 question and it still holds."""
    question.status = QuestionStatus.ACTIVE
    question.review_reason = ""
    question.save(update_fields=["status", "review_reason"])
    return question


# ---------------------------------------------------------------- attempts


def _rules_for(quiz: QuizPage) -> list[DrawRule]:
    quiz = quiz.specific
    from quizzes.models import PracticeQuizPage

    if isinstance(quiz, PracticeQuizPage):
        return [
            DrawRule(
                count=quiz.question_count, label=quiz.item.title, item_id=quiz.item_id
            )
        ]
    rules = []
    for row in quiz.draw_rules.all():
        rules.append(
            DrawRule(
                count=row.count,
                label=str(row),
                category_id=row.category_id or getattr(quiz, "category_id", None),
                item_id=row.item_id,
                qtype=row.qtype or None,
            )
        )
    return rules


def _candidates() -> list[Candidate]:
    from manuals.models import CategoryPage

    categories = {c.path: c.pk for c in CategoryPage.objects.all()}
    rows = Question.objects.filter(
        status=QuestionStatus.ACTIVE, current__isnull=False, item__live=True
    ).values_list("pk", "item_id", "item__path", "item__depth", "qtype")
    steplen = CategoryPage.steplen
    return [
        Candidate(pk, item_id, categories.get(path[: steplen * (depth - 1)], 0), qtype)
        for pk, item_id, path, depth, qtype in rows
    ]


def past_deadline(attempt: Attempt, now) -> bool:
    """The server's deadline and the grace after it have both gone by."""
    return attempt.deadline is not None and now > attempt.deadline + datetime.timedelta(
        seconds=GRACE_SECONDS
    )


def attempts_allowed(*, user, quiz: QuizPage) -> int | None:
    if quiz.max_attempts is None:
        return None
    grants = ExtraAttemptGrant.objects.filter(user=user, quiz=quiz).count()
    return quiz.max_attempts + grants


def _moment_text(at: datetime.datetime, now: datetime.datetime) -> str:
    """A time as a worker reads it: 14:35 today, 12月3日 14:35 on another day."""
    local, today = timezone.localtime(at), timezone.localtime(now)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if local.year == today.year:
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def start_refusal(
    *,
    quiz: QuizPage,
    taken: int,
    allowed: int | None,
    last_started_at: datetime.datetime | None,
    now: datetime.datetime,
) -> str:
    """Why a worker who has taken `taken` attempts may not start one now ("" if
    they may). The quiz page shows the same words on its disabled button that
    attempt_start raises, so the two cannot disagree."""
    if quiz.opens_at is not None and now < quiz.opens_at:
        return MSG_NOT_OPEN_YET.format(at=_moment_text(quiz.opens_at, now))
    if quiz.closes_at is not None and now >= quiz.closes_at:
        return MSG_ENDED.format(at=_moment_text(quiz.closes_at, now))
    if allowed is not None and taken >= allowed:
        return MSG_NO_ATTEMPTS_LEFT.format(n=taken)
    if last_started_at is not None and quiz.min_minutes_between:
        ready_at = last_started_at + datetime.timedelta(
            minutes=quiz.min_minutes_between
        )
        if now < ready_at:
            return MSG_TOO_SOON.format(
                minutes=quiz.min_minutes_between, at=_moment_text(ready_at, now)
            )
    return ""


@transaction.atomic
def attempt_start(*, user, quiz: QuizPage, now=None, rng: random.Random | None = None):
    """Resume the open attempt, or start one if the rules allow it."""
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    # Serialise starts per worker, so two taps cannot open two attempts.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    open_attempt = Attempt.objects.filter(user=user, quiz=quiz, status="open").first()
    if open_attempt is not None:
        if past_deadline(open_attempt, now):
            attempt_submit(attempt=open_attempt, now=now, auto=True)
        else:
            return open_attempt
    done = Attempt.objects.filter(user=user, quiz=quiz)
    allowed = attempts_allowed(user=user, quiz=quiz)
    last = done.order_by("-started_at").first()
    refusal = start_refusal(
        quiz=quiz,
        taken=done.count(),
        allowed=allowed,
        last_started_at=last.started_at if last else None,
        now=now,
    )
    if refusal:
        raise QuizRefused(refusal)
    grant = None
    if allowed is not None and done.count() >= quiz.max_attempts:
        grant = (
            ExtraAttemptGrant.objects.filter(user=user, quiz=quiz, used_by__isnull=True)
            .order_by("granted_at")
            .first()
        )

    rng = rng or random.Random()
    try:
        picked = draw(_candidates(), _rules_for(quiz), rng)
    except NotEnoughQuestions as short:
        raise QuizRefused(f"{short} 请联系培训师补充题目。") from short
    questions = Question.objects.filter(pk__in=picked).select_related("current")
    questions = {q.pk: q for q in questions}
    attempt = Attempt.objects.create(
        token=uuid.uuid4(),
        user=user,
        quiz=quiz,
        number=done.count() + 1,
        started_at=now,
        deadline=(
            now + datetime.timedelta(minutes=quiz.time_limit_minutes)
            if quiz.time_limit_minutes
            else None
        ),
        grant=grant,
    )
    rows = []
    for position, question_id in enumerate(picked, start=1):
        question = questions[question_id]
        version = question.current
        order = [o["key"] for o in version.options]
        if question.qtype != grading.JUDGE:
            rng.shuffle(order)
        rows.append(
            AttemptQuestion(
                attempt=attempt,
                position=position,
                version=version,
                option_order=order,
                points=quiz.points_per_question,
            )
        )
    AttemptQuestion.objects.bulk_create(rows)
    return attempt


@transaction.atomic
def answer_save(
    *, attempt: Attempt, position: int, response, sequence: int | None = None, now=None
) -> bool:
    """Keep a worker's answer as they go; refused once the time is up.

    Autosaves carry a `sequence` that grows with every change on the page. Retries
    and slow networks deliver them out of order, so a save numbered no higher than
    the last one applied is ignored and False is returned: an older answer never
    overwrites a newer one. The submitted form carries no sequence and always
    applies, since it holds the page's final state.
    """
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status != Attempt.Status.OPEN:
        raise QuizRefused(MSG_SUBMITTED)
    if past_deadline(attempt, now):
        raise QuizRefused(MSG_LATE)
    rows = attempt.questions.filter(position=position)
    changes = {"response": response, "saved_at": now}
    newer = rows
    if sequence is not None:
        # One conditional UPDATE, so two saves racing on SQLite (where the row
        # lock above does nothing) still keep the newer answer.
        newer = rows.filter(save_sequence__lt=sequence)
        changes["save_sequence"] = sequence
    if newer.update(**changes) == 1:
        return True
    if not rows.exists():
        raise AttemptQuestion.DoesNotExist
    return False


@transaction.atomic
def attempt_submit(
    *, attempt: Attempt, now=None, auto: bool = False, award_now: bool = False
) -> Attempt:
    """Grade an open attempt once. Safe to call twice: the second does nothing.

    A pass's points are posted by the task worker (quizzes.tasks): the task row
    is written in the same transaction as the grade, so it exists exactly when
    the attempt is submitted, and the worker's posting is idempotent. On an
    exam morning this keeps the ledger's locks and cap sums off the submit
    request. ``award_now`` posts in the request instead (the demo seed).
    """
    now = now or timezone.now()
    # The quiz's grading settings live on QuizPage itself: no .specific needed.
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz")
        .get(pk=attempt.pk)
    )
    if attempt.status == Attempt.Status.SUBMITTED:
        return attempt
    quiz = attempt.quiz
    graded = []
    rows = list(attempt.questions.select_related("version__question"))
    by_credit: dict[float, list[int]] = {}
    for row in rows:
        credit = grading.question_credit(
            row.version.question.qtype,
            row.version.answer,
            row.response,
            partial_multi=quiz.partial_multi,
        )
        row.credit = credit
        by_credit.setdefault(credit, []).append(row.pk)
        graded.append(grading.GradedQuestion(points=row.points, credit=credit))
    # One UPDATE per distinct credit (right, wrong, a partial share or two)
    # instead of a CASE over every question.
    for credit, pks in by_credit.items():
        AttemptQuestion.objects.filter(pk__in=pks).update(credit=credit)
    grade = grading.attempt_grade(graded, pass_percent=quiz.pass_percent)
    attempt.status = Attempt.Status.SUBMITTED
    attempt.submitted_at = now
    attempt.auto_submitted = auto
    attempt.earned = grade.earned
    attempt.possible = grade.possible
    attempt.percent = grade.percent
    attempt.passed = grade.passed
    attempt.perfect = grade.perfect
    attempt.save()
    wrong_book_update(user_id=attempt.user_id, rows=rows, now=now)
    if attempt.passed:
        if award_now:
            attempt_awards_post(attempt_id=attempt.pk)
        else:
            from quizzes.tasks import attempt_awards_task

            backend = settings.QUIZ_AWARD_TASK_BACKEND
            attempt_awards_task.using(backend=backend).enqueue(attempt.pk)
    return attempt


# How many of the latest hand-ins on a quiz the median time is taken over.
MEDIAN_SAMPLE = 200


@transaction.atomic
def attempt_awards_post(*, attempt_id: int) -> None:
    """Report a graded attempt to points, dated when it was handed in; points
    decides what it earns. Safe to run twice (a retried task): the ledger keeps
    one line per rule and quiz."""
    attempt = Attempt.objects.select_related("quiz", "user").filter(pk=attempt_id)
    attempt = attempt.first()
    if attempt is None or attempt.status != Attempt.Status.SUBMITTED:
        return
    quiz = attempt.quiz.specific
    points_record(attempt_graded_event(attempt=attempt, quiz=quiz))
    if not attempt.passed:
        return
    if isinstance(quiz, PracticeQuizPage):
        item = quiz.get_parent().specific
        if isinstance(item, ServiceItemPage):
            restudy_quiz_passed(user=attempt.user, item=item, at=attempt.submitted_at)
            completions_check(user=attempt.user, item=item, at=attempt.submitted_at)
    elif isinstance(quiz, CategoryQuizPage):
        category = quiz.get_parent().specific
        if isinstance(category, CategoryPage):
            category_completion_check(
                user=attempt.user, category=category, at=attempt.submitted_at
            )


def _kind(quiz: QuizPage) -> str:
    if isinstance(quiz, AnnualExamPage):
        return QuizKind.EXAM
    if isinstance(quiz, CategoryQuizPage):
        return QuizKind.CATEGORY
    return QuizKind.PRACTICE


def _median_seconds(attempt: Attempt) -> float | None:
    """How long others took on the same quiz (hand-ins, not timeouts), or None
    while too few have taken it to say."""
    others = list(
        Attempt.objects.filter(
            quiz_id=attempt.quiz_id,
            status=Attempt.Status.SUBMITTED,
            auto_submitted=False,
        )
        .exclude(user_id=attempt.user_id)
        .order_by("-submitted_at")
        .values_list("started_at", "submitted_at")[:MEDIAN_SAMPLE]
    )
    if len(others) < ANOMALY_MIN_PEERS:
        return None
    return statistics.median((end - start).total_seconds() for start, end in others)


def _scenario_percent(attempt: Attempt) -> float | None:
    rows = [
        (row.points, row.credit or 0.0)
        for row in attempt.questions.select_related("version__question")
        if row.version.question.qtype == QuestionType.SCENARIO
    ]
    possible = sum(points for points, _credit in rows)
    if not possible:
        return None
    return 100.0 * sum(points * credit for points, credit in rows) / possible


def attempt_graded_event(*, attempt: Attempt, quiz: QuizPage) -> AttemptGraded:
    """The attempt as points hears of it, with the history its rules ask about."""
    mine = Attempt.objects.filter(user_id=attempt.user_id, quiz_id=attempt.quiz_id)
    previous = (
        mine.filter(started_at__lt=attempt.started_at)
        .exclude(pk=attempt.pk)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    hour_ago = attempt.submitted_at - datetime.timedelta(hours=1)
    kind = _kind(quiz)
    return AttemptGraded(
        user=attempt.user,
        at=attempt.submitted_at,
        attempt_id=attempt.pk,
        quiz_id=attempt.quiz_id,
        title=quiz.title,
        kind=kind,
        number=attempt.number,
        percent=attempt.percent or 0.0,
        passed=bool(attempt.passed),
        perfect=attempt.perfect,
        started_at=attempt.started_at,
        scenario_percent=_scenario_percent(attempt) if kind == QuizKind.EXAM else None,
        previous_started_at=previous,
        passed_before=mine.filter(passed=True, number__lt=attempt.number).exists(),
        submissions_last_hour=Attempt.objects.filter(
            user_id=attempt.user_id,
            status=Attempt.Status.SUBMITTED,
            submitted_at__gt=hour_ago,
            submitted_at__lte=attempt.submitted_at,
        ).count(),
        median_seconds=_median_seconds(attempt),
    )


# ------------------------------------------------ completing a category, 高频事项


def category_completion_check(*, user, category: CategoryPage, at) -> bool:
    """Every live item of the category studied and its quiz passed (this year):
    points hears CategoryCompleted. Returns whether it did."""
    items = set(
        ServiceItemPage.objects.child_of(category)
        .live()
        .filter(discontinued=False)
        .values_list("pk", flat=True)
    )
    if not items:
        return False
    studied = StudyRecord.objects.filter(user=user, page_id__in=items)
    if len(set(studied.values_list("page_id", flat=True))) < len(items):
        return False
    quizzes = CategoryQuizPage.objects.child_of(category).live().values("pk")
    year = timezone.localtime(at).year
    if quizzes.exists():
        passed = Attempt.objects.filter(
            user=user, quiz__in=quizzes, passed=True, submitted_at__year=year
        )
        if not passed.exists():
            return False
    points_record(
        CategoryCompleted(
            user=user,
            at=at,
            category_id=category.pk,
            category_code=category.code,
            title=category.title,
        )
    )
    return True


def high_frequency_check(*, user, at) -> bool:
    """Every live 高频事项 studied and its quiz passed: evidence for 初级."""
    items = list(
        ServiceItemPage.objects.live()
        .filter(high_frequency=True, discontinued=False)
        .only("pk", "path", "depth")
    )
    if not items:
        return False
    ids = {item.pk for item in items}
    studied = set(
        StudyRecord.objects.filter(user=user, page_id__in=ids).values_list(
            "page_id", flat=True
        )
    )
    if studied != ids:
        return False
    for item in items:
        quizzes = PracticeQuizPage.objects.child_of(item).live().values("pk")
        if (
            quizzes.exists()
            and not Attempt.objects.filter(
                user=user, quiz__in=quizzes, passed=True
            ).exists()
        ):
            return False
    parents = {item.path[: -item.steplen] for item in items}
    codes = sorted(
        CategoryPage.objects.filter(path__in=parents).values_list("code", flat=True)
    )
    points_record(HighFrequencyCompleted(user=user, at=at, category_codes=tuple(codes)))
    return True


def completions_check(*, user, item: ServiceItemPage, at) -> None:
    """After an item was studied or its quiz passed: a category or the 高频事项
    may now be complete."""
    category = item.get_parent().specific
    if isinstance(category, CategoryPage):
        category_completion_check(user=user, category=category, at=at)
    if item.high_frequency:
        high_frequency_check(user=user, at=at)


def item_quiz_passed_since(*, user, item, since) -> bool:
    """Has the worker passed a quiz on the item since the moment given?"""
    quizzes = PracticeQuizPage.objects.child_of(item).values("pk")
    return Attempt.objects.filter(
        user=user, quiz__in=quizzes, passed=True, submitted_at__gte=since
    ).exists()


def records_under(pages) -> list[tuple[int, str]]:
    """Questions and attempts on pages of the manual: kept for audit."""
    return [
        (Question.objects.filter(item__in=pages).count(), "道题目"),
        (Attempt.objects.filter(quiz__in=pages).count(), "次测验作答"),
    ]


def wrong_book_update(*, user_id: int, rows: list[AttemptQuestion], now) -> None:
    """Wrong answers go in; two right answers in a row take a question out."""
    entries = {
        entry.question_id: entry
        for entry in WrongBookEntry.objects.filter(
            user_id=user_id, question_id__in=[row.version.question_id for row in rows]
        )
    }
    for row in rows:
        question_id = row.version.question_id
        entry = entries.get(question_id)
        if row.credit is not None and row.credit >= 1.0:
            if entry and entry.cleared_at is None:
                entry.right_streak += 1
                if entry.right_streak >= WRONG_BOOK_CLEAR_STREAK:
                    entry.cleared_at = now
                entry.save(update_fields=["right_streak", "cleared_at"])
            continue
        if entry is None:
            entry = entries[question_id] = WrongBookEntry(
                user_id=user_id, question_id=question_id, last_wrong_at=now
            )
        entry.times_wrong += 1
        entry.right_streak = 0
        entry.last_wrong_at = now
        entry.cleared_at = None
        entry.save()


def extra_attempt_grant(
    *, manager, user, quiz: QuizPage, reason: str
) -> ExtraAttemptGrant:
    """Nobody grants themselves another attempt, nor anyone outside their units."""
    from learning.selectors import staff_member_visible

    if user == manager:
        raise ValidationError({"user": MSG_SELF_GRANT})
    if not staff_member_visible(actor=manager, user=user):
        raise ValidationError({"user": MSG_GRANT_OUT_OF_SCOPE})
    grant = ExtraAttemptGrant(user=user, quiz=quiz, reason=reason, granted_by=manager)
    grant.full_clean()
    grant.save()
    return grant


# ---------------------------------------------------------------- import / export


@dataclass
class BankReport:
    """What a question file would do (dry run) or did."""

    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def bank_done_message(report: BankReport) -> str:
    return f"导入完成：新增 {report.new} 题，更新 {report.updated} 题。"


class BankRejected(Exception):
    def __init__(self, report: BankReport):
        super().__init__("; ".join(str(e) for e in report.errors))
        self.report = report


FORMATS = {"template": "模板（Excel/CSV）", "gift": "Moodle GIFT", "aiken": "Aiken"}


def _item_infos() -> dict[str, ItemInfo]:
    from manuals.models import ServiceItemPage

    infos = {}
    for item in ServiceItemPage.objects.prefetch_related("conditions"):
        codes = tuple(c.code for c in item.conditions.all() if c.active)
        infos[item.item_code.upper()] = ItemInfo(item.pk, item.item_code, codes)
    return infos


def _parse_file(content, filename, fmt, default_item, items) -> tuple[list, list]:
    """(row number, QuestionData) pairs and RowErrors, whatever the format."""
    parsed, errors = [], []
    if fmt == "template":
        try:
            table = read_table(content, filename, bank.COLUMNS, bank.REQUIRED_COLUMNS)
        except TableFileError as exc:
            return [], [RowError(0, "", str(exc))]
        for index, row in enumerate(table.dataset.dict):
            number = table.row_numbers[index]
            data, problems = bank.parse_row(row, items)
            errors += [
                RowError(number, column, message) for column, message in problems
            ]
            if data:
                parsed.append((number, data))
        return parsed, errors
    try:
        text = decode_text(content)
    except TableFileError as exc:
        return [], [RowError(0, "", str(exc))]
    parse = bank.parse_gift if fmt == "gift" else bank.parse_aiken
    questions, problems = parse(text, default_item)
    errors += [RowError(line, "", message) for line, message in problems]
    for line, data in questions:
        if data.item_code not in items:
            errors.append(RowError(line, "", f"找不到事项编码“{data.item_code}”。"))
        else:
            parsed.append((line, data))
    return parsed, errors


def _content_of(data: bank.QuestionData) -> tuple:
    return (
        data.qtype,
        data.stem,
        data.options,
        data.answer,
        data.explanation,
        sorted(data.condition_codes),
        data.difficulty,
    )


def bank_import(
    *,
    content: bytes,
    filename: str,
    fmt: str,
    actor,
    dry_run: bool,
    default_item: str = "",
    progress=None,
) -> BankReport:
    """Check a question file and, unless dry_run, write it all or not at all.
    ``progress(n)`` is told how many questions are written so far."""
    from manuals.models import ServiceItemPage

    items = _item_infos()
    parsed, errors = _parse_file(content, filename, fmt, default_item.upper(), items)
    report = BankReport(total=len(parsed) + len({e.row for e in errors}))
    seen: dict[str, int] = {}
    plan = []
    for number, data in parsed:
        info = items[data.item_code]
        fingerprint = stem_fingerprint(info.pk, data.stem)
        if fingerprint in seen:
            errors.append(
                RowError(number, "题干", f"与第 {seen[fingerprint]} 行的题目重复。")
            )
            continue
        seen[fingerprint] = number
        existing = (
            Question.objects.filter(fingerprint=fingerprint)
            .exclude(status=QuestionStatus.RETIRED)
            .select_related("current")
            .first()
        )
        if existing is None:
            report.new += 1
        else:
            current = existing.current
            options, answer = bank.relettered(
                existing.qtype, current.options, current.answer
            )
            old = bank.QuestionData(
                data.item_code,
                existing.qtype,
                current.stem,
                options,
                answer,
                current.explanation,
                current.condition_codes,
                existing.difficulty,
            )
            if _content_of(old) == _content_of(data):
                report.unchanged += 1
                continue
            report.updated += 1
        plan.append((existing, info, data))
    report.errors = sorted(errors, key=lambda e: (e.row, e.column))
    if not report.ok:
        if dry_run:
            return report
        raise BankRejected(report)
    if dry_run:
        return report
    pages = {
        p.pk: p
        for p in ServiceItemPage.objects.filter(pk__in=[info.pk for _, info, _ in plan])
    }
    with transaction.atomic():
        for done, (existing, info, data) in enumerate(plan, start=1):
            question_save_data(
                question=existing, item=pages[info.pk], data=data, user=actor
            )
            if progress is not None:
                progress(done)
    return report


def bank_export(*, queryset, fmt: str) -> bytes:
    """The questions in the template's columns: XLSX (sheet 题目 plus the
    填写说明, so an exported bank can be edited and imported back) or UTF-8 CSV
    with a BOM, which Excel opens in the right encoding. An empty queryset gives
    the blank template."""
    from quizzes.resources import QuestionResource

    dataset = QuestionResource().export(queryset=queryset)
    if fmt != "xlsx":
        return csv_bytes(dataset)
    return bank.xlsx_workbook(
        [
            (bank.QUESTIONS_SHEET, bank.COLUMNS, [list(row) for row in dataset]),
            (
                bank.NOTES_SHEET,
                bank.NOTES_HEADERS,
                [list(n) for n in bank.COLUMN_NOTES],
            ),
        ]
    )
