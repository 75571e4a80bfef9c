from wagtail import hooks

from quizzes.viewsets import QuizzesGroup


@hooks.register("register_admin_viewset")
def register_quizzes_group():
    return QuizzesGroup()
