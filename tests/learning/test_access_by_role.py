"""Each role sees exactly what it should, checked on the server."""

from django.urls import reverse

from learning.roles import Role
from tests.factories import StaffFactory


def test_worker_cannot_open_the_admin(client, worker):
    client.force_login(worker)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_worker_cannot_open_the_staff_roster(client, worker):
    client.force_login(worker)
    response = client.get(reverse("staff:index"))
    assert response.status_code in (302, 403)


def test_trainer_opens_the_admin_but_not_the_staff_roster(client, trainer):
    client.force_login(trainer)
    assert client.get("/admin/").status_code == 200
    response = client.get(reverse("staff:index"))
    assert response.status_code in (302, 403)
    assert StaffFactory._meta.model.objects.filter(pk=trainer.pk).exists()


def _listed_usernames(response):
    return {row.username for row in response.context["object_list"]}


def test_community_manager_lists_only_their_community(
    client, org, community_manager, template_context
):
    own = StaffFactory(org_unit=org["衢州路社区"], role=Role.WORKER)
    neighbour = StaffFactory(org_unit=org["文澜社区"], role=Role.WORKER)
    other_centre = StaffFactory(org_unit=org["如意里社区"], role=Role.WORKER)
    client.force_login(community_manager)

    response = client.get(reverse("staff:index"))

    assert response.status_code == 200
    listed = _listed_usernames(response)
    assert own.username in listed
    assert neighbour.username not in listed
    assert other_centre.username not in listed


def test_community_manager_cannot_open_another_centres_staff(
    client, org, community_manager
):
    other_centre = StaffFactory(org_unit=org["如意里社区"], role=Role.WORKER)
    client.force_login(community_manager)

    for view in ("edit", "inspect", "history", "usage"):
        response = client.get(reverse(f"staff:{view}", args=[other_centre.pk]))
        assert response.status_code == 404, view
        assert other_centre.name not in response.content.decode(), view


def test_manager_inspects_staff_of_their_subtree_and_their_own_record(
    client, org, community_manager
):
    own = StaffFactory(org_unit=org["衢州路社区"], role=Role.WORKER, name="本社区丙")
    client.force_login(community_manager)

    listing = client.get(reverse("staff:index")).content.decode()
    theirs = client.get(reverse("staff:inspect", args=[own.pk]))
    mine = client.get(reverse("staff:inspect", args=[community_manager.pk]))
    history = client.get(reverse("staff:history", args=[own.pk]))

    assert reverse("staff:inspect", args=[own.pk]) in listing
    assert theirs.status_code == 200 and mine.status_code == 200
    page = theirs.content.decode()
    assert "本社区丙" in page and own.username in page and "社工" in page
    assert "password" not in page and "pbkdf2" not in page.lower()
    assert community_manager.name in mine.content.decode()
    assert history.status_code == 200


def test_community_manager_cannot_edit_another_centres_staff_by_post(
    client, org, community_manager
):
    other_centre = StaffFactory(org_unit=org["如意里社区"], role=Role.WORKER)
    client.force_login(community_manager)

    client.post(
        reverse("staff:edit", args=[other_centre.pk]),
        {"name": "被篡改", "org_unit": org["衢州路社区"].pk, "role": "worker"},
    )

    other_centre.refresh_from_db()
    assert other_centre.name != "被篡改"
    assert other_centre.org_unit == org["如意里社区"]


def test_street_manager_sees_every_centre(
    client, org, street_manager, template_context
):
    people = [
        StaffFactory(org_unit=org[name], role=Role.WORKER)
        for name in ("衢州路社区", "如意里社区", "杭丝社区")
    ]
    client.force_login(street_manager)

    listed = _listed_usernames(client.get(reverse("staff:index")))

    assert {p.username for p in people} <= listed


def test_centre_manager_sees_own_communities_not_other_centres(
    client, org, centre_manager, template_context
):
    mine = StaffFactory(org_unit=org["登云路社区"], role=Role.WORKER)
    theirs = StaffFactory(org_unit=org["瓜山社区"], role=Role.WORKER)
    client.force_login(centre_manager)

    listed = _listed_usernames(client.get(reverse("staff:index")))

    assert mine.username in listed
    assert theirs.username not in listed


def test_manager_export_contains_only_their_subtree(client, org, community_manager):
    own = StaffFactory(org_unit=org["衢州路社区"], role=Role.WORKER, name="本社区甲")
    StaffFactory(org_unit=org["瓜山社区"], role=Role.WORKER, name="外片区乙")
    client.force_login(community_manager)

    response = client.get(reverse("staff:export") + "?format=csv")

    text = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert own.name in text
    assert "外片区乙" not in text


def test_worker_cannot_download_the_roster(client, worker):
    client.force_login(worker)
    response = client.get(reverse("staff:export") + "?format=csv")
    assert response.status_code in (302, 403)


def test_manager_adds_a_worker_to_their_community(client, org, community_manager):
    client.force_login(community_manager)
    response = client.post(
        reverse("staff:add"),
        {
            "username": "NEW001",
            "name": "新同事",
            "phone": "13700000001",
            "org_unit": org["衢州路社区"].pk,
            "position": "网格员",
            "role": Role.WORKER.value,
            "is_active": "on",
            "initial_password": "Welcome-2026!",
        },
    )
    assert response.status_code == 302
    created = StaffFactory._meta.model.objects.get(username="NEW001")
    assert created.has_role(Role.WORKER)
    assert created.check_password("Welcome-2026!")


def test_a_new_employee_number_cannot_be_a_colleagues_phone(
    client, org, community_manager
):
    colleague = StaffFactory(org_unit=org["衢州路社区"], role=Role.WORKER)
    client.force_login(community_manager)

    response = client.post(
        reverse("staff:add"),
        {
            "username": colleague.phone,
            "name": "新同事",
            "phone": "13700000002",
            "org_unit": org["衢州路社区"].pk,
            "role": Role.WORKER.value,
            "is_active": "on",
            "initial_password": "Welcome-2026!",
        },
    )

    assert response.status_code == 200
    assert "与另一位员工的手机号相同" in response.content.decode()
    assert not StaffFactory._meta.model.objects.filter(name="新同事").exists()


def test_manager_cannot_place_staff_outside_their_subtree(
    client, org, community_manager
):
    client.force_login(community_manager)
    response = client.post(
        reverse("staff:add"),
        {
            "username": "NEW002",
            "name": "越权者",
            "org_unit": org["瓜山社区"].pk,
            "role": Role.WORKER.value,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert not StaffFactory._meta.model.objects.filter(username="NEW002").exists()


def test_community_manager_cannot_appoint_a_manager(client, org, community_manager):
    client.force_login(community_manager)
    response = client.post(
        reverse("staff:add"),
        {
            "username": "NEW003",
            "name": "自封管理者",
            "org_unit": org["衢州路社区"].pk,
            "role": Role.MANAGER.value,
            "is_active": "on",
        },
    )
    assert "您只能为下级单位任命管理者" in response.content.decode()
    assert not StaffFactory._meta.model.objects.filter(username="NEW003").exists()


def test_read_only_policy_names_exactly_the_users_who_may_view(
    org, worker, trainer, street_manager
):
    from learning.permissions import ReadOnlyPermissionPolicy
    from manuals.models import ItemPublication

    admin = StaffFactory(org_unit=org["拱墅区"], is_superuser=True)
    retired = StaffFactory(
        org_unit=org["衢州路社区"], role=Role.TRAINER, is_active=False
    )
    policy = ReadOnlyPermissionPolicy(ItemPublication, "manuals.view_itempublication")

    viewers = set(policy.users_with_permission("view"))

    assert viewers == {trainer, street_manager, admin}
    assert retired not in viewers and worker not in viewers
    assert not policy.users_with_permission("change").exists()
