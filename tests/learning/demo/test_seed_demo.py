from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from learning.demo.org import DEMO_PASSWORD
from learning.models import OrgUnit
from learning.roles import Role
from manuals.models import (
    CategoryPage,
    ChapterPage,
    ItemPublication,
    RestudyTask,
    ServiceItemPage,
    StudyRecord,
)
from points.models import (
    Adjustment,
    Appeal,
    Certificate,
    HeldAward,
    LedgerEntry,
    PeriodFreeze,
)
from quizzes.models import (
    AnnualExamPage,
    Attempt,
    CategoryQuizPage,
    Question,
    WrongBookEntry,
)
from tests.learning.demo import DEMO_ARGS, DEMO_WORKERS


def _snapshot():
    users = list(
        get_user_model()
        .objects.order_by("username")
        .values_list(
            "username",
            "name",
            "phone",
            "org_unit__name",
            "position",
            "hired_on",
            "password",
            "is_superuser",
        )
    )
    roles = sorted(get_user_model().objects.values_list("username", "groups__name"))
    units = list(OrgUnit.objects.order_by("path").values_list("path", "name", "kind"))
    manual = (
        list(ServiceItemPage.objects.order_by("path").values_list("item_code", "live")),
        StudyRecord.objects.count(),
        ItemPublication.objects.count(),
        RestudyTask.objects.count(),
        Question.objects.count(),
        Attempt.objects.count(),
        list(
            LedgerEntry.objects.order_by(
                "user__username", "occurred_at", "rule_code", "points"
            ).values_list("user__username", "rule_code", "points")
        ),
        sorted(Adjustment.objects.values_list("user__username", "status")),
        Appeal.objects.count(),
        PeriodFreeze.objects.count(),
    )
    return users, roles, units, manual


def _seed(*args):
    out = StringIO()
    call_command("seed_demo", *DEMO_ARGS, *args, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_street_with_every_role_and_source(demo, client, db):
    """The demo shows each capability: people, manual, quizzes and points."""
    # The organisation and its people
    User = get_user_model()
    street = OrgUnit.objects.get(name="拱宸桥街道")
    qiaoxi = OrgUnit.objects.get(name="桥西片区公共服务中心")
    assert street.get_parent().name == "拱墅区"
    assert [c.name for c in qiaoxi.get_children()] == [
        "衢州路社区",
        "文澜社区",
        "登云路社区",
    ]
    assert street.get_children().count() == 3
    assert User.objects.filter(groups__name=str(Role.WORKER.label)).count() == (
        DEMO_WORKERS
    )
    assert User.objects.filter(groups__name=str(Role.TRAINER.label)).count() == 3
    managers = User.objects.filter(
        groups__name=str(Role.MANAGER.label), is_superuser=False
    )
    assert sorted(m.org_unit.kind for m in managers) == [
        "centre",
        "community",
        "street",
    ]
    assert DEMO_PASSWORD in demo
    for username in ("GC0001", "GC0002", "GC0003", "GC0011", "GC0101"):
        assert username in demo
        client.logout()
        response = client.post(
            "/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username

    # The manual, with reading and one material change
    assert CategoryPage.objects.live().count() == 7
    assert ServiceItemPage.objects.live().count() >= 40
    assert ChapterPage.objects.live().count() >= 4
    readers = StudyRecord.objects.values("user").distinct().count()
    assert DEMO_WORKERS <= readers <= DEMO_WORKERS + 3
    changed = ItemPublication.objects.filter(kind="material")
    assert changed.count() == 1
    change = changed.get()
    # Everyone who had read an earlier revision is sent back to it.
    assert set(RestudyTask.objects.values_list("user", flat=True)) == set(
        StudyRecord.objects.filter(
            page=change.page, revision__created_at__lt=change.revision.created_at
        ).values_list("user", flat=True)
    )

    # The question bank and a season of attempts
    per_item = Question.objects.values("item").annotate(n=Count("pk"))
    assert per_item.count() == ServiceItemPage.objects.count()
    assert min(row["n"] for row in per_item) >= 5
    assert set(Question.objects.values_list("qtype", flat=True)) == {
        "single",
        "multi",
        "judge",
        "scenario",
        "ordering",
    }
    assert CategoryQuizPage.objects.live().count() == 7
    # Last year's exam, closed, and this year's.
    assert AnnualExamPage.objects.live().count() == 2
    attempts = Attempt.objects.filter(status="submitted")
    assert (
        attempts.filter(passed=True).exists() and attempts.filter(passed=False).exists()
    )
    assert WrongBookEntry.objects.filter(cleared_at__isnull=True).exists()

    # Points were posted by the same services, so the ledger has every source
    posted = set(LedgerEntry.objects.values_list("rule_code", flat=True))
    assert {"READ_ITEM", "QUIZ_PASS_FIRST", "EXAM_PASS"} <= posted
    assert {"TRAIN_ATTEND", "RESIDENT_PRAISE", "COMPLAINT_UPHELD"} <= posted
    # …and the approval desk has something in each state to look at.
    assert set(Adjustment.objects.values_list("status", flat=True)) == {
        "proposed",
        "posted",
    }
    assert Appeal.objects.filter(status="pending").count() == 1
    assert PeriodFreeze.objects.exists() == (timezone.localdate().month > 1)
    # One award waits for review (a quiz rushed through), and the best worker
    # of each centre holds a 初级 certificate earned with its evidence.
    assert HeldAward.objects.filter(status="held").exists()
    holders = Certificate.objects.filter(superseded_at=None, revoked_at=None)
    assert holders.values("user__org_unit__path").distinct().count() >= 3


def test_seed_demo_runs_twice_the_same(demo, db):
    """`make demo` seeds on every start: a second run changes nothing."""
    once = _snapshot()
    _seed()
    assert _snapshot() == once


# `make demo` runs on SQLite, and --reset is the demo's own command; the rebuild
# is a whole second seed, so it is checked there only.
@pytest.mark.sqlite_only
def test_seed_demo_reset_rebuilds_the_first_build(demo, db):
    """The package's build is the first one; a --reset must rebuild it exactly."""
    users, roles, units, manual = _snapshot()
    _seed("--reset")
    users_after, roles_after, units_after, manual_after = _snapshot()
    assert [u[:6] for u in users_after] == [u[:6] for u in users]
    assert units_after == units
    assert manual_after == manual
