"""Background work, through the django-tasks API; thin: each calls a service."""

from django_tasks import task


@task()
def certificate_batch_task(batch_id: int) -> int:
    from points.services import certificate_batch_run

    return certificate_batch_run(batch_id=batch_id).issued
