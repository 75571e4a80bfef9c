import fcntl
import os
import shutil
from pathlib import Path

import pytest
from django.db import connection

from learning.demo.org import seed_org
from learning.roles import Role
from tests.factories import StaffFactory

# Fixtures shared across packages: the small manual and its question bank.
pytest_plugins = ["tests.manuals.fixtures", "tests.quizzes.fixtures"]


def ensure_wagtail_base_data():
    """Migrations create a locale, the root page and collection and the default
    rulebook; a flush removes them.

    Transactional tests (browser, concurrency) end with a flush, so these rows are
    put back before any test that needs them, including on a reused database.
    """
    from django.conf import settings
    from wagtail.models import Collection, Locale, Page

    from points.defaults import install
    from points.models import Level, Rule, RulebookVersion

    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(instance=Page(title="Root", slug="root", live=True))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    install(RulebookVersion, Rule, Level)


@pytest.fixture(autouse=True, scope="session")
def _templates_render_plainly(django_test_environment):
    """Render templates as the site does, without Django's test instrumentation.

    The test environment makes every template render send a signal that the test
    client answers by copying the template's context. A Wagtail admin page renders
    hundreds of templates, so that copying was most of the time a page took in a
    test. Tests that read `response.context` ask for the `template_context`
    fixture, which turns the instrumentation back on.
    """
    from django.template.base import Template
    from django.test.utils import _TestState

    instrumented = Template._render
    Template._render = _TestState.saved_data.template_render
    yield
    Template._render = instrumented


@pytest.fixture
def template_context():
    """`response.context` and `response.templates` filled in, for this test."""
    from django.template.base import Template
    from django.test.utils import instrumented_test_render

    plain = Template._render
    Template._render = instrumented_test_render
    yield
    Template._render = plain


def _test_database_for_this_process(worker: str | None, keepdb: bool) -> None:
    """The test database, migrated once however many processes run the tests.

    Alone, the process migrates the test database as Django does. Under
    `pytest -n 2` the first process to get here migrates it and each process
    then works on its own copy (a file copy on SQLite, CREATE DATABASE … TEMPLATE
    on PostgreSQL), so Wagtail's migrations run once, not once per process.
    """
    from django.conf import settings

    creation = connection.creation

    def remove(name: str, parts: tuple[str, ...]) -> None:
        for part in parts:
            Path(name + part).unlink(missing_ok=True)

    def build(keep: bool) -> None:
        if connection.vendor == "sqlite" and not keep:
            # A journal left by a killed run would be replayed into the new file.
            remove(creation._get_test_db_name(), ("-wal", "-shm"))
        creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=keep
        )

    if worker is None:
        build(keepdb)
        return
    lock_path = settings.BASE_DIR / f".test-db-{connection.vendor}.lock"
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        # The first process of this run builds it (anew with --create-db); the
        # others find it ready.
        ready = lock.read() == run
        build(keepdb or ready)
        lock.seek(0)
        lock.truncate()
        lock.write(run)
        lock.flush()
        clone = creation.get_test_db_clone_settings(worker)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.close()
            remove(clone["NAME"], ("", "-wal", "-shm"))
            shutil.copyfile(connection.settings_dict["NAME"], clone["NAME"])
        else:
            connection.close()
            creation.clone_test_db(suffix=worker, verbosity=0, keepdb=False)
    connection.close()
    connection.settings_dict.update(clone)


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_keepdb
):
    keepdb = django_db_keepdb and not request.config.getvalue("create_db")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    with django_db_blocker.unblock():
        _test_database_for_this_process(worker, keepdb)
        ensure_wagtail_base_data()
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            connection.creation.destroy_test_db(
                connection.settings_dict["NAME"], verbosity=0
            )


def _wagtail_base_data_present() -> bool:
    from wagtail.models import Page

    from points.models import RulebookVersion

    return Page.objects.filter(depth=1).exists() and RulebookVersion.objects.exists()


@pytest.fixture(autouse=True)
def _wagtail_base_data_after_flush(request, django_db_blocker):
    """Put the base rows back after a transactional test's flush, before the
    next test that needs them. With `-n 2` a worker may run such tests in any
    order, so a plain test checks too, before its own transaction begins (an
    autouse fixture is set up before `db`)."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        ensure_wagtail_base_data()
    elif marker or "db" in request.fixturenames:
        with django_db_blocker.unblock():
            if not _wagtail_base_data_present():
                ensure_wagtail_base_data()


# With `pytest -n 2` (make test), each module runs whole in one process, so its
# module-scoped builds are made once; these folders share a package-scoped build
# and go whole to one process too.
SHARED_BUILD_FOLDERS = ("tests/learning/demo/",)


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SharedBuildScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            for folder in SHARED_BUILD_FOLDERS:
                if nodeid.startswith(folder):
                    return folder
            return nodeid.split("::", 1)[0]

    return SharedBuildScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (
            item.get_closest_marker("postgres_only")
            and connection.vendor != "postgresql"
        ):
            item.add_marker(pytest.mark.skip(reason="只在 PostgreSQL 上运行"))
        if item.get_closest_marker("sqlite_only") and connection.vendor != "sqlite":
            item.add_marker(pytest.mark.skip(reason="只在 SQLite 上运行"))


@pytest.fixture
def org(db):
    """The demo organisation tree (拱墅区 → 拱宸桥街道 → 3 centres → 9 communities)."""
    return seed_org()


@pytest.fixture
def worker(org):
    return StaffFactory(org_unit=org["衢州路社区"], role=Role.WORKER)


@pytest.fixture
def trainer(org):
    return StaffFactory(org_unit=org["桥西片区公共服务中心"], role=Role.TRAINER)


@pytest.fixture
def community_manager(org):
    return StaffFactory(org_unit=org["衢州路社区"], role=Role.MANAGER)


@pytest.fixture
def centre_manager(org):
    return StaffFactory(org_unit=org["桥西片区公共服务中心"], role=Role.MANAGER)


@pytest.fixture
def street_manager(org):
    return StaffFactory(org_unit=org["拱宸桥街道"], role=Role.MANAGER)
