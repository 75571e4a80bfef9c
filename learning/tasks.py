"""Background work of the learning app, through the django-tasks API."""

from django_tasks import task


@task()
def index_rebuild_task() -> None:
    """Both indexes rebuilt in bulk, after a seed handed them over (make demo)."""
    from learning.search import index_rebuild

    index_rebuild()


@task()
def import_job_task(job_id: int) -> None:
    """A confirmed import too big for the request (learning.imports)."""
    from learning.imports import import_job_run

    import_job_run(job_id)
