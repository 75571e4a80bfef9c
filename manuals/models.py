from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import AbstractGroupApprovalTask, Orderable, Page, Revision
from wagtail.search import index

from learning.search import SegmentedAutocompleteField, SegmentedSearchField
from manuals.forms import ServiceItemPageForm
from manuals.rules import required_seconds


class HandlingType(models.TextChoices):
    INSTANT = "instant", _("即办件")
    UNDERTAKEN = "undertaken", _("承办件")
    REFERRED = "referred", _("交办件")
    PROXY = "proxy", _("代办件")
    CONSULT = "consult", _("政策咨询")


class Level(models.TextChoices):
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DISTRICT = "district", _("区")
    CITY = "city", _("市")


class LegalNature(models.TextChoices):
    PERMIT = "行政许可", _("行政许可")
    CONFIRMATION = "行政确认", _("行政确认")
    BENEFIT = "行政给付", _("行政给付")
    PUBLIC_SERVICE = "公共服务", _("公共服务")
    OTHER = "其他", _("其他")


class TimeUnit(models.TextChoices):
    WORKDAY = "workday", _("工作日")
    CALENDAR = "calendar", _("自然日")


class ChangeKind(models.TextChoices):
    MATERIAL = "material", _("实质性变更")
    WORDING = "wording", _("文字修订")


class StructurePageMixin:
    """The root and the categories hold the manual together: see
    manuals.permissions for who may take them offline or delete them."""

    def permissions_for_user(self, user):
        from manuals.permissions import StructurePagePermissionTester

        return StructurePagePermissionTester(user, self)


class LearnerPageMixin:
    """Manual pages are for staff: visitors are sent to the login page."""

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return super().serve(request, *args, **kwargs)


class ManualIndexPage(StructurePageMixin, LearnerPageMixin, Page):
    """手册首页: the root of the 全能社工培训手册."""

    intro = RichTextField(_("简介"), blank=True, features=["bold", "link", "ol", "ul"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "manuals.CategoryPage",
        "manuals.ChapterPage",
        "quizzes.QuizIndexPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("手册首页")

    def get_context(self, request, *args, **kwargs):
        from manuals.selectors import study_progress

        context = super().get_context(request, *args, **kwargs)
        context["progress"] = study_progress(user=request.user)
        context["chapters"] = ChapterPage.objects.child_of(self).live().order_by("path")
        return context


class CategoryPage(StructurePageMixin, LearnerPageMixin, Page):
    """One of the centre's 7 service categories."""

    code = models.CharField(_("类别代码"), max_length=4, unique=True)
    intro = models.TextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("code"), FieldPanel("intro")]
    parent_page_types = ["manuals.ManualIndexPage"]
    subpage_types = ["manuals.ServiceItemPage", "quizzes.CategoryQuizPage"]

    class Meta:
        verbose_name = _("服务类别")
        verbose_name_plural = _("服务类别")

    def get_context(self, request, *args, **kwargs):
        from manuals.selectors import category_items_for

        context = super().get_context(request, *args, **kwargs)
        context["items"] = category_items_for(category=self, user=request.user)
        context["quizzes"] = self.get_children().live().not_type(ServiceItemPage)
        return context


class ChapterPage(LearnerPageMixin, Page):
    """Free-form training content: 服务礼仪, 代办流程, 最多跑一次, the three roles."""

    intro = models.TextField(_("导语"), blank=True)
    body = StreamField(
        [
            ("heading", blocks.CharBlock(label=_("小标题"), form_classname="title")),
            ("paragraph", blocks.RichTextBlock(label=_("段落"))),
            (
                "tip",
                blocks.StructBlock(
                    [
                        ("title", blocks.CharBlock(label=_("标题"))),
                        ("text", blocks.TextBlock(label=_("内容"))),
                    ],
                    label=_("提示框"),
                    icon="help",
                ),
            ),
        ],
        verbose_name=_("正文"),
        use_json_field=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["manuals.ManualIndexPage"]
    subpage_types: list[str] = []
    search_fields = [
        *Page.search_fields,
        SegmentedSearchField("title", boost=3),
        SegmentedAutocompleteField("title"),
        SegmentedSearchField("intro"),
        SegmentedSearchField("body"),
    ]

    class Meta:
        verbose_name = _("培训章节")
        verbose_name_plural = _("培训章节")


class ServiceItemPage(LearnerPageMixin, Page):
    """One service item (事项), its conditions as addressable rows."""

    official_name = models.CharField(
        _("事项全称"), max_length=120, blank=True, help_text=_("与标题不同时填写")
    )
    item_code = models.CharField(
        _("事项编码"),
        max_length=20,
        unique=True,
        help_text=_("手册内唯一，如 SH-01；题库导入按此编码关联事项。"),
    )
    portal_code = models.CharField(_("政务服务网事项编码"), max_length=60, blank=True)
    keywords = models.CharField(
        _("居民常用说法"),
        max_length=200,
        blank=True,
        help_text=_("用空格分隔，如：低保 困难家庭。用于搜索。"),
    )
    legal_nature = models.CharField(
        _("事项类型"), max_length=8, choices=LegalNature.choices, blank=True
    )
    handling_type = models.CharField(
        _("处理方式"), max_length=12, choices=HandlingType.choices
    )
    decided_at = models.CharField(_("决定层级"), max_length=12, choices=Level.choices)
    accepted_at = models.CharField(
        _("受理层级"), max_length=12, choices=Level.choices, default=Level.COMMUNITY
    )
    applicant = models.CharField(_("办理对象"), max_length=120)
    promised_days = models.PositiveSmallIntegerField(
        _("承诺时限（天）"), null=True, blank=True, help_text=_("0 表示即办")
    )
    legal_days = models.PositiveSmallIntegerField(
        _("法定期限（天）"), null=True, blank=True
    )
    time_limit_unit = models.CharField(
        _("时限单位"), max_length=10, choices=TimeUnit.choices, default=TimeUnit.WORKDAY
    )
    time_limit_note = models.CharField(_("时限说明"), max_length=80, blank=True)
    is_free = models.BooleanField(_("不收费"), default=True)
    fee_note = models.CharField(_("收费说明"), max_length=200, blank=True)
    location = models.CharField(_("办理地点"), max_length=120, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    can_apply_online = models.BooleanField(_("可网办"), default=False)
    can_proxy = models.BooleanField(_("可代办"), default=False)
    home_visit = models.BooleanField(_("上门服务"), default=False)
    high_frequency = models.BooleanField(_("高频事项"), default=False)
    discontinued = models.BooleanField(
        _("已取消"), default=False, help_text=_("事项已停办，保留页面供查询。")
    )
    notes = RichTextField(
        _("其他说明"), blank=True, features=["bold", "italic", "link", "ol", "ul"]
    )
    study_seconds = models.PositiveIntegerField(
        _("最短学习时间（秒）"),
        null=True,
        blank=True,
        help_text=_("留空则按内容长度计算：至少 60 秒，每 500 字 1 分钟。"),
    )
    change_kind = models.CharField(
        _("本次修改性质"),
        max_length=10,
        choices=ChangeKind.choices,
        blank=True,
        help_text=_(
            "实质性变更（条件、材料、时限、处理方式、层级、依据有变化）会要求学过的社工复学；"
            "文字修订不会。留空则由系统按改动内容判断。"
        ),
    )
    change_note = models.CharField(
        _("修改说明"),
        max_length=200,
        blank=True,
        help_text=_("向社工说明本次改了什么。"),
    )

    base_form_class = ServiceItemPageForm
    parent_page_types = ["manuals.CategoryPage"]
    subpage_types = ["quizzes.PracticeQuizPage"]

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("item_code"), FieldPanel("portal_code")]),
                FieldPanel("official_name"),
                FieldPanel("keywords"),
                FieldRowPanel(
                    [FieldPanel("legal_nature"), FieldPanel("handling_type")]
                ),
                FieldRowPanel([FieldPanel("accepted_at"), FieldPanel("decided_at")]),
                FieldPanel("applicant"),
                FieldRowPanel(
                    [
                        FieldPanel("can_apply_online"),
                        FieldPanel("can_proxy"),
                        FieldPanel("home_visit"),
                        FieldPanel("high_frequency"),
                        FieldPanel("discontinued"),
                    ]
                ),
            ],
            heading=_("基本信息"),
        ),
        InlinePanel("conditions", heading=_("受理条件"), label=_("条件")),
        InlinePanel("materials", heading=_("申请材料"), label=_("材料")),
        InlinePanel("steps", heading=_("办理流程"), label=_("步骤")),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("promised_days"),
                        FieldPanel("legal_days"),
                        FieldPanel("time_limit_unit"),
                    ]
                ),
                FieldPanel("time_limit_note"),
                FieldRowPanel([FieldPanel("is_free"), FieldPanel("fee_note")]),
                FieldRowPanel([FieldPanel("location"), FieldPanel("phone")]),
            ],
            heading=_("时限、收费与地点"),
        ),
        InlinePanel("legal_bases", heading=_("设定依据"), label=_("依据")),
        InlinePanel("faqs", heading=_("常见问题"), label=_("问答")),
        FieldPanel("notes"),
    ]
    change_panels = [
        MultiFieldPanel(
            [FieldPanel("change_kind"), FieldPanel("change_note")],
            heading=_("发布说明"),
        ),
        FieldPanel("study_seconds"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("内容")),
            ObjectList(change_panels, heading=_("发布与学习")),
            ObjectList(Page.promote_panels, heading=_("推广")),
        ]
    )

    search_fields = [
        *Page.search_fields,
        SegmentedSearchField("title", boost=4),
        SegmentedSearchField("keywords", boost=4),
        SegmentedAutocompleteField("title"),
        SegmentedAutocompleteField("keywords"),
        SegmentedSearchField("item_code", boost=2),
        SegmentedSearchField("applicant"),
        index.RelatedFields("conditions", [SegmentedSearchField("text")]),
        index.RelatedFields("materials", [SegmentedSearchField("name")]),
        index.RelatedFields(
            "faqs", [SegmentedSearchField("question"), SegmentedSearchField("answer")]
        ),
        SegmentedSearchField("notes"),
        index.FilterField("item_code"),
        index.FilterField("discontinued"),
    ]

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")

    def clean(self):
        super().clean()
        if (
            self.promised_days is not None
            and self.legal_days is not None
            and self.promised_days > self.legal_days
        ):
            raise ValidationError({"promised_days": _("承诺时限不能长于法定期限。")})

    @cached_property
    def category(self):
        return self.get_parent().specific

    @property
    def active_conditions(self):
        return [c for c in self.conditions.all() if c.active]

    def condition_number(self, code: str) -> int | None:
        """1-based position among the active conditions, as workers see it."""
        for number, condition in enumerate(self.active_conditions, start=1):
            if condition.code == code:
                return number
        return None

    def text_length(self) -> int:
        parts = [self.title, self.applicant, self.time_limit_note, self.notes]
        parts += [c.text for c in self.conditions.all()]
        parts += [f"{m.name}{m.note}" for m in self.materials.all()]
        parts += [f"{s.name}{s.description}" for s in self.steps.all()]
        parts += [f"{f.question}{f.answer}" for f in self.faqs.all()]
        return sum(len(p or "") for p in parts)

    def required_study_seconds(self) -> int:
        return required_seconds(
            override=self.study_seconds, characters=self.text_length()
        )

    def get_context(self, request, *args, **kwargs):
        from manuals.selectors import item_context_for

        context = super().get_context(request, *args, **kwargs)
        context.update(item_context_for(page=self, user=request.user))
        return context


class Condition(Orderable):
    """A 受理条件 row; its code (c1, c2…) never changes once given."""

    class Kind(models.TextChoices):
        REQUIRED = "required", _("必备")
        EXCLUSION = "exclusion", _("排除")
        ANY_OF = "any_of", _("其一即可")

    page = ParentalKey(
        ServiceItemPage, on_delete=models.CASCADE, related_name="conditions"
    )
    code = models.CharField(_("条件编号"), max_length=8, blank=True, editable=False)
    text = models.TextField(_("条件内容"))
    kind = models.CharField(
        _("类型"), max_length=10, choices=Kind.choices, default="required"
    )
    parameter = models.CharField(
        _("参数"), max_length=60, blank=True, help_text=_("如：年龄≥60")
    )
    active = models.BooleanField(
        _("有效"),
        default=True,
        help_text=_("条件废止时取消勾选，不要删除，以免题目失去出处。"),
    )

    panels = [
        FieldPanel("text"),
        FieldRowPanel(
            [FieldPanel("kind"), FieldPanel("parameter"), FieldPanel("active")]
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("受理条件")
        verbose_name_plural = _("受理条件")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "code"],
                condition=~Q(code=""),
                name="condition_code_unique_per_item",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.text[:30]}"

    @property
    def anchor(self) -> str:
        return f"cond-{self.code}"


class Material(Orderable):
    """A 申请材料 row; coded like conditions so changes can be tracked row by row."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("原件")
        COPY = "copy", _("复印件")
        BOTH = "both", _("原件和复印件")

    class Necessity(models.TextChoices):
        REQUIRED = "required", _("必要")
        OPTIONAL = "optional", _("非必要")
        DEFERRABLE = "deferrable", _("容缺（可后补）")

    page = ParentalKey(
        ServiceItemPage, on_delete=models.CASCADE, related_name="materials"
    )
    code = models.CharField(_("材料编号"), max_length=8, blank=True, editable=False)
    name = models.CharField(_("材料名称"), max_length=120)
    form = models.CharField(
        _("形式"), max_length=10, choices=Form.choices, default="original"
    )
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    necessity = models.CharField(
        _("必要性"), max_length=12, choices=Necessity.choices, default="required"
    )
    note = models.CharField(_("填报须知"), max_length=200, blank=True)

    panels = [
        FieldPanel("name"),
        FieldRowPanel(
            [FieldPanel("form"), FieldPanel("copies"), FieldPanel("necessity")]
        ),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "code"],
                condition=~Q(code=""),
                name="material_code_unique_per_item",
            )
        ]

    def __str__(self):
        return self.name


class Step(Orderable):
    page = ParentalKey(ServiceItemPage, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(_("步骤"), max_length=60)
    actor = models.CharField(_("办理主体"), max_length=60, blank=True)
    days = models.PositiveSmallIntegerField(_("天数"), null=True, blank=True)
    counts_in_limit = models.BooleanField(
        _("计入时限"), default=True, help_text=_("公示、鉴定等特别程序不计入")
    )
    description = models.TextField(_("说明"), blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("actor"), FieldPanel("days")]),
        FieldPanel("counts_in_limit"),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("办理步骤")
        verbose_name_plural = _("办理流程")

    def __str__(self):
        return self.name


class LegalBasis(Orderable):
    page = ParentalKey(
        ServiceItemPage, on_delete=models.CASCADE, related_name="legal_bases"
    )
    title = models.CharField(_("法规名称"), max_length=120)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    article = models.CharField(_("条款"), max_length=60, blank=True)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("doc_number"), FieldPanel("article")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("设定依据")
        verbose_name_plural = _("设定依据")

    def __str__(self):
        return " ".join(p for p in (self.title, self.doc_number, self.article) if p)


class FAQ(Orderable):
    page = ParentalKey(ServiceItemPage, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("解答"))

    panels = [FieldPanel("question"), FieldPanel("answer")]

    class Meta(Orderable.Meta):
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")

    def __str__(self):
        return self.question


class ItemPublication(models.Model):
    """One publication of an item: a snapshot and what changed since the last."""

    page = models.ForeignKey(
        ServiceItemPage, on_delete=models.CASCADE, related_name="publications"
    )
    revision = models.OneToOneField(
        Revision, on_delete=models.PROTECT, related_name="item_publication"
    )
    kind = models.CharField(
        _("性质"),
        max_length=10,
        choices=[("first", _("首次发布")), *ChangeKind.choices],
    )
    kind_chosen_by_editor = models.BooleanField(_("由编辑判定"), default=False)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    snapshot = models.JSONField(_("发布内容快照"))
    changes = models.JSONField(_("变更明细"), default=dict, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("事项发布记录")
        verbose_name_plural = _("事项发布记录")
        ordering = ["-published_at", "-pk"]
        get_latest_by = "published_at"

    def __str__(self):
        return f"{self.page.title} · {self.get_kind_display()}"


class ReadingSession(models.Model):
    """Server-side dwell timer: visible time is credited only between heartbeats."""

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    page = models.ForeignKey(ServiceItemPage, on_delete=models.CASCADE)
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE)
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField()
    visible_seconds = models.FloatField(default=0)
    reached_end = models.BooleanField(default=False)
    required_seconds = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("阅读计时")
        verbose_name_plural = _("阅读计时")
        indexes = [models.Index(fields=["user", "page"])]

    def __str__(self):
        return f"{self.user} · {self.page_id} · {self.visible_seconds:.0f}s"


class StudyRecord(models.Model):
    """A confirmed read of one revision of an item by one worker."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_records"
    )
    page = models.ForeignKey(
        ServiceItemPage, on_delete=models.CASCADE, related_name="study_records"
    )
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    studied_at = models.DateTimeField(_("学习时间"))
    seconds = models.PositiveIntegerField(_("有效阅读秒数"))
    is_restudy = models.BooleanField(_("复学"), default=False)

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "page", "revision"],
                name="one_study_record_per_revision",
            )
        ]
        indexes = [models.Index(fields=["user", "page", "-studied_at"])]

    def __str__(self):
        return f"{self.user} · {self.page.title}"


class RestudyTask(models.Model):
    """待复学: a worker who studied an item must re-read it after a material change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="restudy_tasks"
    )
    page = models.ForeignKey(
        ServiceItemPage, on_delete=models.CASCADE, related_name="restudy_tasks"
    )
    publication = models.ForeignKey(
        ItemPublication, on_delete=models.CASCADE, related_name="restudy_tasks"
    )
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(_("复学期限"))
    # Re-study is done when both have happened since the change, in either order.
    reread_at = models.DateTimeField(_("重新学习时间"), null=True, blank=True)
    quiz_passed_at = models.DateTimeField(_("测验通过时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.OneToOneField(
        StudyRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("复学任务")
        verbose_name_plural = _("复学任务")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "page"],
                condition=Q(completed_at__isnull=True),
                name="one_open_restudy_task_per_item",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.page.title}"


class ReviewTask(AbstractGroupApprovalTask):
    """Approval by a member of the chosen groups other than the person who
    submitted the change or wrote the revision under review (four eyes)."""

    def _is_own_work(self, obj, user) -> bool:
        state = getattr(obj, "current_workflow_state", None)
        if state is None:
            return False
        if state.requested_by_id == user.pk:
            return True
        task_state = state.current_task_state
        revision = task_state.revision if task_state else None
        return revision is not None and revision.user_id == user.pk

    def get_actions(self, obj, user):
        if self._is_own_work(obj, user):
            return []
        return super().get_actions(obj, user)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        return (
            super()
            .get_task_states_user_can_moderate(user, **kwargs)
            .exclude(workflow_state__requested_by=user)
            .exclude(revision__user=user)
        )

    @classmethod
    def get_description(cls):
        return _("所选用户组的成员审核，提交人和修改人本人不能审核")

    class Meta:
        verbose_name = _("他人审核")
        verbose_name_plural = _("他人审核")
