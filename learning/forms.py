import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from learning.roles import Role
from learning.selectors import org_units_visible_to
from learning.services import role_assignable_by

# What a primary key in a query string can be; anything else never reaches the
# database (an id beyond 64 bits overflows SQLite and PostgreSQL).
_ID = re.compile(r"[0-9]{1,18}")


def looks_like_id(value) -> bool:
    """Whether a value from a query string can be a primary key at all."""
    return bool(_ID.fullmatch(str(value)))


def labelled_errors(form) -> list[str]:
    """A form's errors as the user reads them: 「年度：…」, never the field's name."""
    return [
        f"{form.fields[name].label}：{error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    ]


class StaffMemberForm(WagtailAdminModelForm):
    """Adds or edits one staff member within the editor's own subtree."""

    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    initial_password = forms.CharField(
        label=_("初始密码"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("仅新增员工时填写；留空则该账号需重置密码后才能登录。"),
    )

    class Meta:
        fields = [
            "username",
            "name",
            "phone",
            "org_unit",
            "position",
            "hired_on",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].required = True
        if self.for_user is not None:
            self.fields["org_unit"].queryset = org_units_visible_to(user=self.for_user)
        if self.instance.pk:
            self.fields["username"].disabled = True
            self.fields.pop("initial_password")
            labels = self.instance.role_labels
            for role in Role:
                if str(role.label) in labels:
                    self.initial["role"] = role.value

    def clean_initial_password(self):
        password = self.cleaned_data.get("initial_password")
        if password:
            validate_password(password)
        return password

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        unit = cleaned.get("org_unit")
        actor = self.for_user
        if not (role and unit and actor is not None):
            return cleaned
        unchanged = (
            self.instance.pk is not None
            and role == self.initial.get("role")
            and unit.pk == self.instance.org_unit_id
        )
        if (
            self.instance.pk == actor.pk
            and not actor.is_superuser
            and (not unchanged or not cleaned.get("is_active", True))
        ):
            # One's own name, phone and post, yes; one's own powers, no.
            self.add_error(
                None, _("不能修改自己的角色、所属单位或在职状态，请由上级管理者修改。")
            )
        elif not unchanged and not role_assignable_by(
            actor=actor, role=Role(role), org_unit=unit
        ):
            self.add_error("role", _("您只能为下级单位任命管理者。"))
        return cleaned

    def save(self, commit=True):
        from learning.services import role_assign

        user = super().save(commit=False)
        if user.pk is None:
            password = self.cleaned_data.get("initial_password")
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
        if commit:
            user.save()
            role_assign(user=user, role=Role(self.cleaned_data["role"]))
        return user
