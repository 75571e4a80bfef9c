import datetime
import re
from collections import Counter

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from learning.models import StaffMember
from learning.roles import Role, role_from_label
from learning.selectors import org_unit_label, org_unit_labels, staff_visible_to
from learning.services import role_assign, role_assignable_by

_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
]


# A value repeated on thousands of rows names the first few, not all of them.
DUPLICATE_ROWS_SHOWN = 5


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


class PhoneWidget(TextWidget):
    """A blank phone is NULL, so that many staff may have none."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs) or None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ChineseDateWidget(widgets.Widget):
    """Dates as Excel cells or as 2020-03-01, 2020/3/1, 2020.3.1, 2020年3月1日."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return datetime.date(*(int(g) for g in match.groups()))
                except ValueError:
                    break
        raise ValueError(
            _("“%(value)s”不是有效日期，请写成 2020-03-01。") % {"value": text}
        )

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class YesNoWidget(widgets.Widget):
    TRUE = {"是", "在职", "1", "true", "y", "yes"}
    FALSE = {"否", "离职", "0", "false", "n", "no"}

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if text == "" or text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(
            _("“%(value)s”无法识别，请填写“是”或“否”。") % {"value": value}
        )

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class OrgUnitWidget(widgets.Widget):
    """Names a unit by its unique name or by its path (拱宸桥街道/…/衢州路社区)."""

    def __init__(self, labels):
        super().__init__()
        self.labels = labels

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().replace("／", "/")
        if not text:
            raise ValueError(_("不能为空。"))
        unit = self.labels.get(text)
        if unit is None:
            raise ValueError(
                _("找不到单位“%(value)s”，请填写组织架构中的单位名称。")
                % {"value": text}
            )
        return unit

    def render(self, value, obj=None, **kwargs):
        return org_unit_label(value, self.labels) if value else ""


class RoleWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            raise ValueError(_("不能为空，请填写社工、培训师或管理者。"))
        role = role_from_label(text)
        if role is None:
            raise ValueError(
                _("“%(value)s”不是有效角色，请填写社工、培训师或管理者。")
                % {"value": text}
            )
        return role


# What a roster row sets on an existing person (the password only applies to
# new staff).
COMPARED_ATTRIBUTES = (
    "name",
    "phone",
    "org_unit_id",
    "position",
    "hired_on",
    "is_active",
)


def _roles_of(user) -> set[str]:
    """The role groups a person is in, leaving aside others such as 高级培训师."""
    return {g.name for g in user.groups.all() if role_from_label(g.name)}


class StaffResource(resources.ModelResource):
    """The roster columns; every rule breach becomes an error on its row and column."""

    employee_no = fields.Field(
        attribute="username", column_name="工号", widget=TextWidget()
    )
    name = fields.Field(attribute="name", column_name="姓名", widget=TextWidget())
    phone = fields.Field(attribute="phone", column_name="手机号", widget=PhoneWidget())
    org_unit = fields.Field(attribute="org_unit", column_name="所属单位")
    position = fields.Field(
        attribute="position", column_name="岗位", widget=TextWidget()
    )
    hired_on = fields.Field(
        attribute="hired_on", column_name="入职日期", widget=ChineseDateWidget()
    )
    role = fields.Field(
        attribute="pending_role", column_name="角色", widget=RoleWidget()
    )
    is_active = fields.Field(
        attribute="is_active", column_name="在职", widget=YesNoWidget()
    )
    initial_password = fields.Field(
        attribute="pending_password", column_name="初始密码", widget=TextWidget()
    )

    class Meta:
        model = StaffMember
        import_id_fields = ["employee_no"]
        fields = [
            "employee_no",
            "name",
            "phone",
            "org_unit",
            "position",
            "hired_on",
            "role",
            "is_active",
            "initial_password",
        ]
        clean_model_instances = True
        skip_diff = True
        use_transactions = True

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        self._rows_done += 1
        if self.progress is not None:
            self.progress(self._rows_done)

    def __init__(self, *, actor, progress=None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor
        self.progress = progress
        self._rows_done = 0
        self.fields["org_unit"].widget = OrgUnitWidget(org_unit_labels())
        self._visible_pks: set[int] = set()
        self._before: tuple | None = None
        self._before_unit_id: int | None = None
        self._before_roles: set[str] = set()
        self._duplicates: dict[str, dict[str, list[int]]] = {}
        self.row_numbers: list[int] = []

    def get_queryset(self):
        # Rows are matched against every account so that a 工号 belonging to
        # another unit is reported as such, not mistaken for a new hire.
        return StaffMember.objects.prefetch_related("groups")

    def after_init_instance(self, instance, new, row, **kwargs):
        self._before = None if new else self._snapshot(instance, _roles_of(instance))
        self._before_unit_id = None if new else instance.org_unit_id
        self._before_roles = set() if new else _roles_of(instance)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A person the file describes exactly as they are is left alone and
        counted 无变化, not 更新; their groups are not rewritten either."""
        if import_validation_errors or self._before is None:
            return False
        role = getattr(instance, "pending_role", None)
        after = {str(role.label)} if isinstance(role, Role) else set()
        return self._snapshot(instance, after) == self._before

    @staticmethod
    def _snapshot(instance, roles: set[str]) -> tuple:
        return (*(getattr(instance, a) for a in COMPARED_ATTRIBUTES), frozenset(roles))

    def dehydrate_role(self, obj):
        labels = obj.role_labels
        return labels[0] if labels else ""

    def dehydrate_initial_password(self, obj):
        return ""

    def spreadsheet_row(self, index: int) -> int:
        """import-export counts data rows from 1; reports use spreadsheet rows."""
        if self.row_numbers and 0 < index <= len(self.row_numbers):
            return self.row_numbers[index - 1]
        return index + 1

    def before_import(self, dataset, **kwargs):
        for column in ("工号", "手机号"):
            if column not in dataset.headers:
                continue
            values = [str(v).strip() for v in dataset[column]]
            seen = Counter(v for v in values if v)
            self._duplicates[column] = {
                value: [
                    self.spreadsheet_row(i)
                    for i, v in enumerate(values, 1)
                    if v == value
                ]
                for value, count in seen.items()
                if count > 1
            }
        self._visible_pks = set(
            staff_visible_to(user=self.actor).values_list("pk", flat=True)
        )

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)

        for column, attribute in (("工号", "username"), ("手机号", "phone")):
            value = str(row.get(column, "") or "").strip()
            rows = self._duplicates.get(column, {}).get(value)
            if rows:
                shown = "、".join(str(r) for r in rows[:DUPLICATE_ROWS_SHOWN])
                if len(rows) > DUPLICATE_ROWS_SHOWN:
                    shown += _("等 %(n)d 行") % {"n": len(rows)}
                message = _("“%(value)s”在文件中重复出现（第 %(rows)s 行）。") % {
                    "value": value,
                    "rows": shown,
                }
                errors.setdefault(attribute, []).append(ValidationError(message))

        is_new = instance.pk is None
        if (
            not is_new
            and instance.pk not in self._visible_pks
            and "username" not in errors
        ):
            errors.setdefault("username", []).append(
                ValidationError(_("该工号属于您管辖范围以外的员工，不能修改。"))
            )
        unit = getattr(instance, "org_unit", None) if "org_unit" not in errors else None
        if unit is not None and not self.actor.is_superuser:
            own = self.actor.org_unit
            if own is None or not own.contains(unit):
                errors.setdefault("org_unit", []).append(
                    ValidationError(
                        _("“%(unit)s”不在您的管辖范围内。") % {"unit": unit.name}
                    )
                )
        role = getattr(instance, "pending_role", None)
        if role is not None and "pending_role" not in errors and unit is not None:
            # A row that keeps someone's role and unit grants nothing: a
            # manager's own row in his exported roster imports back as is.
            unchanged = (
                self._before is not None
                and unit.pk == self._before_unit_id
                and str(role.label) in self._before_roles
            )
            if instance.pk == self.actor.pk and not self.actor.is_superuser:
                if not unchanged:
                    errors.setdefault("pending_role", []).append(
                        ValidationError(
                            _("不能修改自己的角色或所属单位，请由上级管理者修改。")
                        )
                    )
            elif not unchanged and not role_assignable_by(
                actor=self.actor, role=role, org_unit=unit
            ):
                errors.setdefault("pending_role", []).append(
                    ValidationError(_("您只能为下级单位任命管理者。"))
                )

        if is_new:
            password = getattr(instance, "pending_password", "")
            if password:
                try:
                    validate_password(password, instance)
                except ValidationError as exc:
                    errors.setdefault("pending_password", []).extend(exc.error_list)
                instance.set_password(password)
            else:
                instance.set_unusable_password()
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            return  # a dry run checked the row and saved nothing
        self._visible_pks.add(instance.pk)
        role = getattr(instance, "pending_role", None)
        if isinstance(role, Role):
            role_assign(user=instance, role=role)


def column_for_attribute(resource: StaffResource, attribute: str) -> str:
    for field in resource.fields.values():
        if field.attribute == attribute:
            return field.column_name
    return ""
