from wagtail import hooks
from wagtail.permissions import register_permission_policy

from learning.permissions import ScopedPermissionPolicy
from quizzes.models import ExtraAttemptGrant
from quizzes.viewsets import QuizzesGroup

# A manager grants and sees 补考许可 for workers of their own units only.
register_permission_policy(
    ExtraAttemptGrant,
    ScopedPermissionPolicy(
        ExtraAttemptGrant,
        {
            "view": "quizzes.view_extraattemptgrant",
            "add": "quizzes.add_extraattemptgrant",
        },
        person="user",
    ),
    exact_class=True,
)


@hooks.register("register_admin_viewset")
def register_quizzes_group():
    return QuizzesGroup()


# ------------------------------------------------ reacting to the manual
# The manual does not know the question bank; it announces what happened and
# the bank answers (manuals.services / manuals.permissions name these hooks).


@hooks.register("manuals_after_material_change")
def review_questions_after_change(*, item, changed, reason):
    from quizzes.services import questions_mark_for_review

    questions_mark_for_review(item=item, changed=changed, reason=reason)


@hooks.register("manuals_after_item_studied")
def check_completions_after_study(*, user, item, at):
    from quizzes.services import completions_check

    completions_check(user=user, item=item, at=at)


@hooks.register("manuals_item_quiz_passed_since")
def item_quiz_passed_since(*, user, item, since):
    from quizzes.services import item_quiz_passed_since as passed

    return passed(user=user, item=item, since=since)


@hooks.register("manuals_records_under_pages")
def records_under_pages(pages):
    from quizzes.services import records_under

    return records_under(pages)


@hooks.register("points_transcript_passed")
def transcript_passed(user):
    """The 学习档案's 已通过测验: each quiz with the best score and when."""
    from django.db.models import Max

    from quizzes.models import Attempt

    return list(
        Attempt.objects.filter(user=user, passed=True)
        .values("quiz__title")
        .annotate(best=Max("percent"), last=Max("submitted_at"))
        .order_by("quiz__title")
    )
