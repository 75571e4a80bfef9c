"""The permission matrix: every URL pattern × every role.

Object views (inspect, history, usage, edit, delete, and each viewset's own
actions) are tried with a record of a worker inside 衢州路社区 and one of a
worker in 运河片区: a role opens the first only if it may view the model and the
record is in its subtree, and never opens, changes or logs anything about a
record outside it. Every other pattern is opened by every role: no combination
is a server error, and nobody but staff gets into the admin.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail.models import ModelLogEntry

from learning.models import OrgUnit
from points.models import (
    Adjustment,
    Certificate,
    CertificateBatch,
    LedgerEntry,
)
from quizzes.models import ExtraAttemptGrant
from tests.learning.demo.crawl import DOWNLOAD

ROLES = {
    "anonymous": None,
    "worker": "GC0101",
    "other_worker": "other",
    "trainer": "GC0012",
    "senior_trainer": "GC0011",
    "community_manager": "GC0003",
    "centre_manager": "GC0002",
    "street_manager": "GC0001",
    "superuser": "admin",
}
MANAGERS = {"community_manager", "centre_manager", "street_manager", "superuser"}
# Whose subtree holds 衢州路社区 (inside) and 运河片区 (outside).
SEES_INSIDE = MANAGERS
SEES_OUTSIDE = {"street_manager", "superuser"}

# namespace → the model and the field naming the person (or unit) it is about.
SCOPED = {
    "staff": (get_user_model(), None),
    "ledger": (LedgerEntry, "user"),
    "adjustments": (Adjustment, "user"),
    "certificates": (Certificate, "user"),
    "certificate_batches": (CertificateBatch, "unit"),
    "extra_attempts": (ExtraAttemptGrant, "user"),
}
READ_VIEWS = {"inspect", "history", "history_results", "usage"}
# Views that answer a GET with a page only for a record the role may change.
POST_ACTIONS = {
    "delete",
    "edit",
    "decide",
    "appeal",
    "revoke",
    "reissue",
    "resume",
}
DENIED = {302, 403, 404, 405}
# Logging out ends the session; /admin/failwhale/ is Wagtail's deliberate error
# (it shows the Chinese 500 page, as any error would).
NEVER_FOLLOWED = re.compile(r"logout|/bulk/|/password_reset/confirm|/failwhale/")


def _patterns():
    def walk(patterns, prefix="", ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(
                    p.url_patterns, prefix + str(p.pattern), p.namespace or ns
                )
            elif isinstance(p, URLPattern):
                name = f"{ns}:{p.name}" if ns and p.name else p.name
                yield prefix + str(p.pattern), name, set(p.pattern.converters)

    return list(walk(get_resolver().url_patterns))


def _user(username):
    User = get_user_model()
    if username == "other":
        qiaodong = OrgUnit.objects.get(name="运河片区公共服务中心")
        return (
            User.objects.filter(
                org_unit__path__startswith=qiaodong.path, groups__name="社工"
            )
            .order_by("username")
            .first()
        )
    return User.objects.get(username=username)


def _records():
    """For each scoped namespace: (inside, outside) records."""
    inside_unit = OrgUnit.objects.get(name="衢州路社区")
    outside_unit = OrgUnit.objects.get(name="运河片区公共服务中心")
    inside_worker, outside_worker = _user("GC0101"), _user("other")
    records = {}
    for ns, (model, field) in SCOPED.items():
        if model is get_user_model():
            records[ns] = (inside_worker, outside_worker)
            continue
        if field == "unit":
            pick = [
                model.objects.filter(unit__path__startswith=unit.path).first()
                for unit in (inside_unit, outside_unit)
            ]
        else:
            pick = [
                model.objects.filter(**{f"{field}__org_unit__path__startswith": u.path})
                .order_by("pk")
                .first()
                for u in (inside_unit, outside_unit)
            ]
        records[ns] = tuple(pick)
    return records


def _ensure_records(records):
    """The demo may lack a record of some kind on one side: make one."""
    from django.utils import timezone

    from quizzes.models import QuizPage

    inside_worker, outside_worker = records["staff"]
    granter = _user("GC0001")
    if None in records["adjustments"]:
        from points.services import adjustment_propose

        records["adjustments"] = tuple(
            adjustment_propose(
                actor=granter,
                user=w,
                rule_code="RESIDENT_PRAISE",
                occurred_on=timezone.localdate(),
                reason="矩阵测试",
            )
            for w in (inside_worker, outside_worker)
        )
    if None in records["extra_attempts"]:
        quiz = QuizPage.objects.live().first()
        records["extra_attempts"] = tuple(
            ExtraAttemptGrant.objects.create(
                user=w,
                quiz=quiz,
                reason="矩阵测试",
                granted_by=granter,
                granted_at=timezone.now(),
            )
            for w in (inside_worker, outside_worker)
        )
    if None in records["certificate_batches"]:
        made = []
        for unit in ("衢州路社区", "运河片区公共服务中心"):
            made.append(
                CertificateBatch.objects.create(
                    unit=OrgUnit.objects.get(name=unit),
                    kind="level",
                    level="初级社工",
                    requested_by=granter,
                )
            )
        records["certificate_batches"] = tuple(made)
    return records


def _fingerprint():
    return (
        ModelLogEntry.objects.count(),
        LedgerEntry.objects.count(),
        Adjustment.objects.filter(status="pending").count(),
        Certificate.objects.filter(revoked_at__isnull=False).count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_object_views_hold_each_role_to_its_subtree(demo, db, client, role):
    username = ROLES[role]
    if username:
        client.force_login(_user(username))
    records = _ensure_records(_records())
    may_view = role in MANAGERS
    wrong = []
    for _route, name, converters in _patterns():
        if not name or ":" not in name or converters != {"pk"}:
            continue
        ns, view = name.split(":", 1)
        if ns not in SCOPED:
            continue
        inside, outside = records[ns]
        assert inside is not None and outside is not None, ns
        for where, record, sees in (
            ("inside", inside, role in SEES_INSIDE),
            ("outside", outside, role in SEES_OUTSIDE),
        ):
            url = reverse(name, kwargs={"pk": record.pk})
            before = _fingerprint()
            got = client.get(url)
            if view in POST_ACTIONS and not sees:
                posted = client.post(url, {"confirm": "1", "action": "approve"})
                if posted.status_code not in DENIED:
                    wrong.append((url, where, "POST", posted.status_code))
            if got.status_code >= 500:
                wrong.append((url, where, "GET", got.status_code))
            elif view in READ_VIEWS and may_view and sees:
                if got.status_code != 200:
                    wrong.append((url, where, "should open", got.status_code))
            elif not sees and got.status_code not in DENIED:
                wrong.append((url, where, "should be refused", got.status_code))
            elif not sees and got.status_code == 302 and got["Location"] == url:
                wrong.append((url, where, "redirects to itself", 302))
            if not sees and _fingerprint() != before:
                wrong.append((url, where, "changed data", ""))
    assert not wrong, "\n".join(map(str, wrong))


def _no_arg_urls():
    urls = []
    for route, name, converters in _patterns():
        if converters or "(?P" in route or "<" in route or "^" in route:
            continue
        url = "/" + route
        if NEVER_FOLLOWED.search(url) or not name:
            continue
        urls.append(url)
    return sorted(set(urls))


@pytest.mark.parametrize("role", ROLES)
def test_every_other_url_pattern_answers_each_role_without_a_server_error(
    demo, db, client, role
):
    username = ROLES[role]
    staff = role not in ("anonymous", "worker", "other_worker")
    if username:
        client.force_login(_user(username))
    wrong = []
    for url in _no_arg_urls():
        if staff and DOWNLOAD.search(url):
            # Building each workbook or PDF again for every staff role costs
            # minutes; the download tests open them. Non-staff are refused.
            continue
        got = client.get(url)
        if got.status_code >= 500:
            wrong.append((url, got.status_code))
        elif (
            url.startswith("/admin/")
            and not staff
            and url not in ("/admin/login/",)
            and got.status_code == 200
            and "wagtail" in got.content.decode()[:5000]
            and 'name="password"' not in got.content.decode()
        ):
            wrong.append((url, "admin page opened for a non-staff role"))
    assert not wrong, "\n".join(map(str, wrong))
