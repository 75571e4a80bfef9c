import pytest
from django.db import connection

from learning.demo.org import seed_org
from learning.roles import Role
from tests.factories import StaffFactory


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (
            item.get_closest_marker("postgres_only")
            and connection.vendor != "postgresql"
        ):
            item.add_marker(pytest.mark.skip(reason="只在 PostgreSQL 上运行"))


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
