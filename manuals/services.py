import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from wagtail import hooks
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Revision,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from learning.roles import APPROVER_GROUP, MANUAL_ADMIN_GROUP, Role
from manuals import changes, rules
from manuals.models import (
    CategoryPage,
    ChangeKind,
    ItemPublication,
    ManualIndexPage,
    ReadingSession,
    RestudyTask,
    ReviewTask,
    ServiceItemPage,
    StudyRecord,
)
from points.events import ItemStudied, RestudyAssigned, RestudyFinished
from points.models import LedgerEntry
from points.rules import MSG_ANNUAL_CAP, MSG_DAILY_CAP
from points.services import points_record


class StudyRefused(Exception):
    """The server refuses a study confirmation; the message is for the worker."""


@dataclass(frozen=True)
class StudyOutcome:
    """A confirmed read and what the points service posted for it."""

    record: StudyRecord
    restudied: bool
    posted: list[rules.Posted]
    quiz_pending: bool = False  # re-read a changed item; its quiz is still owed

    @property
    def message(self) -> str:
        text = rules.study_result_message(restudy=self.restudied, posted=self.posted)
        if self.quiz_pending:
            text += rules.MSG_RESTUDY_QUIZ_PENDING
        return text


# ---------------------------------------------------------------- manual setup


@transaction.atomic
def manual_root_ensure(*, title: str = "全能社工培训手册") -> ManualIndexPage:
    """The 手册首页 as the site's root page (served under /manual/)."""
    existing = ManualIndexPage.objects.first()
    if existing:
        return existing
    root = Page.get_first_root_node()
    manual = root.add_child(instance=ManualIndexPage(title=title, slug="manual"))
    manual.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=manual,
            is_default_site=True,
            site_name="社工学堂",
        )
    else:
        stock_home = site.root_page
        site.root_page = manual
        site.site_name = "社工学堂"
        site.save()
        # Wagtail's "Welcome to your new Wagtail site!" page is of no use here.
        if stock_home.specific_class is Page and stock_home.depth == 2:
            stock_home.delete()
    return manual


# Earlier installs let managers approve through a plain group task.
_RETIRED_TASK_NAMES = ["高级培训师或管理者审核"]
REVIEW_TASK_NAME = "高级培训师审核（非本人）"


@transaction.atomic
def manual_workflow_ensure(*, root: ManualIndexPage) -> Workflow:
    """培训师 edit and submit; another 高级培训师 approves, which publishes.

    Nobody but a 手册管理员 (or a superuser) publishes without review, so senior
    trainers hold no publish_page, and managers only view the manual.
    """
    trainers = Group.objects.get(name=str(Role.TRAINER.label))
    approvers, _created = Group.objects.get_or_create(name=APPROVER_GROUP)
    manual_admins, _created = Group.objects.get_or_create(name=MANUAL_ADMIN_GROUP)
    managers = Group.objects.get(name=str(Role.MANAGER.label))
    grants = {
        trainers: ["add_page", "change_page"],
        approvers: ["add_page", "change_page"],
        manual_admins: ["add_page", "change_page", "publish_page", "bulk_delete_page"],
        managers: ["view_page"],
    }
    codenames = {c for granted in grants.values() for c in granted}
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=codenames
        )
    }
    for group in (trainers, approvers, manual_admins, managers):
        held = GroupPagePermission.objects.filter(group=group, page=root)
        held.exclude(permission__codename__in=grants[group]).delete()
        for codename in grants[group]:
            GroupPagePermission.objects.get_or_create(
                group=group, page=root, permission=permissions[codename]
            )
    workflow, _created = Workflow.objects.get_or_create(name="手册发布审核")
    task = ReviewTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = ReviewTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.set([approvers])
    for retired in GroupApprovalTask.objects.filter(
        name__in=_RETIRED_TASK_NAMES, active=True
    ).exclude(pk=task.pk):
        WorkflowTask.objects.filter(workflow=workflow, task=retired).delete()
        retired.deactivate()
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    if not WorkflowPage.objects.filter(page=root, workflow=workflow).exists():
        WorkflowPage.objects.update_or_create(
            page=root, defaults={"workflow": workflow}
        )
    return workflow


# ---------------------------------------------------------------- publications


def item_snapshot(page: ServiceItemPage) -> dict:
    """The item as workers see it, as plain data, to compare publications later."""

    def display(name):
        value = getattr(page, name)
        getter = getattr(page, f"get_{name}_display", None)
        return str(getter()) if getter and value not in (None, "") else value

    fields = {name: display(name) for name in changes.FIELD_LABELS}
    return {
        "fields": fields,
        "conditions": [
            {
                "code": c.code,
                "text": c.text,
                "kind": str(c.get_kind_display()),
                "parameter": c.parameter,
                "active": c.active,
            }
            for c in page.conditions.all()
        ],
        "materials": [
            {
                "code": m.code,
                "name": m.name,
                "form": str(m.get_form_display()),
                "copies": m.copies,
                "necessity": str(m.get_necessity_display()),
                "note": m.note,
            }
            for m in page.materials.all()
        ],
        "steps": [
            {
                "name": s.name,
                "actor": s.actor,
                "days": s.days,
                "counts_in_limit": s.counts_in_limit,
                "description": s.description,
            }
            for s in page.steps.all()
        ],
        "legal_bases": [
            {"title": b.title, "doc_number": b.doc_number, "article": b.article}
            for b in page.legal_bases.all()
        ],
        "faqs": [{"question": f.question, "answer": f.answer} for f in page.faqs.all()],
    }


@transaction.atomic
def item_publication_record(
    *, page: ServiceItemPage, revision: Revision, now: datetime.datetime | None = None
) -> ItemPublication:
    """Record a publication; a material change sends everyone who studied it back.

    Safe to call twice for the same revision.
    """
    now = now or timezone.now()
    existing = ItemPublication.objects.filter(revision=revision).first()
    if existing:
        return existing
    published = revision.as_object()
    snapshot = item_snapshot(published)
    previous = (
        ItemPublication.objects.filter(page=page)
        .order_by("-published_at", "-pk")
        .first()
    )
    chosen = published.change_kind
    if previous is None:
        kind, diff = "first", {}
    else:
        diff = changes.item_diff(previous.snapshot, snapshot)
        if chosen:
            kind = chosen
        else:
            kind = (
                ChangeKind.MATERIAL if changes.is_material(diff) else ChangeKind.WORDING
            )
    publication = ItemPublication(
        page=page,
        revision=revision,
        kind=kind,
        kind_chosen_by_editor=bool(chosen) and previous is not None,
        note=published.change_note if previous else "",
        snapshot=snapshot,
        changes=diff,
        edited_by=revision.user,
        published_at=now,
    )
    publication.full_clean()
    publication.save()
    if kind == ChangeKind.MATERIAL:
        # A cancelled item is there to look up, not to study again.
        if not published.discontinued:
            restudy_tasks_open(publication=publication, now=now)
        _questions_to_review(publication)
    return publication


# Hooks the apps above the manual register (wagtail_hooks.py) to react to it.
HOOK_MATERIAL_CHANGE = "manuals_after_material_change"
HOOK_ITEM_STUDIED = "manuals_after_item_studied"
HOOK_QUIZ_PASSED_SINCE = "manuals_item_quiz_passed_since"


def _questions_to_review(publication: ItemPublication) -> None:
    """Whatever tests the item (the question bank) is told what changed."""
    when = timezone.localtime(publication.published_at).strftime("%Y-%m-%d")
    reason = f"事项于 {when} 实质性变更：{publication.note or '请核对题目是否仍然正确'}"
    for hook in hooks.get_hooks(HOOK_MATERIAL_CHANGE):
        hook(
            item=publication.page,
            changed=changes.changed_keys(publication.changes),
            reason=reason,
        )


def _category_code(page: ServiceItemPage) -> str:
    parent = CategoryPage.objects.filter(path=page.path[: -page.steplen]).values_list(
        "code", flat=True
    )
    return parent.first() or ""


def _report_assigned(tasks, page: ServiceItemPage) -> None:
    category = _category_code(page)
    for task in tasks:
        points_record(
            RestudyAssigned(
                user=task.user,
                at=task.created_at,
                task_id=task.pk,
                title=page.title,
                category_code=category,
            )
        )


def restudy_tasks_open(*, publication: ItemPublication, now: datetime.datetime) -> int:
    """Mark every active worker who studied the item 待复学; returns how many."""
    page = publication.page
    learners = (
        StudyRecord.objects.filter(page=page, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    open_tasks = dict(
        RestudyTask.objects.filter(page=page, completed_at__isnull=True).values_list(
            "user_id", "pk"
        )
    )
    due = now + datetime.timedelta(days=rules.RESTUDY_DAYS)
    new_tasks = []
    for user_id in set(learners):
        if user_id in open_tasks:
            continue
        new_tasks.append(
            RestudyTask(
                user_id=user_id,
                page=page,
                publication=publication,
                created_at=now,
                due_at=due,
            )
        )
    RestudyTask.objects.bulk_create(new_tasks)
    users = get_user_model().objects.in_bulk([t.user_id for t in new_tasks])
    for task in new_tasks:
        task.user = users[task.user_id]
    _report_assigned(new_tasks, page)
    # Someone still owing a re-read of an older change now owes this one.
    RestudyTask.objects.filter(pk__in=open_tasks.values()).update(
        publication=publication
    )
    return len(new_tasks) + len(open_tasks)


def restudy_task_assign(*, user, page: ServiceItemPage, now: datetime.datetime):
    """A compulsory re-read of one item for one worker (after a 代办差错, say).
    Returns the open task, new or already there; None if the item has no record."""
    publication = page.publications.order_by("-published_at").first()
    if publication is None:
        return None
    task, created = RestudyTask.objects.get_or_create(
        user=user,
        page=page,
        completed_at=None,
        defaults={
            "publication": publication,
            "created_at": now,
            "due_at": now + datetime.timedelta(days=rules.RESTUDY_DAYS),
        },
    )
    if created:
        _report_assigned([task], page)
    return task


def _has_quiz(page: ServiceItemPage) -> bool:
    """An item's quiz is a live page under it (the only kind of child it has)."""
    return page.get_children().live().exists()


def _quiz_passed_since(*, user, page: ServiceItemPage, since) -> bool:
    return any(
        hook(user=user, item=page, since=since)
        for hook in hooks.get_hooks(HOOK_QUIZ_PASSED_SINCE)
    )


def _restudy_finish(task: RestudyTask, *, now, record=None) -> rules.Posted:
    task.completed_at = now
    task.completed_by = record
    task.save(update_fields=["completed_at", "completed_by"])
    return _award(
        RestudyFinished(user=task.user, at=now, task_id=task.pk, title=task.page.title),
        label=rules.LABEL_RESTUDY,
    )


@transaction.atomic
def restudy_quiz_passed(*, user, item: ServiceItemPage, at) -> bool:
    """The item's quiz was passed: that finishes an open re-study whose re-read
    is already done. Returns True when it did."""
    task = (
        RestudyTask.objects.select_for_update(of=("self",))
        .select_related("page", "user")
        .filter(user=user, page=item, completed_at__isnull=True)
        .first()
    )
    if task is None or at < task.created_at:
        return False
    task.quiz_passed_at = at
    task.save(update_fields=["quiz_passed_at"])
    if task.reread_at is None:
        return False
    _restudy_finish(task, now=at)
    return True


# ---------------------------------------------------------------- studying


def reading_start(
    *, user, page: ServiceItemPage, now: datetime.datetime | None = None
) -> ReadingSession:
    """Start the server-side timer for reading the live revision of an item.

    Raises StudyRefused for a cancelled item: there is nothing to study.
    """
    if page.discontinued:
        raise StudyRefused(rules.MSG_DISCONTINUED)
    now = now or timezone.now()
    revision = page.live_revision or page.latest_revision
    session = ReadingSession(
        token=uuid.uuid4(),
        user=user,
        page=page,
        revision=revision,
        started_at=now,
        last_beat_at=now,
        required_seconds=page.required_study_seconds(),
    )
    # The related rows are the ones just read; the token is a fresh UUID.
    session.full_clean(exclude=["user", "page", "revision"], validate_unique=False)
    session.save()
    return session


def _open_session(session: ReadingSession) -> ReadingSession:
    """The session locked, refused if its item was cancelled since it started."""
    session = (
        ReadingSession.objects.select_for_update(of=("self",))
        .select_related("page")
        .get(pk=session.pk)
    )
    if session.page.discontinued:
        raise StudyRefused(rules.MSG_DISCONTINUED)
    return session


def _credit(session: ReadingSession, *, was_visible: bool, now) -> None:
    gap = (now - session.last_beat_at).total_seconds()
    session.visible_seconds += rules.heartbeat_credit(
        gap_seconds=gap, was_visible=was_visible
    )
    session.last_beat_at = max(now, session.last_beat_at)


@transaction.atomic
def reading_heartbeat(
    *,
    session: ReadingSession,
    was_visible: bool,
    reached_end: bool = False,
    now: datetime.datetime | None = None,
) -> ReadingSession:
    """Credit the time since the last beat if the page stayed visible."""
    now = now or timezone.now()
    session = _open_session(session)
    _credit(session, was_visible=was_visible, now=now)
    session.reached_end = session.reached_end or reached_end
    session.save(update_fields=["visible_seconds", "last_beat_at", "reached_end"])
    return session


@transaction.atomic
def study_confirm(
    *, session: ReadingSession, reached_end: bool = False, now=None
) -> StudyOutcome:
    """Turn a long-enough read into a study record, once per revision.

    Raises StudyRefused with a message for the worker when the read is too
    short or the item has been cancelled.
    """
    now = now or timezone.now()
    session = _open_session(session)
    _credit(session, was_visible=True, now=now)
    session.reached_end = session.reached_end or reached_end
    session.save(update_fields=["visible_seconds", "last_beat_at", "reached_end"])

    remaining = rules.remaining_seconds(
        visible_seconds=session.visible_seconds, required=session.required_seconds
    )
    if remaining > 0:
        raise StudyRefused(rules.MSG_TOO_EARLY.format(seconds=remaining))
    if not session.reached_end:
        raise StudyRefused(rules.MSG_NOT_AT_END)

    task = (
        RestudyTask.objects.select_for_update(of=("self",))
        .select_related("publication__revision")
        .filter(user=session.user, page=session.page, completed_at__isnull=True)
        .first()
    )
    record, created = StudyRecord.objects.get_or_create(
        user=session.user,
        page=session.page,
        revision=session.revision,
        defaults={
            "studied_at": now,
            "seconds": int(session.visible_seconds),
            "is_restudy": task is not None,
        },
    )
    posted = []
    reread = (
        task is not None
        and session.revision.created_at >= task.publication.revision.created_at
    )
    restudied = False
    pending_quiz = False
    if reread:
        # RESTUDY is earned by re-reading the changed item and passing its
        # quiz (积分管理办法 §6), in either order.
        task.reread_at = task.reread_at or now
        task.save(update_fields=["reread_at"])
        quiz_done = task.quiz_passed_at is not None or not _has_quiz(session.page)
        if not quiz_done:
            quiz_done = _quiz_passed_since(
                user=session.user, page=session.page, since=task.created_at
            )
        if quiz_done:
            task.user = session.user
            task.page = session.page
            posted.append(_restudy_finish(task, now=now, record=record))
            restudied = True
        else:
            pending_quiz = True
    # READ_ITEM is once per item per year, whichever revision was read: reading
    # an unchanged item again next year earns it again (the ledger keeps one
    # line per item and year, so asking again this year posts nothing).
    read = _award(
        ItemStudied(
            user=session.user,
            at=now,
            item_id=session.page.pk,
            title=session.page.title,
        ),
        label=rules.LABEL_ITEM,
    )
    if created or read.new:
        posted.append(read)
    for hook in hooks.get_hooks(HOOK_ITEM_STUDIED):
        hook(user=session.user, item=session.page, at=now)
    return StudyOutcome(
        record=record, restudied=restudied, posted=posted, quiz_pending=pending_quiz
    )


def _award(event, *, label) -> rules.Posted:
    """Report to points and say what it actually posted for the event."""
    recorded = points_record(event)[0]
    entry = recorded.entry
    cap = ""
    if entry.kind == LedgerEntry.Kind.CAPPED:
        cap = MSG_DAILY_CAP if MSG_DAILY_CAP in entry.reason else MSG_ANNUAL_CAP
    return rules.Posted(
        label=label,
        rule=entry.rule.name,
        points=entry.points,
        hours=entry.hours,
        new=recorded.new,
        cap=cap,
    )


# ---------------------------------------------------------------- authoring


@transaction.atomic
def category_ensure(
    *, root: ManualIndexPage, code: str, title: str, slug: str, intro: str = ""
) -> CategoryPage:
    existing = CategoryPage.objects.filter(code=code).first()
    if existing:
        return existing
    category = root.add_child(
        instance=CategoryPage(title=title, slug=slug, code=code, intro=intro)
    )
    category.save_revision().publish()
    return category


def _paragraphs(text: str) -> str:
    from django.utils.html import escape

    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())


def item_build(data: dict) -> ServiceItemPage:
    """An unsaved item page from structured data; conditions coded c1, c2… in order."""
    from manuals.models import FAQ, Condition, LegalBasis, Material, Step

    scalar = {
        k: data[k]
        for k in (
            "legal_nature",
            "handling_type",
            "decided_at",
            "accepted_at",
            "applicant",
            "promised_days",
            "legal_days",
            "time_limit_unit",
            "time_limit_note",
            "is_free",
            "fee_note",
            "location",
            "phone",
            "can_apply_online",
            "can_proxy",
            "home_visit",
            "high_frequency",
            "discontinued",
            "keywords",
        )
        if k in data
    }
    page = ServiceItemPage(
        title=data["title"],
        slug=data.get("slug") or data["code"].lower(),
        item_code=data["code"],
        notes=_paragraphs(data.get("notes", "")),
        live=False,  # only publishing makes an item visible
        **scalar,
    )
    page.conditions = [
        Condition(code=f"c{n}", sort_order=n, **row)
        for n, row in enumerate(data.get("conditions", []), start=1)
    ]
    page.materials = [
        Material(code=f"m{n}", sort_order=n, **row)
        for n, row in enumerate(data.get("materials", []), start=1)
    ]
    page.steps = [
        Step(sort_order=n, **row) for n, row in enumerate(data.get("steps", []))
    ]
    page.legal_bases = [
        LegalBasis(sort_order=n, **row)
        for n, row in enumerate(data.get("legal_basis", []))
    ]
    page.faqs = [FAQ(sort_order=n, **row) for n, row in enumerate(data.get("faq", []))]
    return page


@transaction.atomic
def item_create(
    *, category, data: dict, user=None, publish: bool = True
) -> ServiceItemPage:
    """Add an item under a category and (by default) publish it."""
    existing = ServiceItemPage.objects.filter(item_code=data["code"]).first()
    if existing:
        return existing
    page = category.add_child(instance=item_build(data))
    revision = page.save_revision(user=user)
    if publish:
        revision.publish(user=user)
        page.refresh_from_db()
    return page


@transaction.atomic
def chapter_ensure(*, root: ManualIndexPage, data: dict):
    """A general chapter from {title, slug, intro, sections: [heading, paragraphs]}."""
    from django.utils.html import escape

    from manuals.models import ChapterPage

    existing = ChapterPage.objects.filter(slug=data["slug"]).child_of(root).first()
    if existing:
        return existing
    body = []
    for section in data.get("sections", []):
        body.append(("heading", section["heading"]))
        for paragraph in section.get("paragraphs", []):
            body.append(("paragraph", f"<p>{escape(paragraph)}</p>"))
    chapter = root.add_child(
        instance=ChapterPage(
            title=data["title"],
            slug=data["slug"],
            intro=data.get("intro", ""),
            body=body,
            live=False,
        )
    )
    chapter.save_revision().publish()
    return chapter
