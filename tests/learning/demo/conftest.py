from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.database import built_once
from tests.learning.demo import DEMO_ARGS


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    """The demo street, seeded once for every test in this package.

    Seeding costs about a minute, so it runs once inside a transaction that is
    rolled back when the package is done: nothing leaks into other tests. Each
    test's own `db` fixture nests inside as a savepoint, so what one test changes
    is gone before the next, and the order of the tests does not matter.
    Package scope (this folder holds only tests of the seeded demo) lets the
    crawl and the seed checks share one build.

    Yields what `seed_demo` printed.
    """
    cache.clear()
    with built_once(django_db_blocker):
        out = StringIO()
        call_command("seed_demo", *DEMO_ARGS, stdout=out)
        yield out.getvalue()
    # Cached lookups (Wagtail's site root paths) may name rolled-back rows.
    cache.clear()
