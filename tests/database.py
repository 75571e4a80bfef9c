"""Helpers for tests that share costly data."""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def built_once(django_db_blocker):
    """Data that costs seconds to build, built once for a module's tests.

    It is written inside a transaction that stays open while the module runs;
    each test's own transaction nests inside it as a savepoint (as in Django's
    setUpTestData), and everything is rolled back at the end. Only for tests
    that do not need transaction=True.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
