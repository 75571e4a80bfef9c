import datetime
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learning.models import ORG_CHILD_KIND, OrgUnit
from learning.roles import COLLECTION_PERMISSIONS, ROLE_PERMISSIONS, Role
from learning.roster import (
    COLUMNS,
    REQUIRED_COLUMNS,
    RowError,
    TableFileError,
    read_table,
)
from learning.tables import csv_bytes, xlsx_bytes


def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions. Idempotent."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=str(role.label))
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
        _collection_permissions_sync(group, COLLECTION_PERMISSIONS.get(role, []))


def _collection_permissions_sync(group, codenames: list[str]) -> None:
    """Wagtail grants images per collection: these hold on the root collection."""
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    if root is None:
        return
    wanted = list(
        Permission.objects.filter(
            content_type__app_label="wagtailimages", codename__in=codenames
        )
    )
    GroupCollectionPermission.objects.filter(group=group, collection=root).exclude(
        permission__in=wanted
    ).delete()
    for perm in wanted:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root, permission=perm
        )


@transaction.atomic
def org_unit_ensure(*, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Return the unit of that name under parent, creating it if missing."""
    name = name.strip()
    expected = ORG_CHILD_KIND[parent.kind if parent else None]
    if kind != expected:
        raise ValidationError(
            _("“%(name)s”的层级应为%(expected)s。")
            % {"name": name, "expected": OrgUnit.Kind(expected).label}
        )
    siblings = parent.get_children() if parent else OrgUnit.get_root_nodes()
    existing = siblings.filter(name=name).first()
    if existing:
        return existing
    unit = OrgUnit(name=name, kind=kind)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return OrgUnit.add_root(instance=unit)
    parent.refresh_from_db()
    return parent.add_child(instance=unit)


def role_assign(*, user, role: Role) -> None:
    """Make role the user's only role. Groups that are not roles stay (a
    trainer keeps 高级培训师 or 手册管理员 when a manager edits his phone),
    except those that only a trainer may hold, when he stops being one."""
    from learning.roles import APPROVER_GROUP, MANUAL_ADMIN_GROUP, role_from_label

    trainer_only = {APPROVER_GROUP, MANUAL_ADMIN_GROUP}
    kept = [
        group
        for group in user.groups.all()
        if role_from_label(group.name) is None
        and (role == Role.TRAINER or group.name not in trainer_only)
    ]
    user.groups.set([Group.objects.get_or_create(name=str(role.label))[0], *kept])


@transaction.atomic
def staff_ensure(
    *,
    employee_no: str,
    name: str,
    org_unit: OrgUnit,
    role: Role,
    phone: str | None = None,
    position: str = "",
    hired_on: datetime.date | None = None,
    password: str | None = None,
    password_hash: str | None = None,
):
    """Create a staff account for a new 工号; an existing account is left alone.

    password_hash is an already hashed password, for callers that give many
    accounts the same one and would otherwise pay the hasher for each."""
    User = get_user_model()
    user = User.objects.filter(username=employee_no).first()
    if user is not None:
        return user
    user = User(
        username=employee_no,
        name=name,
        phone=phone or None,
        org_unit=org_unit,
        position=position,
        hired_on=hired_on,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    role_assign(user=user, role=role)
    return user


def role_assignable_by(*, actor, role: Role, org_unit: OrgUnit | None) -> bool:
    """A manager may only grant 管理者 for units strictly below their own."""
    if actor.is_superuser:
        return True
    if role != Role.MANAGER:
        return True
    own = actor.org_unit
    return (
        own is not None
        and org_unit is not None
        and org_unit.path.startswith(own.path)
        and org_unit.path != own.path
    )


@dataclass
class RosterReport:
    """What a roster file would do (dry run) or did: counts and every row error."""

    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


class RosterRejected(Exception):
    def __init__(self, report: RosterReport):
        super().__init__(report.file_error or "; ".join(str(e) for e in report.errors))
        self.report = report


def roster_done_message(report: RosterReport) -> str:
    return str(
        _("导入完成：新增 %(new)d 人，更新 %(updated)d 人，%(unchanged)d 人无变化。")
        % {"new": report.new, "updated": report.updated, "unchanged": report.unchanged}
    )


def roster_import(
    *, content: bytes, filename: str, actor, dry_run: bool, progress=None
) -> RosterReport:
    """Check a roster file and, unless dry_run, apply it all or not at all.
    ``progress(n)`` is told how many rows are done so far.

    Raises RosterRejected (having written nothing) when any row is invalid.
    """
    from learning.resources import StaffResource, column_for_attribute

    report = RosterReport()
    try:
        table = read_table(content, filename, COLUMNS, REQUIRED_COLUMNS)
    except TableFileError as exc:
        report.file_error = str(exc)
        if dry_run:
            return report
        raise RosterRejected(report) from exc

    resource = StaffResource(actor=actor, progress=progress)
    resource.row_numbers = table.row_numbers
    report.total = len(table.dataset)
    # A dry run only reads: without a transaction django-import-export saves
    # nothing, so checking a large file never holds the database's write lock.
    with transaction.atomic() if not dry_run else nullcontext():
        result = resource.import_data(
            table.dataset,
            dry_run=dry_run,
            use_transactions=not dry_run,
            rollback_on_validation_errors=True,
        )
        for invalid in result.invalid_rows:
            row = resource.spreadsheet_row(invalid.number)
            for attribute, messages in invalid.error_dict.items():
                column = column_for_attribute(resource, attribute)
                for message in messages:
                    report.errors.append(RowError(row, column, str(message)))
        for number, row_errors in result.row_errors():
            row = resource.spreadsheet_row(number)
            for error in row_errors:
                report.errors.append(
                    RowError(row, "", _("无法保存：%(error)s") % {"error": error.error})
                )
        for error in result.base_errors:
            report.errors.append(RowError(0, "", str(error.error)))
        report.new = result.totals.get("new", 0)
        report.updated = result.totals.get("update", 0)
        report.unchanged = result.totals.get("skip", 0)
        report.errors.sort(key=lambda e: (e.row, e.column))
        if not dry_run and not report.ok:
            transaction.set_rollback(True)
    if not dry_run and not report.ok:
        raise RosterRejected(report)
    return report


def roster_export(*, actor, fmt: str) -> bytes:
    """The roster of the actor's subtree, in the same columns the import reads."""
    from learning.resources import StaffResource
    from learning.selectors import staff_visible_to

    dataset = StaffResource(actor=actor).export(
        queryset=staff_visible_to(user=actor).order_by("org_unit__path", "username")
    )
    if fmt == "xlsx":
        dataset.title = "花名册"
        return xlsx_bytes(dataset)
    return csv_bytes(dataset)


def roster_template(*, fmt: str) -> bytes:
    """An empty roster with the Chinese headers, plus filling notes in XLSX."""
    import tablib

    sheet = tablib.Dataset(headers=COLUMNS, title="花名册")
    if fmt != "xlsx":
        return ("\ufeff" + sheet.export("csv")).encode("utf-8")
    notes = tablib.Dataset(headers=["列", "说明"], title="填写说明")
    for column, note in ROSTER_COLUMN_NOTES:
        notes.append([column, str(note)])
    return xlsx_bytes(sheet, notes)


ROSTER_COLUMN_NOTES = [
    ("工号", _("必填，员工唯一编号，2–20 位字母或数字；已存在的工号会更新该员工。")),
    ("姓名", _("必填。")),
    ("手机号", _("选填，11 位手机号，可用于登录，不能与他人重复。")),
    (
        "所属单位",
        _(
            "必填，填写社区、片区公共服务中心或街道的名称；重名时写完整路径，"
            "如 拱宸桥街道/桥西片区公共服务中心/衢州路社区。"
        ),
    ),
    ("岗位", _("选填，如 综合受理岗。")),
    ("入职日期", _("选填，如 2020-03-01。")),
    ("角色", _("必填：社工、培训师或管理者。")),
    ("在职", _("选填：是 或 否，留空视为在职。")),
    (
        "初始密码",
        _("选填，仅对新员工生效，至少 8 位；留空则需管理员重置密码后才能登录。"),
    ),
]
