"""Who may change the manual's structure, and what keeps a page from deletion.

Trainers edit and submit, senior trainers approve somebody else's submission
(``ReviewTask``), and only a 手册管理员 or a superuser publishes directly or takes
the root or a category offline, moves, deletes or password-protects it.
"""

from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from wagtail.models import Page, PagePermissionTester

from learning.roles import MANUAL_ADMIN_GROUP


def may_restructure_manual(user) -> bool:
    """Superusers and members of 手册管理员; cached on the user for the request."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_may_restructure_manual", None)
    if cached is None:
        cached = user.groups.filter(name=MANUAL_ADMIN_GROUP).exists()
        user._may_restructure_manual = cached
    return cached


class StructurePagePermissionTester(PagePermissionTester):
    """The root and the categories: edits go through moderation like any page,
    but taking them offline, moving, deleting or restricting them does not."""

    def can_unpublish(self):
        return super().can_unpublish() and may_restructure_manual(self.user)

    def can_delete(self, ignore_bulk=False):
        return super().can_delete(ignore_bulk) and may_restructure_manual(self.user)

    def can_set_view_restrictions(self):
        return super().can_set_view_restrictions() and may_restructure_manual(self.user)


HOOK_RECORDS_UNDER = "manuals_records_under_pages"


def delete_blockers(page) -> list[str]:
    """What in the page's subtree would be lost, as Chinese phrases; empty when
    the subtree may be deleted. Records of study, questions, attempts and points
    are kept for audit, so their pages are unpublished, never deleted."""
    from wagtail import hooks

    from manuals.models import StudyRecord

    subtree = page.get_descendants(inclusive=True).values("pk")
    counts = [(StudyRecord.objects.filter(page__in=subtree).count(), "条学习记录")]
    # The apps above the manual (the question bank) count their own records.
    for hook in hooks.get_hooks(HOOK_RECORDS_UNDER):
        counts.extend(hook(subtree))
    blockers = [f"{n} {label}" for n, label in counts if n]
    if not blockers:
        # Anything else that must not vanish with the page (a quiz elsewhere
        # drawing from this item, say) is protected in the schema.
        collector = Collector(using=router.db_for_write(Page))
        try:
            collector.collect(Page.objects.filter(pk__in=subtree))
        except (ProtectedError, RestrictedError) as error:
            names = sorted({str(obj._meta.verbose_name) for obj in error.args[1]})
            blockers.append("被" + "、".join(names) + "引用")
    return blockers
