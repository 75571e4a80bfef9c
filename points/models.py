from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RulebookVersion(models.Model):
    """A version of the 积分管理办法: rules, levels and targets in force from a date."""

    name = models.CharField(_("版本名称"), max_length=40, unique=True)
    effective_from = models.DateField(_("生效日期"), unique=True)
    annual_target = models.PositiveIntegerField(_("年度达标分"), default=120)
    pass_points = models.PositiveIntegerField(_("年度合格线"), default=80)
    required_offline_hours = models.DecimalField(
        _("必修线下学时"), max_digits=5, decimal_places=1, default=8
    )
    hour_minutes = models.PositiveSmallIntegerField(_("每学时分钟数"), default=45)
    appeal_days = models.PositiveSmallIntegerField(_("申诉期限（天）"), default=10)
    hours_window_years = models.PositiveSmallIntegerField(
        _("学时累计年限"), default=3, help_text=_("继续教育按几年累计学时")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分规则版本")
        verbose_name_plural = _("积分规则版本")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.name}（{self.effective_from:%Y-%m-%d} 起）"


class Rule(models.Model):
    """One line of the rulebook: what earns or costs points, how much, how often."""

    version = models.ForeignKey(
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

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def group(self) -> str:
        return self.cap_group or self.code


class Level(models.Model):
    version = models.ForeignKey(
        RulebookVersion, on_delete=models.CASCADE, related_name="levels"
    )
    name = models.CharField(_("等级"), max_length=20)
    threshold = models.PositiveIntegerField(_("累计积分门槛"))
    needs_signoff = models.BooleanField(_("需管理者认定"), default=False)

    class Meta:
        verbose_name = _("等级")
        verbose_name_plural = _("等级")
        ordering = ["version", "threshold"]

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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger"
    )
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField(max_length=30)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("积分"))
    nominal_points = models.IntegerField(_("按规则应得"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, default=0)
    source_type = models.CharField(max_length=60)
    source_id = models.CharField(max_length=60)
    period_key = models.CharField(max_length=20, blank=True)
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
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
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


class Balance(models.Model):
    """A worker's points and 学时 for one year, kept in step with the ledger."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="balances"
    )
    year = models.PositiveSmallIntegerField()
    points = models.IntegerField(default=0)
    hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)
    updated_at = models.DateTimeField(default=timezone.now)

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

    def __str__(self):
        return f"{self.user} {self.year}: {self.points}"


class MonthTotal(models.Model):
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
        indexes = [models.Index(fields=["year", "month", "-points"])]

    def __str__(self):
        return f"{self.user} {self.year}-{self.month:02d}: {self.points}"
