"""The demo manual: categories, items, chapters and months of reading."""

import datetime
import random
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group

from learning.roles import APPROVER_GROUP
from manuals.demo.catalogue import CATEGORIES, CHAPTERS, ITEMS
from manuals.models import ChangeKind, ItemPublication, ServiceItemPage, StudyRecord
from manuals.rules import MAX_CREDIT_PER_BEAT
from manuals.services import (
    category_ensure,
    chapter_ensure,
    item_create,
    manual_root_ensure,
    manual_workflow_ensure,
    reading_heartbeat,
    reading_start,
    study_confirm,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANGED_ITEM = "SH-01"


def seed_manual(*, units, people, rng: random.Random, stdout, now=None) -> None:
    now = now or datetime.datetime.now(tz=SHANGHAI)
    root = manual_root_ensure()
    manual_workflow_ensure(root=root)
    approvers = Group.objects.get(name=APPROVER_GROUP)
    approvers.user_set.add(people["trainers"][0])

    categories = {
        c["code"]: category_ensure(
            root=root,
            code=c["code"],
            title=c["title"],
            slug=c["slug"],
            intro=c["intro"],
        )
        for c in CATEGORIES
    }
    for data in ITEMS:
        item_create(category=categories[data["category"]], data=data)
    for chapter in CHAPTERS:
        chapter_ensure(root=root, data=chapter)

    if not StudyRecord.objects.exists():
        _simulate_reading(people["workers"] + people["trainers"], rng, now)
    _publish_demo_material_change()
    stdout.write(
        f"  培训手册：{len(CATEGORIES)} 个类别，{len(ITEMS)} 个事项，"
        f"{len(CHAPTERS)} 个通用章节"
    )


def _simulate_reading(readers, rng: random.Random, now) -> None:
    """Each worker has read part of the manual over the past months."""
    items = list(
        ServiceItemPage.objects.live()
        .filter(discontinued=False)
        .order_by("path")
        .select_related("live_revision")
        .prefetch_related("conditions", "materials", "steps", "faqs")
    )
    changed = next(i for i in items if i.item_code == CHANGED_ITEM)
    for reader in readers:
        diligence = rng.random()
        # From a few items to a quarter of the manual: enough for every ranking,
        # coverage gap and re-study to show, and a seed that is done in seconds.
        chosen = rng.sample(items, int(len(items) * (0.05 + 0.2 * diligence)))
        if diligence > 0.3 and changed not in chosen:
            chosen.append(changed)
        for item in chosen:
            day = now - datetime.timedelta(days=rng.randint(8, 150))
            start = day.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59))
            _read(reader, item, start)


def _read(user, page, start) -> None:
    session = reading_start(user=user, page=page, now=start)
    elapsed = 0
    while elapsed < session.required_seconds:
        elapsed += MAX_CREDIT_PER_BEAT
        reading_heartbeat(
            session=session,
            was_visible=True,
            reached_end=elapsed >= session.required_seconds,
            now=start + datetime.timedelta(seconds=elapsed),
        )
    study_confirm(
        session=session,
        reached_end=True,
        now=start + datetime.timedelta(seconds=elapsed),
    )


def _publish_demo_material_change() -> None:
    """One item changed materially, so 待复学 shows up in the demo."""
    page = ServiceItemPage.objects.get(item_code=CHANGED_ITEM)
    if ItemPublication.objects.filter(page=page).count() > 1:
        return
    draft = page.get_latest_revision_as_object()
    conditions = list(draft.conditions.all())
    conditions[2].text = (
        "家庭财产符合当地规定：除唯一自住房外，家庭名下房产、机动车、存款及有价证券"
        "须在区民政部门公布的标准以内，以信息核对结果为准。"
    )
    draft.conditions = conditions
    draft.change_kind = ChangeKind.MATERIAL
    draft.change_note = "财产条件细化：机动车和存款一并核对，按区里公布的标准执行。"
    draft.save_revision().publish()
