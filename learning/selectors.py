from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from learning.models import OrgUnit

if TYPE_CHECKING:
    from manuals.selectors import CategoryProgress, StudyProgress
    from points.selectors import Overview, Standing


def org_units_visible_to(*, user) -> QuerySet[OrgUnit]:
    """The units a user may manage: everything for superusers, else their subtree."""
    if user.is_superuser:
        return OrgUnit.objects.all()
    if not user.is_authenticated or user.org_unit_id is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=user.org_unit.path)


def staff_visible_to(*, user) -> QuerySet:
    """Staff in the user's subtree: a 街道 manager sees every centre below it."""
    User = get_user_model()
    qs = User.objects.select_related("org_unit").prefetch_related("groups")
    if user.is_superuser:
        return qs
    if not user.has_perm("learning.view_staff") or user.org_unit_id is None:
        return qs.none()
    return qs.filter(org_unit__path__startswith=user.org_unit.path)


def staff_member_visible(*, actor, user) -> bool:
    """May `actor` see records about `user`? The one rule, everywhere: yes for
    the people of the actor's own subtree (staff_visible_to), no otherwise."""
    user_id = getattr(user, "pk", user)
    return staff_visible_to(user=actor).filter(pk=user_id).exists()


def org_unit_labels() -> dict[str, OrgUnit]:
    """Every way a roster may name a unit: its full path, and its name when unique."""
    units = list(OrgUnit.objects.all())
    by_path = {unit.path: unit for unit in units}
    labels: dict[str, OrgUnit] = {}
    name_count: dict[str, int] = {}
    for unit in units:
        name_count[unit.name] = name_count.get(unit.name, 0) + 1
    for unit in units:
        parts = [
            by_path[unit.path[: OrgUnit.steplen * depth]].name
            for depth in range(1, unit.depth + 1)
        ]
        labels["/".join(parts)] = unit
        if name_count[unit.name] == 1:
            labels[unit.name] = unit
    return labels


def org_unit_label(unit: OrgUnit, labels: dict[str, OrgUnit]) -> str:
    """The shortest label that names the unit unambiguously."""
    if labels.get(unit.name) == unit:
        return unit.name
    return unit.path_label


@dataclass
class LearnerHome:
    """What a worker should do today, most urgent first, and where they stand."""

    progress: StudyProgress
    manual: object | None
    attempts: list
    exams: list
    practice: list
    practice_total: int
    weakest: CategoryProgress | None
    next_items: list
    overview: Overview
    standing: Standing | None
    wrong_book: int

    @property
    def has_tasks(self) -> bool:
        return bool(
            self.progress.restudy
            or self.attempts
            or self.exams
            or self.practice
            or self.next_items
        )

    @property
    def all_studied(self) -> bool:
        return self.progress.total > 0 and self.progress.studied == self.progress.total


def learner_home(*, user) -> LearnerHome:
    """Everything the home page shows, in a number of queries that does not grow
    with the items, categories, attempts or study records.

    The apps are imported here, not at the top: they use this module's scoping
    helpers, and the home page is the one place that reads all of them."""
    from manuals.models import ManualIndexPage
    from manuals.selectors import study_progress, unstudied_items, weakest_category
    from points.selectors import my_standing, points_overview
    from quizzes.selectors import (
        annual_exams_open_for,
        open_attempts_of,
        practice_to_pass,
        wrong_book_for,
    )

    progress = study_progress(user=user)
    weakest = weakest_category(progress)
    practice, practice_total = practice_to_pass(user=user)
    overview = points_overview(user=user)
    standings = my_standing(user=user, year=overview.year, kinds=("community",))
    return LearnerHome(
        progress=progress,
        manual=ManualIndexPage.objects.live().first(),
        attempts=open_attempts_of(user=user),
        exams=annual_exams_open_for(user=user),
        practice=practice,
        practice_total=practice_total,
        weakest=weakest,
        next_items=(
            unstudied_items(user=user, category=weakest.category) if weakest else []
        ),
        overview=overview,
        standing=standings[0] if standings else None,
        wrong_book=wrong_book_for(user=user).count(),
    )
