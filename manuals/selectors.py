from dataclasses import dataclass, field

from learning.search import highlight, query_terms
from manuals import changes
from manuals.models import (
    CategoryPage,
    ItemPublication,
    RestudyTask,
    ServiceItemPage,
    StudyRecord,
)


def _learnable_items():
    return ServiceItemPage.objects.live().filter(discontinued=False)


@dataclass(frozen=True)
class ManualSize:
    items: int
    categories: int


def manual_size() -> ManualSize:
    """Live items that are not cancelled, and the categories that hold them."""
    paths = list(_learnable_items().values_list("path", flat=True))
    steplen = ServiceItemPage.steplen
    categories = (
        CategoryPage.objects.live()
        .filter(path__in={path[:-steplen] for path in paths})
        .count()
        if paths
        else 0
    )
    return ManualSize(items=len(paths), categories=categories)


@dataclass
class CategoryProgress:
    category: CategoryPage
    studied: int
    total: int

    @property
    def percent(self) -> int:
        return round(self.studied * 100 / self.total) if self.total else 0


@dataclass
class StudyProgress:
    studied: int = 0
    total: int = 0
    categories: list[CategoryProgress] = field(default_factory=list)
    restudy: list[RestudyTask] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.studied * 100 / self.total) if self.total else 0


def studied_page_ids(*, user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        StudyRecord.objects.filter(user=user)
        .values_list("page_id", flat=True)
        .distinct()
    )


def open_restudy_tasks(*, user):
    """待复学 items; a cancelled item is never owed a re-read."""
    if not user.is_authenticated:
        return RestudyTask.objects.none()
    return (
        RestudyTask.objects.filter(
            user=user,
            completed_at__isnull=True,
            page__live=True,
            page__discontinued=False,
        )
        .select_related("page", "publication")
        .order_by("due_at")
    )


def study_progress(*, user) -> StudyProgress:
    """已学 n/N overall and per category, and the items waiting to be re-read."""
    items = list(_learnable_items().values_list("pk", "path"))
    studied = studied_page_ids(user=user)
    progress = StudyProgress(
        studied=sum(1 for pk, _ in items if pk in studied),
        total=len(items),
        restudy=list(open_restudy_tasks(user=user)),
    )
    for category in CategoryPage.objects.live().order_by("path"):
        inside = [pk for pk, path in items if path.startswith(category.path)]
        progress.categories.append(
            CategoryProgress(
                category=category,
                studied=sum(1 for pk in inside if pk in studied),
                total=len(inside),
            )
        )
    return progress


def weakest_category(progress: StudyProgress) -> CategoryProgress | None:
    """The category with the lowest share studied that still has items to read;
    the first in manual order on a tie."""
    unfinished = [row for row in progress.categories if row.studied < row.total]
    return min(unfinished, key=lambda row: row.studied / row.total, default=None)


def unstudied_items(*, user, category: CategoryPage, limit: int = 3) -> list:
    """The next items of a category the worker has never studied, in manual order."""
    studied = StudyRecord.objects.filter(user=user).values("page_id")
    return list(
        _learnable_items()
        .descendant_of(category)
        .exclude(pk__in=studied)
        .order_by("path")[:limit]
    )


def category_items_for(*, category: CategoryPage, user) -> list[dict]:
    studied = studied_page_ids(user=user)
    restudy = {t.page_id for t in open_restudy_tasks(user=user)}
    items = ServiceItemPage.objects.child_of(category).live().order_by("path")
    return [
        {
            "page": item,
            "studied": item.pk in studied,
            "restudy": item.pk in restudy,
        }
        for item in items
    ]


def changes_since_last_study(*, page: ServiceItemPage, user) -> dict | None:
    """Differences between the version the worker last studied and the live one."""
    last = (
        StudyRecord.objects.filter(user=user, page=page).order_by("-studied_at").first()
    )
    if last is None:
        return None
    then = ItemPublication.objects.filter(revision_id=last.revision_id).first()
    now = (
        ItemPublication.objects.filter(page=page)
        .order_by("-published_at", "-pk")
        .first()
    )
    if then is None or now is None or then.pk == now.pk:
        return None
    diff = changes.item_diff(then.snapshot, now.snapshot)
    return None if changes.is_empty(diff) else diff


def item_context_for(*, page: ServiceItemPage, user) -> dict:
    context = {
        "conditions": page.active_conditions,
        "retired_conditions": [c for c in page.conditions.all() if not c.active],
        "required_seconds": page.required_study_seconds(),
        "latest_publication": page.publications.order_by(
            "-published_at", "-pk"
        ).first(),
    }
    if not user.is_authenticated:
        return context
    revision_id = page.live_revision_id
    context["studied_this_version"] = StudyRecord.objects.filter(
        user=user, page=page, revision_id=revision_id
    ).exists()
    context["restudy_task"] = open_restudy_tasks(user=user).filter(page=page).first()
    context["changes_for_me"] = (
        changes_since_last_study(page=page, user=user)
        if context["restudy_task"]
        else None
    )
    return context


@dataclass
class SearchHit:
    page: ServiceItemPage
    category: CategoryPage
    conditions: list
    materials: list


def manual_search(*, query: str, limit: int = 30) -> list[SearchHit]:
    """Items matching all words, or any word if none match all; best first."""
    query = (query or "").strip()
    if not query:
        return []
    items = ServiceItemPage.objects.live()
    results = list(items.search(query, operator="and")[:limit])
    if not results:
        results = list(items.search(query, operator="or")[:limit])
    terms = query_terms(query)
    categories = {c.path: c for c in CategoryPage.objects.all()}
    hits = []
    for page in results:
        page = page.specific if not isinstance(page, ServiceItemPage) else page
        conditions = [
            {"condition": c, "number": n, "html": highlight(c.text, terms)}
            for n, c in enumerate(page.active_conditions, start=1)
            if any(t in c.text for t in terms)
        ]
        materials = [
            {"material": m, "html": highlight(m.name, terms)}
            for m in page.materials.all()
            if any(t in m.name for t in terms)
        ]
        category = categories.get(page.path[: -page.steplen])
        hits.append(SearchHit(page, category, conditions[:3], materials[:3]))
    return hits
