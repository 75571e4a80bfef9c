from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from learning.imports import import_in_two_steps
from learning.permissions import ScopedViewSetMixin
from learning.viewsets import IdChoiceFilter, _download
from manuals.models import CategoryPage, ServiceItemPage
from quizzes import bank
from quizzes.forms import BankUploadForm, ExtraAttemptGrantForm, QuestionForm
from quizzes.models import ExtraAttemptGrant, Question, QuestionStatus
from quizzes.selectors import bank_statistics
from quizzes.services import bank_export

SESSION_KEY = "bank_upload"


class QuestionFilterSet(WagtailFilterSet):
    category = IdChoiceFilter(
        label=_("服务类别"),
        queryset=CategoryPage.objects.all().order_by("path"),
        method="filter_category",
    )
    item = IdChoiceFilter(
        label=_("服务事项"), queryset=ServiceItemPage.objects.all().order_by("path")
    )

    class Meta:
        model = Question
        fields = ["category", "item", "qtype", "difficulty", "status"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(item__path__startswith=value.path)


class QuestionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("current", "item")

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        user = self.request.user
        if user.has_perm("quizzes.add_question"):
            buttons.append(
                HeaderButton(
                    _("导入题目"), url=reverse("questions:import"), icon_name="upload"
                )
            )
        buttons += [
            HeaderButton(
                _("导出 Excel"), url=reverse("questions:export"), icon_name="download"
            ),
            HeaderButton(
                _("题目统计"), url=reverse("questions:stats"), icon_name="table"
            ),
        ]
        return buttons


class QuestionInspectView(generic.InspectView):
    """A question read as it is written in the template: managers may only read
    the bank, so this is their way in; trainers also get 编辑 here."""

    page_title = _("查看题目")
    labels = {
        "item": _("服务事项"),
        "qtype": _("题型"),
        "difficulty": _("难度"),
        "status": _("状态"),
        "review_reason": _("待复核原因"),
        "stem": _("题干"),
        "options": _("选项"),
        "answer": _("正确答案"),
        "explanation": _("解析"),
        "conditions": _("考查条件"),
        "version": _("当前版本"),
    }

    # Shown as the import template writes them, so a trainer reads one language.
    TEMPLATE_COLUMNS = {
        "answer": "正确答案",
        "explanation": "解析",
        "conditions": "条件编号",
    }

    def get_fields(self):
        return list(self.labels)

    def get_object(self, queryset=None):
        question = get_object_or_404(
            Question.objects.select_related("current", "item"), pk=unquote(str(self.pk))
        )
        self.row = bank.question_row(question) if question.current else {}
        return question

    def get_field_label(self, field_name, field):
        return self.labels[field_name]

    def get_field_display_value(self, field_name, field):
        if field_name in self.TEMPLATE_COLUMNS:
            return self.row.get(self.TEMPLATE_COLUMNS[field_name]) or "—"
        if field_name == "options":
            options = [
                f"{letter}. {self.row[column]}"
                for letter, column in zip(
                    bank.LETTERS, bank.OPTION_COLUMNS, strict=True
                )
                if self.row.get(column)
            ]
            return " ／ ".join(options) or "—"
        if field_name == "version":
            current = self.object.current
            return f"v{current.number}" if current else "—"
        return super().get_field_display_value(field_name, field) or "—"


class QuestionViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("题库")
    url_prefix = "questions"
    name = "questions"
    index_view_class = QuestionIndexView
    inspect_view_enabled = True
    inspect_view_class = QuestionInspectView
    copy_view_enabled = False
    filterset_class = QuestionFilterSet
    search_fields = ["current__stem", "item__title"]
    search_backend_name = None
    list_per_page = 50
    # The stem opens the question: 编辑 for trainers, 查看 for managers.
    list_display = [
        "stem",
        Column("item", label=_("事项")),
        "qtype",
        "difficulty",
        "status",
    ]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("item"), FieldPanel("qtype")]),
            FieldRowPanel([FieldPanel("difficulty"), FieldPanel("status")]),
            FieldPanel("stem"),
            FieldRowPanel([FieldPanel("option_a"), FieldPanel("option_b")]),
            FieldRowPanel([FieldPanel("option_c"), FieldPanel("option_d")]),
            FieldRowPanel([FieldPanel("option_e"), FieldPanel("option_f")]),
            FieldRowPanel([FieldPanel("answer_text"), FieldPanel("condition_text")]),
            FieldPanel("explanation"),
        ],
        base_form_class=QuestionForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
            path("export/", self.export_view, name="export"),
            path("template/", self.template_view, name="template"),
            path("stats/", self.stats_view, name="stats"),
        ]

    def export_view(self, request):
        if not request.user.has_perm("quizzes.view_question"):
            raise PermissionDenied
        fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
        queryset = Question.objects.exclude(status=QuestionStatus.RETIRED).order_by(
            "item__path", "pk"
        )
        return _download(bank_export(queryset=queryset, fmt=fmt), f"题库.{fmt}", fmt)

    def template_view(self, request):
        if not request.user.has_perm("quizzes.view_question"):
            raise PermissionDenied
        fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
        return _download(
            bank_export(queryset=Question.objects.none(), fmt=fmt),
            f"题库模板.{fmt}",
            fmt,
        )

    def import_view(self, request):
        if not request.user.has_perm("quizzes.add_question"):
            raise PermissionDenied

        def read_upload(request, context):
            form = BankUploadForm(request.POST, request.FILES)
            context["form"] = form
            if not form.is_valid():
                return None
            options = {
                "fmt": form.cleaned_data["fmt"],
                "default_item": form.cleaned_data["default_item"],
            }
            return form.cleaned_data["file"], options

        return import_in_two_steps(
            request,
            kind="bank",
            session_key=SESSION_KEY,
            read_upload=read_upload,
            template="quizzes/admin/bank_import.html",
            context={"page_title": _("导入题目"), "form": BankUploadForm()},
        )

    def stats_view(self, request):
        if not request.user.has_perm("quizzes.view_question"):
            raise PermissionDenied
        context = {
            "page_title": _("题目统计"),
            # Managers only read the bank: their links open the read-only view.
            "open_view": (
                "questions:edit"
                if request.user.has_perm("quizzes.change_question")
                else "questions:inspect"
            ),
            **bank_statistics(user=request.user),
        }
        items = {i.pk: i for i in ServiceItemPage.objects.all()}
        for stat in context["conditions"]:
            item = items.get(stat.item_id)
            stat.item = item
            stat.number = item.condition_number(stat.code) if item else None
        return render(request, "quizzes/admin/bank_stats.html", context)


class ExtraAttemptGrantViewSet(ScopedViewSetMixin, ModelViewSet):
    """补考许可: a manager lets one named worker of their own units sit again."""

    model = ExtraAttemptGrant
    icon = "redirect"
    menu_label = _("补考许可")
    url_prefix = "extra-attempts"
    name = "extra_attempts"
    copy_view_enabled = False
    list_display = ["user", "quiz", "reason", "granted_by", "granted_at"]
    edit_handler = ObjectList(
        [FieldPanel("user"), FieldPanel("quiz"), FieldPanel("reason")],
        base_form_class=ExtraAttemptGrantForm,
    )


class QuizzesGroup(ViewSetGroup):
    menu_label = _("题库与测验")
    menu_icon = "help"
    menu_order = 220
    items = (QuestionViewSet, ExtraAttemptGrantViewSet)
