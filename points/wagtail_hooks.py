from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from learning.permissions import ActionPermissionPolicy, ReadOnlyPermissionPolicy
from points.admin_views import freeze_view, ranking_view
from points.models import (
    Adjustment,
    Certificate,
    CertificateBatch,
    CertificateTemplate,
    LedgerEntry,
    OfflineTraining,
    RulebookVersion,
)
from points.viewsets import CertificatesGroup, PointsGroup

register_permission_policy(
    LedgerEntry,
    ReadOnlyPermissionPolicy(LedgerEntry, "points.view_ledgerentry"),
    exact_class=True,
)
register_permission_policy(
    Adjustment,
    ActionPermissionPolicy(
        Adjustment,
        {"view": "points.view_adjustment", "add": "points.add_adjustment"},
    ),
    exact_class=True,
)
register_permission_policy(
    OfflineTraining,
    ReadOnlyPermissionPolicy(OfflineTraining, "points.view_offlinetraining"),
    exact_class=True,
)
# Versions are added as drafts and edited until they start; never deleted.
register_permission_policy(
    RulebookVersion,
    ActionPermissionPolicy(
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
    ReadOnlyPermissionPolicy(Certificate, "points.view_certificate"),
    exact_class=True,
)
register_permission_policy(
    CertificateBatch,
    ActionPermissionPolicy(
        CertificateBatch,
        {
            "view": "points.view_certificatebatch",
            "add": "points.issue_certificate",
        },
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
        ("points.certificate.issue", _("颁发证书")),
        ("points.certificate.reissue", _("补发证书（取代原证书）")),
        ("points.certificate.revoke", _("撤销证书")),
    ]:
        actions.register_action(action, label, label)
