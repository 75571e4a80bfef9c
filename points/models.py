from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldRowPanel


class RulebookVersion(ClusterableModel):
    """A version of the 积分管理办法: rules, levels and targets in force from a date."""

    name = models.CharField(_("版本名称"), max_length=40, unique=True)
    effective_from = models.DateField(_("生效日期"), unique=True)
    annual_target = models.PositiveIntegerField(_("年度达标分"), default=120)
    pass_points = models.PositiveIntegerField(_("年度合格线"), default=80)
    required_offline_hours = models.DecimalField(
        _("必修线下学时"), max_digits=5, decimal_places=1, default=8
    )
    hour_minutes = models.PositiveSmallIntegerField(_("每学时分钟数"), default=45)
    appeal_days = models.PositiveSmallIntegerField(_("申诉期限（工作日）"), default=10)
    hours_window_years = models.PositiveSmallIntegerField(
        _("学时累计年限"), default=3, help_text=_("继续教育按几年累计学时")
    )
    excellent_points = models.PositiveIntegerField(
        _("年度优秀线"), default=150, help_text=_("且年度考试达到优秀分")
    )
    excellent_exam_percent = models.PositiveSmallIntegerField(
        _("优秀所需考试分"), default=90
    )
    restudy_grace_days = models.PositiveSmallIntegerField(
        _("复学宽限（天）"),
        default=30,
        help_text=_("实质性变更后逾期未完成复学，相关证书暂停"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The street (or district) whose rulebook this is: only its managers edit
    # it, and a version counts only once a second one of them has approved it.
    owner_unit = models.ForeignKey(
        "learning.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("制定单位"),
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("起草人"),
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最后修改人"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("积分规则版本")
        verbose_name_plural = _("积分规则版本")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(approved_by=models.F("drafted_by"))
                & ~Q(approved_by=models.F("edited_by")),
                name="rulebook_not_self_approved",
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.effective_from:%Y-%m-%d} 起）"

    @property
    def in_use(self) -> bool:
        """Approved, in force already, or posted under: then it is history (or
        about to be) and stays as it is."""
        if self.pk is None:
            return False
        return (
            self.approved_at is not None
            or self.effective_from <= timezone.localdate()
            or LedgerEntry.objects.filter(rule__version=self).exists()
        )


class Rule(models.Model):
    """One line of the rulebook: what earns or costs points, how much, how often."""

    version = ParentalKey(
        RulebookVersion, on_delete=models.PROTECT, related_name="rules"
    )
    code = models.CharField(_("规则代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=60)
    activity = models.CharField(_("说明"), max_length=200, blank=True)
    points = models.IntegerField(_("每次积分"), help_text=_("扣分填负数"))
    hours = models.DecimalField(
        _("每次学时"), max_digits=5, decimal_places=1, default=0
    )
    per_hour = models.BooleanField(
        _("按学时计"), default=False, help_text=_("积分与学时乘以本次的学时数")
    )
    daily_cap = models.PositiveIntegerField(_("每日上限"), null=True, blank=True)
    annual_cap = models.PositiveIntegerField(_("每年上限"), null=True, blank=True)
    cap_group = models.CharField(
        _("共用上限组"), max_length=30, blank=True, help_text=_("同组规则共用上限")
    )
    needs_approval = models.BooleanField(_("需审批"), default=False)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="rule_code_per_version"
            ),
            models.CheckConstraint(condition=~Q(points=0), name="rule_points_not_zero"),
        ]

    panels = [
        FieldRowPanel(["code", "name", "activity"]),
        FieldRowPanel(["points", "hours", "per_hour", "needs_approval"]),
        FieldRowPanel(["daily_cap", "annual_cap", "cap_group"]),
    ]

    def __str__(self):
        return self.name

    @property
    def group(self) -> str:
        return self.cap_group or self.code


class Level(models.Model):
    version = ParentalKey(
        RulebookVersion, on_delete=models.CASCADE, related_name="levels"
    )
    name = models.CharField(_("等级"), max_length=20)
    threshold = models.PositiveIntegerField(_("累计积分门槛"))
    needs_signoff = models.BooleanField(_("需管理者认定"), default=False)
    # The evidence beside the points (积分管理办法 §5): a tier is knowledge shown,
    # not only points collected.
    min_exam_percent = models.PositiveSmallIntegerField(
        _("年度考试最低分"), null=True, blank=True, help_text=_("留空为不要求")
    )
    high_frequency_done = models.BooleanField(
        _("高频事项全部学完并通过测验"), default=False
    )
    min_categories_done = models.PositiveSmallIntegerField(
        _("至少学完类别数"), default=0
    )
    min_write_ups = models.PositiveSmallIntegerField(_("至少采用案例数"), default=0)
    role_checks = models.BooleanField(
        _("三员考核"),
        default=False,
        help_text=_(
            "宣传员授课≥2学时；解答员情景题≥90分；代办员12个月代办≥20件且无代办差错"
        ),
    )

    class Meta:
        verbose_name = _("等级")
        verbose_name_plural = _("等级")
        ordering = ["version", "threshold"]

    panels = [
        FieldRowPanel(["name", "threshold", "needs_signoff"]),
        FieldRowPanel(["min_exam_percent", "min_categories_done", "min_write_ups"]),
        FieldRowPanel(["high_frequency_done", "role_checks"]),
    ]

    def __str__(self):
        return f"{self.name}（{self.threshold} 分）"


class LedgerEntry(models.Model):
    """An append-only ledger line; a correction is a reversing line, never an edit."""

    class Kind(models.TextChoices):
        AWARD = "award", _("加分")
        DEDUCTION = "deduction", _("扣分")
        CAPPED = "capped", _("已达上限")
        REVERSAL = "reversal", _("冲正")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ledger",
        verbose_name=_("员工"),
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="+", verbose_name=_("规则")
    )
    rule_code = models.CharField(_("规则代码"), max_length=30)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("积分"))
    nominal_points = models.IntegerField(_("按规则应得"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, default=0)
    source_type = models.CharField(_("来源类型"), max_length=60)
    source_id = models.CharField(_("来源编号"), max_length=60)
    period_key = models.CharField(_("计分周期"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    occurred_at = models.DateTimeField(_("发生时间"))
    posted_at = models.DateTimeField(_("记账时间"), default=timezone.now)
    reason = models.CharField(_("说明"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲正的流水"),
    )

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "rule_code", "source_type", "source_id", "period_key"],
                condition=Q(reverses__isnull=True),
                name="one_award_per_source_and_period",
            ),
            models.CheckConstraint(
                condition=~Q(points=0) | Q(kind="capped") | Q(kind="deduction"),
                name="ledger_points_not_zero_unless_capped",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "year", "rule_code"]),
            models.Index(fields=["year", "month"]),
        ]

    def __str__(self):
        return f"{self.user} {self.points:+d} {self.reason}"


class RankedProfile(models.Model):
    """Who the worker is, copied onto each summary row so that a ranking is
    one indexed read: where they sit (their unit's tree path), their role when
    active ("" when not: out of every ranking) and when they were hired (teams
    count members employed by mid-period). Kept in step with the staff record
    by points.services.ranking (the summary rows follow the person)."""

    unit_path = models.CharField(max_length=255, blank=True, default="")
    role = models.CharField(max_length=20, blank=True, default="")
    hired_on = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True


class Balance(RankedProfile):
    """A worker's points and 学时 for one year, kept in step with the ledger."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="balances"
    )
    year = models.PositiveSmallIntegerField()
    points = models.IntegerField(default=0)
    hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the year's total last rose, so ties go to whoever got there first.
    reached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("年度积分")
        verbose_name_plural = _("年度积分")
        permissions = [("view_ranking", _("可查看本单位及下级单位的积分排名"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "year"], name="one_balance_per_year"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0), name="balance_not_negative"
            ),
        ]
        # Rankings read these (points.selectors): a scope's order straight
        # from the index, and a small unit's members by their path.
        indexes = [
            models.Index(
                fields=["year", "role", "-points", "reached_at", "user"],
                name="balance_ranking",
                include=["unit_path", "hours"],
            ),
            models.Index(
                fields=["year", "unit_path"],
                name="balance_unit",
                opclasses=["int2_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.year}: {self.points}"


class MonthTotal(RankedProfile):
    """Points per worker per month, for rankings by month, quarter and year."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    points = models.IntegerField(default=0)
    hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    # When the total last rose, so ties go to whoever got there first.
    reached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "year", "month"], name="one_total_per_month"
            )
        ]
        indexes = [
            models.Index(
                fields=["year", "month", "role", "-points", "reached_at", "user"],
                name="monthtotal_ranking",
                include=["unit_path", "hours"],
            ),
            models.Index(
                fields=["year", "month", "unit_path"],
                name="monthtotal_unit",
                opclasses=["int2_ops", "int2_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.year}-{self.month:02d}: {self.points}"


def _private_storage():
    """STORAGES["private"]: the local disk by default, or an object store."""
    from django.core.files.storage import storages

    return storages["private"]


class Adjustment(models.Model):
    """A proposed award or deduction that needs a second manager's approval.

    Approving posts a ledger line; the worker may then appeal within the
    rulebook's 申诉期限, and a manager other than the proposer decides.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待审批")
        REJECTED = "rejected", _("未批准")
        POSTED = "posted", _("已入账")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("员工"),
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="+", verbose_name=_("规则")
    )
    quantity = models.DecimalField(
        _("学时数"), max_digits=5, decimal_places=1, default=1
    )
    occurred_on = models.DateField(_("发生日期"))
    reason = models.TextField(_("事由"), max_length=500)
    evidence = models.FileField(
        _("证明材料"),
        upload_to="adjustments/%Y/%m/",
        storage=_private_storage,
        blank=True,
    )
    # A page of the manual (a service item): points sits below the manual and
    # names the page only; the form offers service items.
    item = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及事项"),
    )
    condition_code = models.CharField(_("涉及条件编号"), max_length=10, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    proposed_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustment",
    )

    class Meta:
        verbose_name = _("积分审批")
        verbose_name_plural = _("积分审批")
        ordering = ["-proposed_at", "-pk"]
        permissions = [("decide_adjustment", _("可审批积分调整与申诉"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decided_by=models.F("proposed_by")),
                name="adjustment_not_self_approved",
            ),
            models.CheckConstraint(
                condition=~Q(proposed_by=models.F("user")),
                name="adjustment_not_self_proposed",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.rule.name}（{self.get_status_display()}）"

    @property
    def is_deduction(self) -> bool:
        return self.rule.points < 0

    def appeal_deadline(self, overrides=None):
        """The end of the last working day the worker may appeal a posted
        deduction (法定节假日 and 调休 counted as the State Council sets them),
        or None. `overrides` (day → is working day) saves a query per row."""
        if self.status != self.Status.POSTED or not self.is_deduction:
            return None
        return working_days_after(
            self.decided_at, self.rule.version.appeal_days, overrides
        )


def working_days_after(moment, days: int, overrides=None):
    """The end (Asia/Shanghai) of the days-th working day after the moment's day."""
    import datetime

    from points.workdays import add_workdays, overrides_from

    start = timezone.localtime(moment).date()
    if overrides is None:
        overrides = overrides_from(
            WorkdayOverride.objects.filter(
                day__gt=start, day__lte=start + datetime.timedelta(days=days * 3 + 30)
            )
        )
    last = add_workdays(start, days, overrides)
    return datetime.datetime.combine(
        last, datetime.time.max, tzinfo=timezone.get_current_timezone()
    )


class Appeal(models.Model):
    """申诉: the worker disputes a posted deduction, once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        UPHELD = "upheld", _("维持原决定")
        OVERTURNED = "overturned", _("申诉成立，已冲正")

    adjustment = models.OneToOneField(
        Adjustment, on_delete=models.PROTECT, related_name="appeal"
    )
    text = models.TextField(_("申诉理由"), max_length=1000)
    filed_at = models.DateTimeField(_("申诉时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=200, blank=True)
    reversal = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")

    def __str__(self):
        return f"{self.adjustment.user} 申诉（{self.get_status_display()}）"


class PeriodFreeze(models.Model):
    """A closed period for a unit's subtree: its ranking is kept as it stood, and
    entries arriving later are booked to the next open month."""

    unit = models.ForeignKey(
        "learning.OrgUnit", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField(default=0)
    first_month = models.PositiveSmallIntegerField()
    last_month = models.PositiveSmallIntegerField()
    frozen_at = models.DateTimeField(default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("结账冻结")
        verbose_name_plural = _("结账冻结")
        permissions = [("freeze_period", _("可结账冻结本单位的积分周期"))]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "year", "number"], name="one_freeze_per_period"
            )
        ]

    def __str__(self):
        from points.ranking import Period

        return f"{self.unit.name} {Period(self.kind, self.year, self.number).label}"


class FrozenScore(models.Model):
    """One person's line in a frozen ranking, with who they were at the close."""

    freeze = models.ForeignKey(
        PeriodFreeze, on_delete=models.CASCADE, related_name="scores"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150)
    name = models.CharField(max_length=40)
    unit_path = models.CharField(max_length=255)
    unit_name = models.CharField(max_length=60)
    roles = models.CharField(max_length=60)
    hired_on = models.DateField(null=True)
    points = models.IntegerField()
    hours = models.DecimalField(max_digits=7, decimal_places=1)
    reached_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["freeze", "user"], name="one_frozen_score_per_user"
            )
        ]
        indexes = [
            models.Index(
                fields=["freeze", "-points", "reached_at", "user"],
                name="frozenscore_ranking",
            )
        ]

    def __str__(self):
        return f"{self.freeze} {self.name} {self.points}"


class OfflineTraining(models.Model):
    """A classroom session from a sign-in sheet; attendance awards point at it."""

    name = models.CharField(_("培训名称"), max_length=100)
    held_on = models.DateField(_("日期"))
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("线下培训")
        verbose_name_plural = _("线下培训")
        permissions = [("import_attendance", _("可导入线下培训签到表"))]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "held_on"], name="one_training_per_name_and_day"
            )
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.name}"


# ---------------------------------------------------------------- certificates


class CertificateKind(models.TextChoices):
    LEVEL = "level", _("等级证书")
    HOURS = "hours", _("年度学时证书")


# What a trainer may write in a certificate's wording.
CERTIFICATE_PLACEHOLDERS = {
    "姓名": _("持证人姓名"),
    "单位": _("所属单位"),
    "等级": _("等级名称（等级证书）"),
    "年度": _("年度（学时证书）"),
    "学时": _("学时数（学时证书）"),
    "积分": _("累计积分（等级证书）"),
}


class CertificateTemplate(models.Model):
    """The wording, issuer, signature and seal of one kind of certificate."""

    kind = models.CharField(
        _("证书类型"), max_length=10, choices=CertificateKind.choices, unique=True
    )
    title = models.CharField(
        _("标题"), max_length=40, help_text=_("可用占位符，如 {等级}证书")
    )
    body = models.TextField(
        _("正文"),
        max_length=400,
        help_text=_("可用占位符：{姓名} {单位} {等级} {年度} {学时} {积分}"),
    )
    issuer = models.CharField(_("颁发单位"), max_length=40)
    signatory = models.CharField(_("签发人"), max_length=40, blank=True)
    signature = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签名图片"),
    )
    seal = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("印章图片"),
        help_text=_("不上传时印一枚按颁发单位生成的红色印章。"),
    )

    class Meta:
        verbose_name = _("证书样式")
        verbose_name_plural = _("证书样式")

    def __str__(self):
        return self.get_kind_display()


class RevokeCategory(models.TextChoices):
    RECORD_ERROR = "record", _("记录有误")
    POINTS_REVERSED = "reversed", _("所依据的积分已冲正")
    MISCONDUCT = "misconduct", _("违规取得")
    OTHER = "other", _("其他原因")


class Certificate(models.Model):
    """An issued certificate. Never deleted: revoked or superseded, with history."""

    serial = models.CharField(_("证书编号"), max_length=24, unique=True)
    kind = models.CharField(
        _("证书类型"), max_length=10, choices=CertificateKind.choices
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("持证人"),
    )
    # The level's name or the year: one live certificate per person and subject.
    subject = models.CharField(_("内容"), max_length=20)
    holder_name = models.CharField(_("持证人姓名"), max_length=40)
    unit_name = models.CharField(_("所属单位"), max_length=60)
    title = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("正文"))
    issuer = models.CharField(_("颁发单位"), max_length=40)
    signatory = models.CharField(_("签发人"), max_length=40, blank=True)
    points = models.IntegerField(_("累计积分"), null=True, blank=True)
    hours = models.DecimalField(
        _("学时"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    issued_at = models.DateTimeField(_("颁发时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("颁发人"),
    )
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    # The public verify page names the kind of reason, never the manager's words.
    revoke_category = models.CharField(
        _("撤销类别"),
        max_length=12,
        choices=RevokeCategory.choices,
        default=RevokeCategory.OTHER,
    )
    batch = models.ForeignKey(
        "CertificateBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    # The manual's categories (codes) the level rested on: a re-study owed in
    # one of them makes the certificate 待复训. Empty: it covers every category.
    categories = models.JSONField(_("涵盖类别"), default=list, blank=True)
    superseded_at = models.DateTimeField(_("被取代时间"), null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("取代它的证书"),
    )

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_at", "-pk"]
        permissions = [
            ("issue_certificate", _("可颁发证书")),
            ("revoke_certificate", _("可撤销证书")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "subject"],
                condition=Q(revoked_at__isnull=True, superseded_at__isnull=True),
                name="one_live_certificate_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="revocation_has_a_reason",
            ),
        ]

    def __str__(self):
        return f"{self.serial} {self.holder_name} {self.title}"


class CertificateBatch(models.Model):
    """A bulk issue run in the background: who, how far, and the file at the end."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(
        _("证书类型"), max_length=10, choices=CertificateKind.choices
    )
    unit = models.ForeignKey(
        "learning.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("范围"),
    )
    level = models.CharField(_("等级"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("人数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    issued = models.PositiveIntegerField(_("新颁发"), default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    archive = models.FileField(
        upload_to="certificates/batches/", storage=_private_storage, blank=True
    )

    class Meta:
        verbose_name = _("批量颁发")
        verbose_name_plural = _("批量颁发")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return (
            f"{self.unit.name} {self.get_kind_display()} {self.requested_at:%Y-%m-%d}"
        )

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class AttendanceSheet(models.Model):
    """A sign-in sheet held for a second manager: it is large, or it reaches into
    a period already closed. Approving imports the file as checked again then."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已入账")
        REJECTED = "rejected", _("已驳回")

    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件"))
    rows = models.PositiveIntegerField(_("新记人次"))
    reasons = models.JSONField(_("需审批的原因"), default=list)
    scope_path = models.CharField(max_length=255, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("待审批签到表")
        verbose_name_plural = _("待审批签到表")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("submitted_by")),
                name="attendance_sheet_not_self_approved",
            )
        ]

    def __str__(self):
        return f"{self.filename}（{self.rows} 人次）"


class Evidence(models.Model):
    """What a worker has shown, as the apps above reported it: the facts beside
    the points that tiers and the annual grade ask for (积分管理办法 §1, §5)."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("学完类别")
        HIGH_FREQUENCY = "high_freq", _("高频事项全部学完")
        EXAM = "exam", _("年度考试成绩")
        SCENARIO = "scenario", _("情景题成绩")
        PROXY = "proxy", _("代办件数")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    # The category's code, the exam's year, the month of a 代办 count.
    key = models.CharField(_("对象"), max_length=40, blank=True)
    value = models.DecimalField(
        _("数值"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    detail = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("积分佐证")
        verbose_name_plural = _("积分佐证")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"], name="one_evidence_per_key"
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.get_kind_display()} {self.key}"


class RestudyDue(models.Model):
    """A re-study a worker owes, as the manual reported it: what makes their
    certificates for that category 待复训, and 暂停 once it is overdue."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    task_id = models.PositiveBigIntegerField(unique=True)
    item_title = models.CharField(_("事项"), max_length=255)
    category_code = models.CharField(_("类别"), max_length=20)
    assigned_at = models.DateTimeField(_("布置时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待复学")
        verbose_name_plural = _("待复学")
        indexes = [models.Index(fields=["user", "finished_at"])]

    def __str__(self):
        return f"{self.user_id} {self.item_title}"


class HeldAward(models.Model):
    """An award the anomaly check held back (too many hand-ins in an hour, or
    far faster than others): a manager releases it to the ledger or drops it."""

    class Status(models.TextChoices):
        HELD = "held", _("待核查")
        RELEASED = "released", _("已放行入账")
        DROPPED = "dropped", _("不予记分")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("员工"),
    )
    rule_code = models.CharField(_("规则代码"), max_length=30)
    source_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=40)
    occurred_at = models.DateTimeField(_("发生时间"))
    reason = models.CharField(_("事由"), max_length=200)
    why_held = models.CharField(_("暂扣原因"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.HELD
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核查人"),
    )
    decided_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("暂扣积分")
        verbose_name_plural = _("暂扣积分")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "rule_code", "source_type", "source_id"],
                name="one_hold_per_award",
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=models.F("user")),
                name="held_award_not_self_released",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.reason}（{self.get_status_display()}）"


class WorkdayOverride(models.Model):
    """A day the State Council's schedule makes a holiday or a make-up working
    day, for years the bundled calendar does not know yet."""

    day = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), help_text=_("调休上班勾选；放假不勾"))
    note = models.CharField(_("说明"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["-day"]

    panels = [FieldRowPanel(["day", "is_workday", "note"])]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_workday else '放假'}"
