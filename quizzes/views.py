import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from quizzes.models import Attempt, PracticeQuizPage
from quizzes.responses import (
    BadResponse,
    option_id,
    option_ids,
    response_clean,
    response_from_form,
)
from quizzes.selectors import (
    annual_exam_current,
    attempt_unanswered,
    condition_links,
    practice_quizzes_by_item,
    quiz_centre_page,
    quiz_status_for,
    retry_refusal,
    review_visible,
    wrong_book_for,
)
from quizzes.services import (
    MSG_SUBMITTED,
    QuizRefused,
    answer_save,
    attempt_start,
    attempt_submit,
    attempts_allowed,
    past_deadline,
)


def quiz_page_serve(quiz, request):
    """The quiz's own page: rules, past attempts, and start or resume."""
    if request.method == "POST":
        try:
            attempt = attempt_start(user=request.user, quiz=quiz)
        except QuizRefused as refused:
            messages.error(request, str(refused))
            return redirect(quiz.url)
        return redirect("quizzes:attempt", token=attempt.token)
    context = {
        "page": quiz,
        "self": quiz,
        "status": quiz_status_for(quiz=quiz, user=request.user),
    }
    return render(request, "quizzes/quiz_page.html", context)


def _own_attempt(request, token) -> Attempt:
    attempt = (
        Attempt.objects.select_related("quiz")
        .filter(token=token, user=request.user)
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


def _expire_if_due(attempt: Attempt) -> Attempt:
    if attempt.status == Attempt.Status.OPEN and past_deadline(attempt, timezone.now()):
        return attempt_submit(attempt=attempt, auto=True)
    return attempt


@login_required
def attempt_view(request, token):
    attempt = _expire_if_due(_own_attempt(request, token))
    if attempt.status != Attempt.Status.OPEN:
        return redirect("quizzes:result", token=attempt.token)
    rows = list(
        attempt.questions.select_related("version__question__item").prefetch_related(
            "version__question__item__conditions"
        )
    )
    for row in rows:
        version = row.version
        # An 排序 answer is the keys in the chosen order; each step shows its rank.
        ranks = (
            {key: n for n, key in enumerate(row.response, start=1)}
            if version.question.qtype == "ordering" and isinstance(row.response, list)
            else {}
        )
        chosen = row.response if isinstance(row.response, list) else []
        row.shown_options = [
            {
                "id": option_id(attempt.token, row.position, key),
                "text": version.option_text(key),
                "rank": ranks.get(key),
                "checked": key in chosen,
            }
            for key in row.option_order
        ]
        if version.question.qtype == "scenario":
            row.conditions = [
                {"code": c.code, "number": n, "text": c.text}
                for n, c in enumerate(version.question.item.active_conditions, start=1)
            ]
    remaining = (
        max(0, int((attempt.deadline - timezone.now()).total_seconds()))
        if attempt.deadline
        else None
    )
    quiz = attempt.quiz.specific
    allowed = attempts_allowed(user=request.user, quiz=quiz)
    blank = [row.position for row in rows if row.response is None]
    return render(
        request,
        "quizzes/attempt.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "rows": rows,
            "remaining": remaining,
            "unanswered": len(blank),
            "first_unanswered": blank[0] if blank else None,
            "ask_to_confirm": bool(blank) and "confirm" in request.GET,
            "last_chance": allowed is not None and attempt.number >= allowed,
        },
    )


@login_required
@require_POST
def answer_view(request, token):
    """One autosave. `retry: false` tells the page that sending again cannot help;
    any other failure (a locked database, a dropped connection) is worth a retry."""
    attempt = _own_attempt(request, token)
    if attempt.status != Attempt.Status.OPEN:
        return _refused(MSG_SUBMITTED, status=409)
    if len(request.body) > MAX_ANSWER_BYTES:
        return _refused("答案格式不正确。", status=400)
    try:
        data = json.loads(request.body or b"{}")
        position = int(data["position"])
        sequence = None if data.get("seq") is None else int(data["seq"])
        if sequence is not None and sequence < 0:
            raise ValueError(sequence)
    except (ValueError, KeyError, TypeError):
        return _refused("答案格式不正确。", status=400)
    row = (
        attempt.questions.select_related("version__question__item")
        .filter(position=position)
        .first()
    )
    if row is None:
        return _refused("题号不存在。", status=400)
    try:
        response = _response_in_keys(attempt, row, data.get("response"))
    except BadResponse:
        return _refused("答案格式不正确。", status=400)
    try:
        applied = answer_save(
            attempt=attempt, position=position, response=response, sequence=sequence
        )
    except QuizRefused as refused:
        return _refused(str(refused), status=409)
    except attempt.questions.model.DoesNotExist:
        return _refused("题号不存在。", status=400)
    return JsonResponse({"ok": True, "stale": not applied})


# Types whose page answer is stored as sent (no option ids to translate).
PLAIN_ANSWERS = ("judge", "scenario")

# One autosave carries one question's answer: a few hundred bytes at most.
MAX_ANSWER_BYTES = 4096


def _response_in_keys(attempt, row, response):
    """The page's answer in bank keys, checked against the question's shape."""
    question = row.version.question
    conditions = (
        [c.code for c in question.item.active_conditions]
        if question.qtype == "scenario"
        else ()
    )
    return response_clean(
        question.qtype,
        response,
        ids=option_ids(attempt.token, row.position, row.option_order),
        conditions=conditions,
    )


def _refused(message: str, *, status: int) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "retry": False, "message": message}, status=status
    )


@login_required
@require_POST
def submit_view(request, token):
    """Saves whatever the form carries (for phones without JS), then grades once.

    With questions left blank, one tap is not enough: unless the form says the
    worker confirmed (`confirmed=1`, sent by the page's own confirm step), the
    answers are kept and the worker is asked again, so an exam with one attempt
    is not handed in half done by accident. Time running out needs no consent.
    """
    attempt = _own_attempt(request, token)
    if attempt.status == Attempt.Status.OPEN:
        late = False
        # The page's form carries every answer, most of them autosaved already;
        # a hand-in without answers (the confirm step, a script) reads no rows.
        carries_answers = any(key.startswith("q") for key in request.POST)
        rows = (
            list(attempt.questions.select_related("version__question"))
            if carries_answers
            else []
        )
        for row in rows:
            qtype = row.version.question.qtype
            sent = response_from_form(qtype, row.position, request.POST)
            if sent is None or (qtype in PLAIN_ANSWERS and sent == row.response):
                continue  # blank, or saved already (the item is never loaded)
            try:
                response = _response_in_keys(attempt, row, sent)
            except BadResponse:
                response = None
            if response is None or response == row.response:
                continue  # blank, or already autosaved: nothing to write
            try:
                answer_save(attempt=attempt, position=row.position, response=response)
            except QuizRefused:
                late = True
                break
        confirmed = request.POST.get("confirmed") == "1"
        if not (late or confirmed) and attempt_unanswered(attempt=attempt):
            url = reverse("quizzes:attempt", args=[attempt.token])
            return redirect(f"{url}?confirm=1#confirm-submit")
        attempt = attempt_submit(attempt=attempt, auto=late)
        if late:
            messages.warning(request, "已超过作答时间，超时后的答案未被计入。")
    return redirect("quizzes:result", token=attempt.token)


@login_required
def result_view(request, token):
    attempt = _expire_if_due(_own_attempt(request, token))
    if attempt.status == Attempt.Status.OPEN:
        return redirect("quizzes:attempt", token=attempt.token)
    show_review = review_visible(attempt=attempt)
    rows = list(
        attempt.questions.select_related("version__question__item").prefetch_related(
            "version__question__item__conditions"
        )
    )
    for row in rows:
        version = row.version
        row.links = condition_links(version)
        row.your_answer = _describe(version, row.response)
        row.right_answer = _describe(version, version.answer)
    quiz = attempt.quiz.specific
    return render(
        request,
        "quizzes/result.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "rows": rows,
            "show_review": show_review,
            "retry_refusal": retry_refusal(attempt=attempt),
            "is_practice": isinstance(quiz, PracticeQuizPage),
        },
    )


def _describe(version, value) -> str:
    qtype = version.question.qtype
    if value is None or value == [] or value == {}:
        return "未作答"
    if qtype == "judge":
        return "对" if value is True else "错"
    if qtype == "scenario":
        item = version.question.item
        decision = {True: "符合", False: "不符合"}.get(value.get("eligible"), "未选")
        number = item.condition_number(value.get("condition") or "")
        reason = f"，依据第{number}条" if number else ""
        return f"{decision}{reason}"
    keys = value if isinstance(value, list) else [value]
    if qtype == "ordering":
        return " → ".join(version.option_text(k) for k in keys)
    return "、".join(f"{k}. {version.option_text(k)}" for k in keys)


# 错题本 entries per page: each carries its links and practice buttons.
WRONG_BOOK_PER_PAGE = 20


@login_required
def wrong_book_view(request):
    page = Paginator(wrong_book_for(user=request.user), WRONG_BOOK_PER_PAGE).get_page(
        request.GET.get("p")
    )
    entries = list(page.object_list)
    practice = practice_quizzes_by_item(
        item_ids={entry.question.item_id for entry in entries}
    )
    for entry in entries:
        entry.links = condition_links(entry.question.current)
        entry.practice = practice.get(entry.question.item_id, [])
    return render(
        request, "quizzes/wrong_book.html", {"entries": entries, "page": page}
    )


@login_required
def centre_view(request):
    """A stable address for the 测验中心, wherever the page sits in the tree."""
    centre = quiz_centre_page()
    if centre is None:
        raise Http404
    return redirect(centre.url)


@login_required
def annual_exam_view(request):
    """A stable address for this year's exam (the open one, else the next), for
    links that must not change every year; the 测验中心 when there is none."""
    exam = annual_exam_current()
    return redirect(exam.url if exam is not None else "quizzes:centre")
