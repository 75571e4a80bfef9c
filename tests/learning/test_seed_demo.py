from django.contrib.auth import get_user_model
from django.core.management import call_command

from learning.models import OrgUnit
from learning.roles import Role


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
    return users, roles, units


def test_seed_demo_twice_equals_once(db):
    call_command("seed_demo", "--seed", "7", stdout=open("/dev/null", "w"))
    once = _snapshot()
    call_command("seed_demo", "--seed", "7", stdout=open("/dev/null", "w"))
    assert _snapshot() == once


def test_seed_demo_builds_the_street_and_its_people(db):
    call_command("seed_demo", "--seed", "7", stdout=open("/dev/null", "w"))
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
    assert User.objects.filter(groups__name=str(Role.WORKER.label)).count() == 60
    assert User.objects.filter(groups__name=str(Role.TRAINER.label)).count() == 3
    managers = User.objects.filter(
        groups__name=str(Role.MANAGER.label), is_superuser=False
    )
    assert sorted(m.org_unit.kind for m in managers) == [
        "centre",
        "community",
        "street",
    ]


def test_seed_demo_reset_rebuilds_the_same_data(db):
    call_command("seed_demo", "--seed", "7", stdout=open("/dev/null", "w"))
    users, roles, units = _snapshot()
    call_command("seed_demo", "--seed", "7", "--reset", stdout=open("/dev/null", "w"))
    users_after, roles_after, units_after = _snapshot()
    strip = [u[:6] for u in users]
    assert [u[:6] for u in users_after] == strip
    assert units_after == units


def test_printed_demo_logins_work(client, db, capsys):
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", "--seed", "7", stdout=out)
    printed = out.getvalue()
    from learning.demo.org import DEMO_PASSWORD

    assert DEMO_PASSWORD in printed
    for username in ("GC0001", "GC0002", "GC0003", "GC0011", "GC0101"):
        assert username in printed
        client.logout()
        response = client.post(
            "/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
