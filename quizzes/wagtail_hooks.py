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
