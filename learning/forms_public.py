from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Login by 工号 or 手机号."""

    username = forms.CharField(
        label=_("工号或手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _(
            "工号/手机号或密码不正确。连续输错 5 次，账号将被锁定 15 分钟。"
        ),
        "inactive": _("该账号已停用，请联系所在单位管理员。"),
    }
