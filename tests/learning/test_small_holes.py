"""Smaller holes a probe found: each answer is now a clear page, not a 500, and
nothing private leaks or is cached where others can read it."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learning.roles import Role
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_unit_that_is_not_a_number_is_refused_not_a_500(client, street_manager):
    client.force_login(street_manager)

    ranking = client.get(reverse("points_rankings"), {"unit": "abc"})
    freeze = client.post(reverse("points_freeze"), {"unit": "abc", "kind": "year"})

    assert ranking.status_code == 400
    assert freeze.status_code in (302, 403)


def test_password_reset_is_not_served_without_a_mail_server(client):
    assert client.get("/admin/password_reset/").status_code == 404


def test_the_verify_page_slows_down_whoever_walks_the_serials(client, settings):
    settings.VERIFY_RATE_PER_MINUTE = 3
    cache.clear()

    urls = [reverse("points:verify", args=[f"GC26-0000-0000-000{n}"]) for n in range(4)]
    codes = [client.get(url).status_code for url in urls]

    assert codes == [404, 404, 404, 429]
    page = client.get(reverse("points:verify_form")).content.decode()
    assert "查询过于频繁，请一分钟后再试" in page
    cache.clear()


def test_every_page_carries_a_content_security_policy(client, worker):
    client.force_login(worker)

    for url in ("/", "/login/", reverse("points:verify_form")):
        csp = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp


def test_personal_pages_are_not_kept_by_shared_caches(client, worker):
    client.force_login(worker)

    home = client.get("/")

    assert "private" in home["Cache-Control"]


def test_an_upload_past_the_limit_is_refused_before_it_is_read(client, trainer):
    client.force_login(trainer)
    big = SimpleUploadedFile("签到.csv", b"x" * (7 * 1024 * 1024))

    response = client.post(reverse("trainings:import"), {"file": big})

    assert response.status_code == 413
    assert "上传的文件太大（上限 5 MB）" in response.content.decode()


def test_a_superuser_inspects_a_staff_member(client, org, worker):
    admin = StaffFactory(org_unit=org["拱墅区"], is_superuser=True)
    client.force_login(admin)

    page = client.get(reverse("staff:inspect", args=[worker.pk]))

    assert page.status_code == 200 and worker.name in page.content.decode()


def test_a_community_manager_saves_his_own_record(client, org):
    manager = StaffFactory(org_unit=org["衢州路社区"], role=Role.MANAGER)
    client.force_login(manager)
    url = reverse("staff:edit", args=[manager.pk])
    form = client.get(url)

    response = client.post(
        url,
        {
            "username": manager.username,
            "name": "改过的名字",
            "phone": "",
            "org_unit": manager.org_unit_id,
            "position": "站长",
            "hired_on": "2020-01-01",
            "role": "manager",
            "is_active": "on",
            "initial_password": "",
        },
    )

    assert form.status_code == 200
    assert response.status_code == 302, response.content.decode()[-3000:]
    manager.refresh_from_db()
    assert manager.name == "改过的名字"


def test_the_site_history_report_and_its_exports_are_for_superusers_only(
    client, org, street_manager
):
    client.force_login(street_manager)
    for query in ("", "?export=csv", "?export=xlsx"):
        response = client.get(f"/admin/reports/site-history/{query}")
        assert response.status_code in (302, 403), query

    client.force_login(StaffFactory(org_unit=org["拱墅区"], is_superuser=True))
    assert client.get("/admin/reports/site-history/").status_code == 200


def test_a_person_with_records_is_never_deleted_nor_are_their_records(
    client, org, worker
):
    from points.models import LedgerEntry
    from points.services import points_award

    points_award(user=worker, rule_code="READ_ITEM", source=("item", 1))
    admin = StaffFactory(org_unit=org["拱墅区"], is_superuser=True)
    client.force_login(admin)
    url = reverse("wagtailusers_users:delete", args=[worker.pk])

    response = client.post(url, follow=True)

    assert response.status_code == 200
    assert "不能删除此人" in response.content.decode()
    assert LedgerEntry.objects.filter(user=worker).count() == 1
    newcomer = StaffFactory(org_unit=org["衢州路社区"])
    client.post(reverse("wagtailusers_users:delete", args=[newcomer.pk]))
    assert not type(newcomer).objects.filter(pk=newcomer.pk).exists()


def test_behind_the_proxy_each_phone_has_its_own_verify_allowance(client, settings):
    settings.VERIFY_RATE_PER_MINUTE = 2
    settings.CLIENT_ADDRESS_FROM_PROXY = True
    cache.clear()
    url = reverse("points:verify", args=["GC26-0000-0000-0000"])

    def from_phone(address, spoofed="6.6.6.6"):
        forwarded = f"{spoofed}, {address}"
        return client.get(url, HTTP_X_FORWARDED_FOR=forwarded).status_code

    first = [from_phone("10.0.0.1", spoofed=f"1.1.1.{n}") for n in range(3)]
    second = [from_phone("10.0.0.2") for _ in range(2)]

    assert first == [404, 404, 429]  # a made-up first hop buys nothing
    assert second == [404, 404]
    cache.clear()


def _staff_form(person, **changes):
    data = {
        "username": person.username,
        "name": person.name,
        "phone": person.phone or "",
        "org_unit": person.org_unit_id,
        "position": person.position,
        "hired_on": "2020-01-01",
        "role": "trainer",
        "is_active": "on",
        "initial_password": "",
    }
    data.update(changes)
    return data


def test_editing_a_senior_trainer_keeps_him_an_approver(client, org, street_manager):
    from django.contrib.auth.models import Group

    from learning.roles import APPROVER_GROUP

    senior = StaffFactory(org_unit=org["拱宸桥街道"], role=Role.TRAINER)
    senior.groups.add(Group.objects.get_or_create(name=APPROVER_GROUP)[0])
    client.force_login(street_manager)
    url = reverse("staff:edit", args=[senior.pk])

    client.post(url, _staff_form(senior, phone="13900000001"))
    kept = set(senior.groups.values_list("name", flat=True))
    client.post(url, _staff_form(senior, role="worker"))
    demoted = set(senior.groups.values_list("name", flat=True))

    assert kept == {"培训师", APPROVER_GROUP}
    assert demoted == {"社工"}


def test_the_superusers_dashboard_asks_no_outside_server_for_upgrades(client, org):
    admin = StaffFactory(org_unit=org["拱宸桥街道"], is_superuser=True, is_staff=True)
    client.force_login(admin)

    page = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "w-upgrade" not in page  # the panel that fetches releases.wagtail.org


def test_admin_tabs_are_titled_with_the_product_not_wagtail(client, street_manager):
    client.force_login(street_manager)

    for url in (reverse("wagtailadmin_home"), reverse("ledger:index")):
        page = client.get(url).content.decode()
        title = page[page.index("<title>") : page.index("</title>")]
        assert title.endswith("- 社工学堂") and "Wagtail" not in title, title
    client.logout()
    login = client.get(reverse("wagtailadmin_login")).content.decode()
    assert "- 社工学堂</title>" in login
