from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from learning.permissions import (
    ActionPermissionPolicy,
    ReadOnlyPermissionPolicy,
    ScopedPermissionPolicy,
)
from points.admin_views import freeze_view, ranking_view
from points.models import (
    Adjustment,
    Certificate,
    CertificateBatch,
    CertificateTemplate,
    Evidence,
    HeldAward,
    LedgerEntry,
    OfflineTraining,
    RulebookVersion,
    WorkdayOverride,
)
from points.viewsets import CertificatesGroup, PointsGroup

register_permission_policy(
    LedgerEntry,
    ScopedPermissionPolicy(
        LedgerEntry, {"view": "points.view_ledgerentry"}, person="user"
    ),
    exact_class=True,
)
register_permission_policy(
    Adjustment,
    ScopedPermissionPolicy(
        Adjustment,
        {"view": "points.view_adjustment", "add": "points.add_adjustment"},
        person="user",
    ),
    exact_class=True,
)
register_permission_policy(
    HeldAward,
    ScopedPermissionPolicy(HeldAward, {"view": "points.view_heldaward"}, person="user"),
    exact_class=True,
)


class ProxyCountPolicy(ScopedPermissionPolicy):
    """代办登记 shows the 代办 counts only, of the actor's own staff."""

    def instances_user_has_permission_for(self, user, action):
        found = super().instances_user_has_permission_for(user, action)
        return found.filter(kind=Evidence.Kind.PROXY)

    def user_has_permission_for_instance(self, user, action, instance):
        return (
            instance.kind == Evidence.Kind.PROXY
            and super().user_has_permission_for_instance(user, action, instance)
        )


register_permission_policy(
    Evidence,
    ProxyCountPolicy(
        Evidence,
        {"view": "points.view_evidence", "add": "points.add_evidence"},
        person="user",
    ),
    exact_class=True,
)


class WorkdayPolicy(ActionPermissionPolicy):
    """Any manager reads the holiday table; the rulebook's editors (street or
    district managers) keep it."""

    def user_has_permission(self, user, action):
        from points.services import may_edit_rulebooks

        if not super().user_has_permission(user, action):
            return False
        return action == "view" or user.is_superuser or may_edit_rulebooks(user)


register_permission_policy(
    WorkdayOverride,
    WorkdayPolicy(
        WorkdayOverride,
        {
            "view": "points.view_workdayoverride",
            "add": "points.add_workdayoverride",
            "change": "points.change_workdayoverride",
            "delete": "points.delete_workdayoverride",
        },
    ),
    exact_class=True,
)
register_permission_policy(
    OfflineTraining,
    ReadOnlyPermissionPolicy(OfflineTraining, "points.view_offlinetraining"),
    exact_class=True,
)


class RulebookPermissionPolicy(ActionPermissionPolicy):
    """Versions are added as drafts and edited until approved, by the street's
    (or district's) managers only; never deleted."""

    def user_has_permission(self, user, action):
        from points.services import may_edit_rulebooks

        if not super().user_has_permission(user, action):
            return False
        return action == "view" or may_edit_rulebooks(user)

    def user_has_permission_for_instance(self, user, action, instance):
        from points.services import may_edit_version

        if not self.user_has_permission(user, action):
            return False
        return action == "view" or may_edit_version(user, instance)


# Versions are added as drafts and edited until they start; never deleted.
register_permission_policy(
    RulebookVersion,
    RulebookPermissionPolicy(
        RulebookVersion,
        {
            "view": "points.view_rulebookversion",
            "add": "points.add_rulebookversion",
            "change": "points.change_rulebookversion",
        },
    ),
    exact_class=True,
)


register_permission_policy(
    Certificate,
    ScopedPermissionPolicy(
        Certificate, {"view": "points.view_certificate"}, person="user"
    ),
    exact_class=True,
)
register_permission_policy(
    CertificateBatch,
    ScopedPermissionPolicy(
        CertificateBatch,
        {
            "view": "points.view_certificatebatch",
            "add": "points.issue_certificate",
        },
        unit="unit",
    ),
    exact_class=True,
)
# The kinds are fixed; their wording is edited, never added or deleted.
register_permission_policy(
    CertificateTemplate,
    ActionPermissionPolicy(
        CertificateTemplate,
        {
            "view": "points.change_certificatetemplate",
            "change": "points.change_certificatetemplate",
        },
    ),
    exact_class=True,
)


@hooks.register("register_admin_viewset")
def register_points_viewsets():
    return PointsGroup()


@hooks.register("register_admin_viewset")
def register_certificate_viewsets():
    return CertificatesGroup()


@hooks.register("register_admin_urls")
def register_ranking_url():
    return [
        path("rankings/", ranking_view, name="points_rankings"),
        path("rankings/freeze/", freeze_view, name="points_freeze"),
    ]


class RankingMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("points.view_ranking")


@hooks.register("register_admin_menu_item")
def register_ranking_menu_item():
    return RankingMenuItem(
        _("积分排名"), reverse("points_rankings"), icon_name="list-ol", order=229
    )


@hooks.register("register_log_actions")
def register_points_log_actions(actions):
    for action, label in [
        ("points.adjustment.propose", _("提出积分调整")),
        ("points.adjustment.approve", _("批准积分调整并入账")),
        ("points.adjustment.reject", _("驳回积分调整")),
        ("points.appeal.file", _("员工提出申诉")),
        ("points.appeal.uphold", _("申诉处理：维持原决定")),
        ("points.appeal.overturn", _("申诉处理：申诉成立，已冲正")),
        ("points.period.freeze", _("结账冻结积分周期")),
        ("points.rulebook.approve", _("批准积分规则版本")),
        ("points.attendance.hold", _("签到表提交审批")),
        ("points.attendance.approved", _("批准签到表并入账")),
        ("points.attendance.rejected", _("驳回签到表")),
        ("points.certificate.issue", _("颁发证书")),
        ("points.certificate.reissue", _("补发证书（取代原证书）")),
        ("points.certificate.revoke", _("撤销证书")),
        ("points.held.release", _("核查暂扣积分：放行入账")),
        ("points.held.drop", _("核查暂扣积分：不予记分")),
    ]:
        actions.register_action(action, label, label)
