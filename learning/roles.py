"""The three roles, as Django groups, and the permissions each one holds.

Groups are (re)synchronised after every migrate, because permissions only exist
once all apps have migrated. Later capabilities add their permissions here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WORKER = "worker", _("社工")
    TRAINER = "trainer", _("培训师")
    MANAGER = "manager", _("管理者")


# Permission codenames ("app_label.codename") held by each role.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.WORKER: [],
    Role.TRAINER: [
        "wagtailadmin.access_admin",
        "manuals.view_itempublication",
        "quizzes.add_question",
        "quizzes.change_question",
        "quizzes.view_question",
        "points.import_attendance",
        "points.view_offlinetraining",
        "points.change_certificatetemplate",
    ],
    Role.MANAGER: [
        "wagtailadmin.access_admin",
        "learning.view_staff",
        "learning.manage_staff",
        "manuals.view_itempublication",
        "quizzes.view_question",
        "quizzes.add_extraattemptgrant",
        "quizzes.view_extraattemptgrant",
        "points.view_ranking",
        "points.view_ledgerentry",
        "points.add_adjustment",
        "points.view_adjustment",
        "points.decide_adjustment",
        "points.freeze_period",
        "points.import_attendance",
        "points.view_offlinetraining",
        "points.view_rulebookversion",
        "points.add_rulebookversion",
        "points.change_rulebookversion",
        "points.view_certificate",
        "points.issue_certificate",
        "points.revoke_certificate",
        "points.view_certificatebatch",
        "points.change_certificatetemplate",
        "points.view_heldaward",
        "points.view_evidence",
        "points.add_evidence",
        "points.view_workdayoverride",
        "points.add_workdayoverride",
        "points.change_workdayoverride",
        "points.delete_workdayoverride",
    ],
}


# Image permissions, granted on the root collection: the signature and seal
# images of certificates are uploaded and chosen through Wagtail's image library.
COLLECTION_PERMISSIONS: dict[Role, list[str]] = {
    Role.TRAINER: ["add_image", "choose_image"],
    Role.MANAGER: ["add_image", "choose_image"],
}


def role_from_label(label: str) -> Role | None:
    for role in Role:
        if str(role.label) == label.strip():
            return role
    return None


# Trainers in this group may approve and publish manual updates.
APPROVER_GROUP = "高级培训师"

# Only members of this group (and superusers) may publish directly, unpublish,
# move, delete or password-protect the manual's root and its categories.
MANUAL_ADMIN_GROUP = "手册管理员"
