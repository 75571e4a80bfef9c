from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from quizzes import bank
from quizzes.models import ExtraAttemptGrant, Question, QuizPage

_FIELD_BY_COLUMN = {
    "题型": "qtype",
    "题干": "stem",
    "正确答案": "answer_text",
    "解析": "explanation",
    "事项编码": "item",
    "条件编号": "condition_text",
    "难度": "difficulty",
    **{f"选项{letter}": f"option_{letter.lower()}" for letter in bank.LETTERS},
}


class QuestionForm(WagtailAdminModelForm):
    """One question, entered like a row of the import template, checked the same way."""

    stem = forms.CharField(label=_("题干"), widget=forms.Textarea(attrs={"rows": 3}))
    option_a = forms.CharField(label=_("选项A"), required=False)
    option_b = forms.CharField(label=_("选项B"), required=False)
    option_c = forms.CharField(label=_("选项C"), required=False)
    option_d = forms.CharField(label=_("选项D"), required=False)
    option_e = forms.CharField(label=_("选项E"), required=False)
    option_f = forms.CharField(label=_("选项F"), required=False)
    answer_text = forms.CharField(
        label=_("正确答案"),
        help_text=_(
            "单选填 B；多选填 ACD；判断填 对/错；情景题填 符合/不符合；"
            "排序按正确顺序填字母，如 BCAD。"
        ),
    )
    explanation = forms.CharField(
        label=_("解析"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    condition_text = forms.CharField(
        label=_("考查条件"),
        required=False,
        help_text=_(
            "条件编号，如 c3 或 3；也可填 材料、决定层级、办理流程。"
            "情景题的第一个即决定性条件。"
        ),
    )

    class Meta:
        model = Question
        fields = ["item", "qtype", "difficulty", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        question = self.instance
        if question.pk and question.current:
            row = bank.question_row(question)
            for column, name in _FIELD_BY_COLUMN.items():
                if name not in ("item", "qtype", "difficulty"):
                    self.initial[name] = row[column]

    def clean(self):
        cleaned = super().clean()
        item = cleaned.get("item")
        if item is None or not cleaned.get("qtype"):
            return cleaned
        row = {
            column: cleaned.get(name) or ""
            for column, name in _FIELD_BY_COLUMN.items()
            if name not in ("item", "qtype", "difficulty")
        }
        row["事项编码"] = item.item_code
        row["题型"] = bank.LABEL_BY_TYPE[cleaned["qtype"]]
        row["难度"] = bank.LABEL_BY_DIFFICULTY[int(cleaned.get("difficulty") or 2)]
        codes = tuple(c.code for c in item.conditions.all() if c.active)
        data, problems = bank.parse_row(
            row, {item.item_code.upper(): bank.ItemInfo(item.pk, item.item_code, codes)}
        )
        for column, message in problems:
            self.add_error(_FIELD_BY_COLUMN.get(column, None), message)
        self.parsed = data
        return cleaned

    def save(self, commit=True):
        from quizzes.services import question_save_data

        self.instance = question_save_data(
            question=self.instance if self.instance.pk else None,
            item=self.cleaned_data["item"],
            data=self.parsed,
            user=self.for_user,
            status=self.cleaned_data.get("status"),
        )
        return self.instance


class BankUploadForm(forms.Form):
    fmt = forms.ChoiceField(
        label=_("文件格式"),
        choices=[
            ("template", _("模板（.xlsx / .csv）")),
            ("gift", "Moodle GIFT"),
            ("aiken", "Aiken"),
        ],
    )
    default_item = forms.CharField(
        label=_("事项编码"),
        required=False,
        help_text=_("GIFT 与 Aiken 文件没有事项列时填写，如 SH-01。"),
    )
    file = forms.FileField(label=_("文件"))


class ExtraAttemptGrantForm(WagtailAdminModelForm):
    """Only staff of the manager's own units can be granted another attempt."""

    class Meta:
        model = ExtraAttemptGrant
        fields = ["user", "quiz", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from learning.selectors import staff_visible_to

        if self.for_user is not None:
            self.fields["user"].queryset = staff_visible_to(user=self.for_user).exclude(
                pk=self.for_user.pk
            )
        self.fields["quiz"].queryset = QuizPage.objects.filter(
            max_attempts__isnull=False
        ).order_by("path")

    def clean(self):
        from quizzes.services import MSG_SELF_GRANT

        cleaned = super().clean()
        if self.for_user is not None and cleaned.get("user") == self.for_user:
            self.add_error("user", MSG_SELF_GRANT)
        return cleaned

    def save(self, commit=True):
        from quizzes.services import extra_attempt_grant

        self.instance = extra_attempt_grant(
            manager=self.for_user,
            user=self.cleaned_data["user"],
            quiz=self.cleaned_data["quiz"],
            reason=self.cleaned_data["reason"],
        )
        return self.instance
