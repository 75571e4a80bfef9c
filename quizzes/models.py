import hashlib
import re

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page

from manuals.models import LearnerPageMixin
from quizzes import grading


class QuestionType(models.TextChoices):
    SINGLE = grading.SINGLE, _("单选")
    MULTI = grading.MULTI, _("多选")
    JUDGE = grading.JUDGE, _("判断")
    SCENARIO = grading.SCENARIO, _("情景题")
    ORDERING = grading.ORDERING, _("排序")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("易")
    MEDIUM = 2, _("中")
    HARD = 3, _("难")


class QuestionStatus(models.TextChoices):
    ACTIVE = "active", _("启用")
    NEEDS_REVIEW = "needs_review", _("待复核")
    RETIRED = "retired", _("停用")


def stem_fingerprint(item_id: int, stem: str) -> str:
    """Same item and same stem (ignoring spaces and punctuation) = a duplicate."""
    normalised = re.sub(r"[\W_]+", "", stem or "").lower()
    return hashlib.sha1(f"{item_id}:{normalised}".encode()).hexdigest()


class Question(models.Model):
    """A bank question about one service item; its text lives in versions."""

    item = models.ForeignKey(
        "manuals.ServiceItemPage",
        verbose_name=_("服务事项"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    qtype = models.CharField(_("题型"), max_length=10, choices=QuestionType.choices)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=QuestionStatus.choices, default="active"
    )
    review_reason = models.CharField(_("待复核原因"), max_length=200, blank=True)
    current = models.OneToOneField(
        "QuestionVersion",
        verbose_name=_("当前版本"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fingerprint = models.CharField(max_length=40, editable=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题库")
        ordering = ["item__path", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=~Q(status="retired"),
                name="no_duplicate_live_question",
            )
        ]

    def __str__(self):
        return f"[{self.get_qtype_display()}] {self.stem[:40]}"

    @property
    @admin.display(description=_("题干"))
    def stem(self) -> str:
        return self.current.stem if self.current else ""

    @property
    def condition_codes(self) -> list[str]:
        return self.current.condition_codes if self.current else []


class QuestionVersion(models.Model):
    """The wording, options and key a question had; attempts point here for good."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本"))
    stem = models.TextField(_("题干"))
    # [{"key": "A", "text": "…"}]; for 排序 the keys are the steps in their given order
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.JSONField(_("正确答案"))
    explanation = models.TextField(_("解析"), blank=True)
    # Condition codes of the item (c1, c3…) this question tests; for 情景题 the
    # first one is the condition that decides.
    condition_codes = models.JSONField(_("考查条件"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("题目版本")
        verbose_name_plural = _("题目版本")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "number"], name="question_version_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.question_id} v{self.number}"

    def option_text(self, key: str) -> str:
        for option in self.options:
            if option["key"] == key:
                return option["text"]
        return key


class QuizPage(LearnerPageMixin, Page):
    """What every kind of quiz shares; a trainer creates one of the three kinds."""

    class Review(models.TextChoices):
        IMMEDIATE = "immediate", _("交卷后立即显示答案与解析")
        AFTER_CLOSE = "after_close", _("考试结束后显示")
        NEVER = "never", _("不显示")

    intro = models.TextField(_("说明"), blank=True)
    pass_percent = models.PositiveSmallIntegerField(_("及格分（百分制）"), default=80)
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("时间限制（分钟）"), null=True, blank=True, help_text=_("留空为不限时")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("允许次数"), null=True, blank=True, help_text=_("留空为不限次数")
    )
    min_minutes_between = models.PositiveSmallIntegerField(
        _("两次作答最短间隔（分钟）"), default=0
    )
    partial_multi = models.BooleanField(
        _("多选题少选得部分分"), default=False, help_text=_("错选仍不得分")
    )
    review = models.CharField(
        _("答案与解析"), max_length=12, choices=Review.choices, default="immediate"
    )
    opens_at = models.DateTimeField(_("开放时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    points_per_question = models.PositiveSmallIntegerField(_("每题分值"), default=1)

    is_creatable = False
    subpage_types: list[str] = []

    settings_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("pass_percent"), FieldPanel("points_per_question")]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("time_limit_minutes"),
                        FieldPanel("max_attempts"),
                        FieldPanel("min_minutes_between"),
                    ]
                ),
                FieldRowPanel([FieldPanel("partial_multi"), FieldPanel("review")]),
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
            ],
            heading=_("测验规则"),
        ),
        *Page.settings_panels,
    ]

    class Meta:
        verbose_name = _("测验")
        verbose_name_plural = _("测验")

    kind_defaults: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._state.adding and not args:
            for name, value in self.kind_defaults.items():
                if name not in kwargs:
                    setattr(self, name, value)

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.opens_at is None or now >= self.opens_at) and (
            self.closes_at is None or now < self.closes_at
        )

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().serve(request, *args, **kwargs)
        from quizzes.views import quiz_page_serve

        return quiz_page_serve(self.specific, request)


class PracticeQuizPage(QuizPage):
    """随学随练: a few questions on one item; unlimited, instant feedback."""

    item = models.ForeignKey(
        "manuals.ServiceItemPage",
        verbose_name=_("服务事项"),
        on_delete=models.PROTECT,
        related_name="practice_quizzes",
    )
    question_count = models.PositiveSmallIntegerField(_("每次题数"), default=5)

    kind_defaults = {"pass_percent": 80, "review": "immediate", "partial_multi": True}
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("item"), FieldPanel("question_count")]),
    ]
    parent_page_types = ["manuals.ServiceItemPage", "quizzes.QuizIndexPage"]

    class Meta:
        verbose_name = _("随学随练")
        verbose_name_plural = _("随学随练")


class CategoryQuizPage(QuizPage):
    """分类测验: N questions drawn from one category under stated rules."""

    category = models.ForeignKey(
        "manuals.CategoryPage",
        verbose_name=_("服务类别"),
        on_delete=models.PROTECT,
        related_name="category_quizzes",
    )

    kind_defaults = {
        "pass_percent": 80,
        "time_limit_minutes": 20,
        "max_attempts": 3,
        "min_minutes_between": 30,
        "review": "immediate",
    }
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("category"),
        InlinePanel("draw_rules", heading=_("抽题规则"), label=_("规则"), min_num=1),
    ]
    parent_page_types = ["quizzes.QuizIndexPage", "manuals.CategoryPage"]

    class Meta:
        verbose_name = _("分类测验")
        verbose_name_plural = _("分类测验")


class AnnualExamPage(QuizPage):
    """年度考试: a window, draw rules per category, one attempt unless granted."""

    kind_defaults = {
        "pass_percent": 60,
        "time_limit_minutes": 60,
        "max_attempts": 1,
        "review": "after_close",
        "points_per_question": 2,
    }
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        InlinePanel("draw_rules", heading=_("抽题规则"), label=_("规则"), min_num=1),
    ]
    parent_page_types = ["quizzes.QuizIndexPage"]

    class Meta:
        verbose_name = _("年度考试")
        verbose_name_plural = _("年度考试")


class QuizIndexPage(LearnerPageMixin, Page):
    """测验中心: where category tests and annual exams are listed."""

    intro = models.TextField(_("说明"), blank=True)
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["manuals.ManualIndexPage"]
    subpage_types = [
        "quizzes.CategoryQuizPage",
        "quizzes.AnnualExamPage",
        "quizzes.PracticeQuizPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("测验中心")

    def get_context(self, request, *args, **kwargs):
        from quizzes.selectors import quiz_centre_for

        context = super().get_context(request, *args, **kwargs)
        context.update(quiz_centre_for(user=request.user))
        return context


class DrawRuleRow(Orderable):
    """How many questions to draw from a category, an item or a type."""

    quiz = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="draw_rules")
    category = models.ForeignKey(
        "manuals.CategoryPage",
        verbose_name=_("类别"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    item = models.ForeignKey(
        "manuals.ServiceItemPage",
        verbose_name=_("事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    qtype = models.CharField(
        _("题型"), max_length=10, choices=QuestionType.choices, blank=True
    )
    count = models.PositiveSmallIntegerField(_("题数"))

    panels = [
        FieldRowPanel(
            [
                FieldPanel("category"),
                FieldPanel("item"),
                FieldPanel("qtype"),
                FieldPanel("count"),
            ]
        )
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("抽题规则")
        verbose_name_plural = _("抽题规则")

    def __str__(self):
        parts = [str(p) for p in (self.category, self.item) if p]
        if self.qtype:
            parts.append(self.get_qtype_display())
        return f"{'·'.join(parts) or _('全部')} × {self.count}"


class Attempt(models.Model):
    """One sitting of a quiz; the questions and option order are fixed at start."""

    class Status(models.TextChoices):
        OPEN = "open", _("作答中")
        SUBMITTED = "submitted", _("已交卷")

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    quiz = models.ForeignKey(
        QuizPage, on_delete=models.PROTECT, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    status = models.CharField(max_length=10, choices=Status.choices, default="open")
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    auto_submitted = models.BooleanField(_("超时自动交卷"), default=False)
    earned = models.FloatField(_("得分"), null=True, blank=True)
    possible = models.FloatField(_("满分"), null=True, blank=True)
    percent = models.FloatField(_("百分制得分"), null=True, blank=True)
    passed = models.BooleanField(_("及格"), null=True, blank=True)
    perfect = models.BooleanField(_("满分"), default=False)
    grant = models.OneToOneField(
        "ExtraAttemptGrant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="used_by",
    )

    class Meta:
        verbose_name = _("作答记录")
        verbose_name_plural = _("作答记录")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(status="open"),
                name="one_open_attempt_per_quiz",
            ),
            models.UniqueConstraint(
                fields=["user", "quiz", "number"], name="attempt_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["quiz", "status"])]

    def __str__(self):
        return f"{self.user} · {self.quiz.title} · 第{self.number}次"


class AttemptQuestion(models.Model):
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="+"
    )
    # Option keys in the order this worker sees them.
    option_order = models.JSONField(default=list)
    points = models.FloatField()
    response = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    # The page numbers each autosave; a save numbered no higher than this one
    # arrived late and must not overwrite a newer answer.
    save_sequence = models.PositiveBigIntegerField(default=0)
    credit = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="attempt_question_position_unique"
            )
        ]

    def __str__(self):
        return f"{self.attempt_id}#{self.position}"


class ExtraAttemptGrant(models.Model):
    """A manager lets one named worker sit a quiz once more."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("社工"),
        on_delete=models.CASCADE,
        related_name="extra_attempts",
    )
    quiz = models.ForeignKey(
        QuizPage, verbose_name=_("测验"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=200)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("批准时间"), default=timezone.now)

    class Meta:
        verbose_name = _("补考许可")
        verbose_name_plural = _("补考许可")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(user=models.F("granted_by")),
                name="extra_attempt_not_self_granted",
                violation_error_message=_("不能给自己补考许可。"),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.quiz.title}"


class WrongBookEntry(models.Model):
    """错题本: stays open until the question is answered right twice in a row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wrong_book"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    times_wrong = models.PositiveIntegerField(default=0)
    right_streak = models.PositiveSmallIntegerField(default=0)
    last_wrong_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("错题")
        verbose_name_plural = _("错题本")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "question"], name="one_wrong_book_row"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.question_id}"
