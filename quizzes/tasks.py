"""Background work of the quizzes app, through the django-tasks API."""

from django_tasks import task


@task()
def attempt_awards_task(attempt_id: int) -> None:
    """The points a passed attempt earns (quizzes.services.attempt_submit)."""
    from quizzes.services import attempt_awards_post

    attempt_awards_post(attempt_id=attempt_id)
