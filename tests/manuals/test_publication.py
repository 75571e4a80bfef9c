"""Material changes send those who studied an item back; wording changes do not."""

from django.urls import reverse

from manuals import changes
from manuals.models import ChangeKind, ItemPublication, RestudyTask, StudyRecord
from tests.factories import StaffFactory
from tests.manuals.helpers import publish_edit, set_conditions, study


def _reword_condition(draft):
    set_conditions(
        draft,
        [
            ("c1", "家庭成员户籍均在本区。"),
            ("c2", draft.conditions.all()[1].text),
            ("c3", draft.conditions.all()[2].text),
        ],
    )


def test_first_publication_is_recorded_with_a_snapshot(manual):
    publication = ItemPublication.objects.get(page=manual["dibao"])
    assert publication.kind == "first"
    assert [c["code"] for c in publication.snapshot["conditions"]] == ["c1", "c2", "c3"]


def test_material_change_marks_exactly_the_workers_who_studied_it(manual, org):
    studied_dibao = StaffFactory(org_unit=org["衢州路社区"])
    studied_other = StaffFactory(org_unit=org["文澜社区"])
    studied_nothing = StaffFactory(org_unit=org["文澜社区"])
    study(studied_dibao, manual["dibao"])
    study(studied_other, manual["youhui"])

    publish_edit(manual["dibao"], _reword_condition, kind=ChangeKind.MATERIAL)

    marked = set(RestudyTask.objects.values_list("user_id", flat=True))
    assert marked == {studied_dibao.pk}
    assert studied_other.pk not in marked and studied_nothing.pk not in marked


def test_wording_change_marks_no_one(manual, worker):
    study(worker, manual["dibao"])

    publish_edit(manual["dibao"], _reword_condition, kind=ChangeKind.WORDING)

    assert not RestudyTask.objects.exists()
    assert ItemPublication.objects.filter(kind="wording").count() == 1


def test_unmarked_change_to_conditions_is_treated_as_material(manual, worker):
    study(worker, manual["dibao"])

    publish_edit(manual["dibao"], _reword_condition, kind="")

    publication = ItemPublication.objects.latest()
    assert publication.kind == ChangeKind.MATERIAL
    assert not publication.kind_chosen_by_editor
    assert RestudyTask.objects.filter(user=worker).exists()


def test_unmarked_change_to_a_phone_number_is_wording(manual, worker):
    study(worker, manual["dibao"])

    publish_edit(manual["dibao"], lambda d: setattr(d, "phone", "0571-88000000"))

    assert ItemPublication.objects.latest().kind == ChangeKind.WORDING
    assert not RestudyTask.objects.exists()


def test_change_summary_lists_added_removed_and_changed_conditions(manual):
    def edit(draft):
        set_conditions(
            draft,
            [
                ("c3", "家庭财产（房产、车辆、存款）符合当地规定。"),  # changed, moved
                ("c1", "家庭成员户籍在本区。"),  # unchanged, moved
                (None, "如实申报家庭经济状况。"),  # added
            ],  # c2 removed
        )
        from manuals.forms import next_codes

        draft.conditions.all()[2].code = next_codes({1, 2, 3}, "c", 1)[0]

    publish_edit(manual["dibao"], edit, kind=ChangeKind.MATERIAL)

    diff = ItemPublication.objects.latest().changes
    assert [r["code"] for r in diff["conditions"]["added"]] == ["c4"]
    assert [r["code"] for r in diff["conditions"]["removed"]] == ["c2"]
    assert [c["code"] for c in diff["conditions"]["changed"]] == ["c3"]
    assert changes.changed_condition_codes(diff) == {"c2", "c3", "c4"}


def test_changed_field_is_listed_with_old_and_new_values(manual):
    publish_edit(
        manual["dibao"], lambda d: setattr(d, "decided_at", "street"), kind="material"
    )
    fields = ItemPublication.objects.latest().changes["fields"]
    assert fields == [
        {
            "field": "decided_at",
            "label": "决定层级",
            "old": "区",
            "new": "街道",
            "material": True,
        }
    ]


def test_restudy_is_listed_first_at_home_and_shows_what_changed(client, manual, worker):
    study(worker, manual["dibao"])
    publish_edit(
        manual["dibao"], _reword_condition, kind="material", note="户籍要求收紧"
    )
    client.force_login(worker)

    home = client.get(reverse("home")).content.decode()
    item = client.get(manual["dibao"].url).content.decode()

    assert "待复学" in home
    assert home.index("restudy-list") < home.index("培训手册")
    assert "户籍要求收紧" in item
    assert (
        "家庭成员户籍均在本区。" in item and "<del>家庭成员户籍在本区。</del>" in item
    )


def test_rereading_after_a_material_change_completes_the_restudy(
    client, manual, worker
):
    first = study(worker, manual["dibao"])
    page = publish_edit(manual["dibao"], _reword_condition, kind="material")

    again = study(worker, page)

    assert again.pk != first.pk and again.is_restudy
    assert again.revision_id == page.live_revision_id
    task = RestudyTask.objects.get(user=worker)
    assert task.completed_by == again
    client.force_login(worker)
    assert "restudy-list" not in client.get(reverse("home")).content.decode()
    assert StudyRecord.objects.filter(user=worker).count() == 2


def test_second_material_change_keeps_one_open_task(manual, worker):
    study(worker, manual["dibao"])
    publish_edit(manual["dibao"], _reword_condition, kind="material")
    publish_edit(
        manual["dibao"], lambda d: setattr(d, "promised_days", 20), kind="material"
    )

    tasks = RestudyTask.objects.filter(user=worker, completed_at__isnull=True)
    assert tasks.count() == 1
    assert tasks.get().publication == ItemPublication.objects.latest()


def test_an_unpublished_draft_is_never_shown_to_learners(client, manual, worker):
    page = manual["dibao"]
    draft = page.get_latest_revision_as_object()
    draft.applicant = "草稿中的新办理对象"
    draft.save_revision()
    client.force_login(worker)

    html = client.get(page.url).content.decode()

    assert "草稿中的新办理对象" not in html
    assert "本地户籍的困难家庭" in html


def test_a_never_published_item_is_not_reachable(client, manual, worker):
    from manuals.services import item_create
    from tests.manuals.fixtures import YOUHUI

    hidden = item_create(
        category=manual["social"],
        data={**YOUHUI, "code": "T-99", "title": "未发布事项", "slug": "t-99"},
        publish=False,
    )
    client.force_login(worker)

    assert client.get("/manual/shehui/t-99/").status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert "已学 0/2" in home
    assert not hidden.live


def test_trainers_see_the_publication_history_read_only(
    client, manual, trainer, worker
):
    publish_edit(manual["dibao"], _reword_condition, kind="material", note="户籍收紧")
    publication = ItemPublication.objects.latest()
    client.force_login(trainer)

    listing = client.get(reverse("manual_publications:index"))
    inspect = client.get(reverse("manual_publications:inspect", args=[publication.pk]))
    edit = client.get(reverse("manual_publications:edit", args=[publication.pk]))
    delete = client.post(reverse("manual_publications:delete", args=[publication.pk]))

    assert "户籍收紧" in listing.content.decode()
    assert inspect.status_code == 200
    assert edit.status_code in (302, 403)
    assert delete.status_code in (302, 403)
    assert ItemPublication.objects.filter(pk=publication.pk).exists()
    client.force_login(worker)
    assert client.get(reverse("manual_publications:index")).status_code == 302


def test_worker_sees_the_numbers_of_the_conditions_that_changed(client, manual, worker):
    study(worker, manual["dibao"])

    def edit(draft):
        set_conditions(
            draft,
            [
                ("c4", "如实申报家庭经济状况。"),
                ("c1", "家庭成员户籍在本区。"),
                ("c2", "家庭月人均收入低于当地最新低保标准。"),
                ("c3", "家庭财产符合当地规定。"),
            ],
            retired={"c1"},
        )

    publish_edit(manual["dibao"], edit, kind="material")
    client.force_login(worker)

    html = client.get(manual["dibao"].url).content.decode()

    assert "新增第1条条件：如实申报家庭经济状况。" in html
    assert "废止原第1条条件：<del>家庭成员户籍在本区。</del>" in html
    assert "修改第2条条件：<del>家庭月人均收入低于当地低保标准。</del>" in html
    assert "调整为第" not in html


def test_worker_sees_a_condition_that_moved_and_not_the_ones_it_passed(
    client, manual, worker
):
    study(worker, manual["dibao"])

    def edit(draft):
        c1, c2, c3 = (c.text for c in draft.conditions.all())
        set_conditions(draft, [("c3", c3), ("c1", c1), ("c2", c2)])

    publish_edit(manual["dibao"], edit, kind="material", note="财产条件提前")
    client.force_login(worker)

    html = client.get(manual["dibao"].url).content.decode()

    assert "原第3条条件调整为第1条：家庭财产符合当地规定。" in html
    assert html.count("调整为第") == 1
