import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from manuals.models import ReadingSession, ServiceItemPage
from manuals.rules import remaining_seconds
from manuals.selectors import manual_search
from manuals.services import (
    StudyRefused,
    reading_heartbeat,
    reading_start,
    study_confirm,
)


def _payload(request) -> dict:
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return {}


def _session_state(session: ReadingSession) -> dict:
    """What the page shows; it enables 完成学习 only when `can_confirm` says so."""
    remaining = remaining_seconds(
        visible_seconds=session.visible_seconds, required=session.required_seconds
    )
    return {
        "token": str(session.token),
        "required": session.required_seconds,
        "visible": round(session.visible_seconds),
        "remaining": remaining,
        "reached_end": session.reached_end,
        "can_confirm": (
            remaining == 0 and session.reached_end and not session.page.discontinued
        ),
    }


def _own_session(request, token) -> ReadingSession:
    session = ReadingSession.objects.filter(token=token, user=request.user).first()
    if session is None:
        raise Http404
    return session


def _refused(refused: StudyRefused) -> JsonResponse:
    return JsonResponse({"ok": False, "message": str(refused)}, status=400)


@login_required
@require_POST
def study_start(request, page_id):
    page = get_object_or_404(ServiceItemPage.objects.live(), pk=page_id)
    try:
        session = reading_start(user=request.user, page=page)
    except StudyRefused as refused:
        return _refused(refused)
    return JsonResponse(_session_state(session))


@login_required
@require_POST
def study_beat(request, token):
    data = _payload(request)
    try:
        session = reading_heartbeat(
            session=_own_session(request, token),
            was_visible=bool(data.get("visible", True)),
            reached_end=bool(data.get("reached_end", False)),
        )
    except StudyRefused as refused:
        return _refused(refused)
    return JsonResponse(_session_state(session))


@login_required
@require_POST
def study_finish(request, token):
    data = _payload(request)
    session = _own_session(request, token)
    try:
        outcome = study_confirm(
            session=session, reached_end=bool(data.get("reached_end", False))
        )
    except StudyRefused as refused:
        session.refresh_from_db()
        return JsonResponse(
            {"ok": False, "message": str(refused), **_session_state(session)},
            status=400,
        )
    return JsonResponse(
        {"ok": True, "message": outcome.message, "restudy": outcome.restudied}
    )


@login_required
def search(request):
    query = request.GET.get("q", "").strip()[:100]
    hits = manual_search(query=query) if query else []
    return render(request, "manuals/search.html", {"query": query, "hits": hits})
