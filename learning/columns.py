"""Admin listing columns that read as Chinese office staff expect.

Wagtail's BooleanColumn labels its icons "True"/"False", and its DateColumn says
"9 年，11 月 之前" where the date itself is what matters (入职日期, 生效日期, when
a line was posted). These show 是/否 and the date as it is, in Asia/Shanghai.
Any app's viewsets may use them.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

YES = _("是")
NO = _("否")
EMPTY = "—"


class YesNoColumn(Column):
    """A boolean as 是 or 否; blank when unknown."""

    def get_value(self, instance):
        value = super().get_value(instance)
        if value is None:
            return ""
        return YES if value else NO


def date_text(value) -> str:
    """A date as 2017-01-01, a moment as 2026-11-30 14:05 in local time."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


class LocalDateColumn(Column):
    def get_value(self, instance):
        return date_text(super().get_value(instance))
