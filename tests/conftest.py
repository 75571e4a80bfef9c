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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_wagtail_base_data()


@pytest.fixture(autouse=True)
def _wagtail_base_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        ensure_wagtail_base_data()


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
