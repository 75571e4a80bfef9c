"""Seeding the demo saves a hundred pages without queueing a task per save: the
search and reference indexes are built once, at the end or by the worker."""

from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from learning.search import index_updates_batched
from manuals.models import ServiceItemPage
from manuals.services import category_ensure, item_create, manual_root_ensure
from tests.manuals.fixtures import DIBAO, YOUHUI

WORKER_TASKS = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)


def _two_items():
    root = manual_root_ensure()
    social = category_ensure(root=root, code="SH", title="社会事务类", slug="shehui")
    item_create(category=social, data=DIBAO)
    item_create(category=social, data=YOUHUI)


@WORKER_TASKS
def test_a_batch_hands_the_worker_one_rebuild_instead_of_a_task_per_save(db, org):
    with index_updates_batched(rebuild_in_background=True):
        _two_items()

    queued = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == ["learning.tasks.index_rebuild_task"]


@WORKER_TASKS
def test_a_batch_that_saved_nothing_hands_the_worker_nothing(db, org):
    _two_items()
    DBTaskResult.objects.all().delete()

    with index_updates_batched(rebuild_in_background=True):
        ServiceItemPage.objects.filter(title="不存在").exists()

    assert not DBTaskResult.objects.exists()


def test_without_the_worker_the_items_are_searchable_when_the_batch_ends(db, org):
    with index_updates_batched():
        _two_items()

    found = ServiceItemPage.objects.live().search("优待证")
    assert [page.item_code for page in found] == ["T-02"]
