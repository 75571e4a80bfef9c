"""Background work of the learning app, through the django-tasks API."""

from django_tasks import task


@task()
def index_rebuild_task() -> None:
    """Both indexes rebuilt in bulk, after a seed handed them over (make demo)."""
    from learning.search import index_rebuild

    index_rebuild()
