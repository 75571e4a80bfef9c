from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from learning.roles import Role


class OrgUnit(MP_Node):
    """A node of the 区 → 街道 → 片区 → 社区 tree; scopes staff and rankings."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("区")
        STREET = "street", _("街道")
        CENTRE = "centre", _("片区公共服务中心")
        COMMUNITY = "community", _("社区")

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("层级"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")

    def __str__(self):
        return self.name

    @property
    def path_label(self) -> str:
        """Full path from the root, e.g. 拱墅区/拱宸桥街道/桥西片区公共服务中心."""
        names = list(self.get_ancestors().values_list("name", flat=True))
        return "/".join([*names, self.name])

    def subtree(self):
        """This node and everything below it."""
        return OrgUnit.objects.filter(path__startswith=self.path)

    def contains(self, other: "OrgUnit | None") -> bool:
        return other is not None and other.path.startswith(self.path)

    @classmethod
    def path_and_ancestors(cls, path: str) -> list[str]:
        """The tree paths of a node and of every node above it, root first."""
        return [path[:n] for n in range(cls.steplen, len(path) + 1, cls.steplen)]


# Which kind of node may sit directly under which.
ORG_CHILD_KIND = {
    None: OrgUnit.Kind.DISTRICT,
    OrgUnit.Kind.DISTRICT: OrgUnit.Kind.STREET,
    OrgUnit.Kind.STREET: OrgUnit.Kind.CENTRE,
    OrgUnit.Kind.CENTRE: OrgUnit.Kind.COMMUNITY,
}

employee_no_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{2,20}$",
    _("工号只能由 2–20 位字母、数字、下划线或短横线组成。"),
)
phone_validator = RegexValidator(r"^1\d{10}$", _("手机号应为 1 开头的 11 位数字。"))


class StaffManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: username})


class User(AbstractUser):
    """A member of staff; roles are groups, login is by 工号 or 手机号."""

    username = models.CharField(
        _("工号"),
        max_length=20,
        unique=True,
        validators=[employee_no_validator],
        error_messages={"unique": _("该工号已被使用。")},
    )
    name = models.CharField(_("姓名"), max_length=30)
    phone = models.CharField(
        _("手机号"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[phone_validator],
        error_messages={"unique": _("该手机号已被其他员工使用。")},
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    position = models.CharField(_("岗位"), max_length=40, blank=True)
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    is_active = models.BooleanField(
        _("在职"),
        default=True,
        help_text=_("离职员工取消勾选即可，账号与学习记录会保留。"),
    )

    REQUIRED_FIELDS = ["name"]

    objects = StaffManager()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone=""), name="user_phone_null_not_empty"
            ),
        ]

    def __str__(self):
        return f"{self.name or self.username}（{self.username}）"

    def get_full_name(self):
        return self.name or self.username

    def get_short_name(self):
        return self.name or self.username

    def clean(self):
        """工号 and 手机号 share one login box: neither may be another's other."""
        super().clean()
        others = type(self)._default_manager.exclude(pk=self.pk)
        errors = {}
        if self.username and others.filter(phone=self.username).exists():
            errors["username"] = _(
                "该工号与另一位员工的手机号相同，登录时会进错账号，请换一个工号。"
            )
        if self.phone and others.filter(username=self.phone).exists():
            errors["phone"] = _(
                "该手机号与另一位员工的工号相同，登录时会进错账号，请核对。"
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Blank phones are stored as NULL so the unique constraint allows many.
        if not self.phone:
            self.phone = None
        super().save(*args, **kwargs)

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=str(role.label)).exists()

    @property
    def role_labels(self) -> list[str]:
        return sorted(group.name for group in self.groups.all())

    @property
    def role_text(self) -> str:
        return "、".join(self.role_labels)


class StaffMember(User):
    """The roster as managers see it: the same accounts, scoped to their subtree."""

    class Meta:
        proxy = True
        verbose_name = _("员工")
        verbose_name_plural = _("员工花名册")
        default_permissions = ()
        permissions = [
            ("view_staff", _("可查看本单位及下级单位的员工")),
            ("manage_staff", _("可导入、新增和编辑本单位及下级单位的员工")),
        ]


class ImportJob(models.Model):
    """A confirmed import too big to run inside the request: the task worker
    imports it (all or nothing, as always) and the page follows its status."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在导入")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未导入")

    kind = models.CharField(max_length=20)
    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField()
    options = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(_("行数"))
    # Rows written so far, for the page: kept on a second connection while the
    # import's own transaction is open (learning.imports.JobProgress).
    done_rows = models.PositiveIntegerField(_("已写入行数"), default=0)
    actor = models.ForeignKey(
        "learning.User", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    message = models.TextField(_("结果"), blank=True)
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("后台导入")
        verbose_name_plural = _("后台导入")

    def __str__(self):
        return f"{self.filename}（{self.get_status_display()}）"
