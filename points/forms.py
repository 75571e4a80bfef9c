import datetime
import re

from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminPageChooser

from learning.selectors import staff_visible_to
from points import rules
from points.defaults import rule_names
from points.models import Adjustment, RulebookVersion

EVIDENCE_TYPES = (".pdf", ".jpg", ".jpeg", ".png")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# What normalise_serial makes of anything that can be a printed serial.
SERIAL_SHAPE = re.compile(r"GC[0-9A-Z]{2}(-[0-9A-Z]{4}){3}")


class RuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, rule):
        return f"{rule.name}（{rule.points:+d} 分）"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        unit = user.org_unit.name if user.org_unit_id else ""
        return f"{user.name}（{user.username}，{unit}）"


class AdjustmentForm(WagtailAdminModelForm):
    """A manager's proposal: only rules that need approval, only their own staff."""

    class Meta:
        model = Adjustment
        fields = [
            "user",
            "rule",
            "quantity",
            "occurred_on",
            "reason",
            "evidence",
            "item",
            "condition_code",
        ]
        field_classes = {"user": StaffChoiceField, "rule": RuleChoiceField}
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        }

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        from points.services import rulebook_in_force

        staff = staff_visible_to(user=for_user).filter(is_active=True)
        self.fields["user"].queryset = staff.exclude(pk=for_user.pk).order_by(
            "org_unit__path", "username"
        )
        version = rulebook_in_force(timezone.localdate())
        self.fields["rule"].queryset = version.rules.filter(needs_approval=True)
        self.fields["quantity"].help_text = _("仅按学时计的规则（如授课）需要填写。")
        self.fields["condition_code"].help_text = _(
            "代办差错须注明涉及的事项和条件编号（如 c2），员工将被安排复学该事项。"
        )
        self.fields["occurred_on"].initial = timezone.localdate()
        # The manual's service item page: named by setting, not imported, as
        # points sits below the manual.
        item_model = apps.get_model(settings.POINTS_ITEM_PAGE_MODEL)
        self.fields["item"].queryset = item_model.objects.all()
        self.fields["item"].widget = AdminPageChooser(target_models=[item_model])

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload or not hasattr(upload, "size"):
            return upload
        if not upload.name.lower().endswith(EVIDENCE_TYPES):
            raise forms.ValidationError(_("证明材料只能是 PDF、JPG 或 PNG 文件。"))
        if upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(_("证明材料不能超过 10 MB。"))
        return upload


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("意见"), max_length=200, required=False)


class AppealDecisionForm(forms.Form):
    note = forms.CharField(label=_("处理意见"), max_length=200)


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("申诉理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NewVersionForm(forms.Form):
    name = forms.CharField(label=_("版本名称"), max_length=40)
    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if RulebookVersion.objects.filter(name=name).exists():
            raise forms.ValidationError(_("已有同名版本。"))
        return name

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        if day <= timezone.localdate():
            raise forms.ValidationError(rules.MSG_NOT_IN_FUTURE)
        if RulebookVersion.objects.filter(effective_from=day).exists():
            raise forms.ValidationError(_("这一天已有版本生效。"))
        return day


class RulebookVersionForm(WagtailAdminModelForm):
    """Editing a version that is not in force yet; the rules the system posts stay."""

    def clean_effective_from(self):
        day: datetime.date = self.cleaned_data["effective_from"]
        if day <= timezone.localdate():
            raise forms.ValidationError(rules.MSG_NOT_IN_FUTURE)
        return day

    def clean(self):
        cleaned = super().clean()
        if self.instance.in_use:
            raise forms.ValidationError(rules.MSG_VERSION_IN_USE)
        return cleaned

    def is_valid(self):
        # The rule rows are only cleaned once the formsets are, after clean().
        if not super().is_valid():
            return False
        codes = []
        for form in self.formsets["rules"].forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("code"):
                continue
            code = data["code"].strip().upper()
            if code in codes:
                form.add_error("code", rules.MSG_DUPLICATE_CODE % {"code": code})
            codes.append(code)
        missing = [c for c in rules.SYSTEM_RULE_CODES if c not in codes]
        if missing:
            names = rule_names()
            named = "、".join(f"{names[code]}（{code}）" for code in missing)
            self.add_error(None, rules.MSG_MISSING_SYSTEM_RULES % {"codes": named})
        return not self.errors and all(
            not f.errors for f in self.formsets["rules"].forms
        )


class CertificateTemplateForm(WagtailAdminModelForm):
    """The trainer's wording: only the placeholders the system fills in."""

    def _checked(self, field):
        from points.certificates import placeholder_problems
        from points.models import CERTIFICATE_PLACEHOLDERS

        text = self.cleaned_data.get(field, "")
        problems = placeholder_problems(text, CERTIFICATE_PLACEHOLDERS)
        if problems:
            raise forms.ValidationError(problems)
        return text

    def clean_title(self):
        return self._checked("title")

    def clean_body(self):
        return self._checked("body")


class RevokeForm(forms.Form):
    category = forms.ChoiceField(
        label=_("撤销类别（核验页公开显示）"),
        choices=[],
        initial="other",
    )
    reason = forms.CharField(
        label=_("撤销原因（仅持证人和管理者可见）"), max_length=200
    )

    def __init__(self, *args, **kwargs):
        from points.models import RevokeCategory

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = RevokeCategory.choices


class BatchForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("范围"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("证书类型"))
    level = forms.ChoiceField(label=_("等级"), required=False)
    year = forms.IntegerField(
        label=_("年度（学时证书）"), required=False, min_value=2017, max_value=2100
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from learning.selectors import org_units_visible_to
        from points.models import CertificateKind
        from points.services import rulebook_in_force

        self.fields["unit"].queryset = org_units_visible_to(user=user).order_by("path")
        self.fields["kind"].choices = CertificateKind.choices
        levels = rulebook_in_force(timezone.localdate()).levels.filter(
            needs_signoff=False
        )
        self.fields["level"].choices = [("", _("已达到的最高等级"))] + [
            (lv.name, lv.name) for lv in levels
        ]
        self.fields["year"].initial = timezone.localdate().year - 1

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "hours" and not cleaned.get("year"):
            self.add_error("year", _("学时证书须选择年度。"))
        return cleaned


class MyPointsQueryForm(forms.Form):
    """?year= on the worker's own page: a year the rulebook covers, not the future."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = forms.IntegerField(
            label=_("年度"),
            required=False,
            min_value=2017,
            max_value=timezone.localdate().year,
        )


class VerifyForm(forms.Form):
    """A serial typed from paper, forgiven case, spaces and O/0, I/1 mix-ups."""

    serial = forms.CharField(label=_("证书编号"), max_length=40)

    def clean_serial(self):
        from points.certificates import normalise_serial

        serial = normalise_serial(self.cleaned_data["serial"])
        if not SERIAL_SHAPE.fullmatch(serial):
            raise forms.ValidationError(
                _("格式不对，应为字母和数字，用短横线分组，如 GC26-7K2M-QX4P-91TB。")
            )
        return serial


class ProxyCasesForm(forms.Form):
    """A manager attests how many applications a worker handled in a month."""

    user = StaffChoiceField(label=_("员工"), queryset=None)
    month = forms.DateField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("代办发生的月份"),
    )
    cases = forms.IntegerField(label=_("代办件数"), min_value=0, max_value=999)

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        staff = staff_visible_to(user=for_user).filter(is_active=True)
        self.fields["user"].queryset = staff.exclude(pk=for_user.pk).order_by(
            "org_unit__path", "username"
        )
        self.fields["month"].initial = timezone.localdate().strftime("%Y-%m")

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > timezone.localdate():
            raise forms.ValidationError(_("月份不能晚于本月。"))
        return month.strftime("%Y-%m")
