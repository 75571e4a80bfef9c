"""Working days by the State Council's holiday schedule (法定节假日与调休).

The bundled `chinese_calendar` knows the years published when it was released;
a manager enters later years' holidays and make-up working days in the admin
(节假日调整), and those entries win over the package.
"""

import datetime
from collections.abc import Mapping

import chinese_calendar


def is_workday(day: datetime.date, overrides: Mapping[datetime.date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not know yet
        return day.weekday() < 5


def add_workdays(
    start: datetime.date, count: int, overrides: Mapping[datetime.date, bool]
) -> datetime.date:
    """The count-th working day after start (start itself does not count)."""
    day = start
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_workday(day, overrides):
            count -= 1
    return day


def overrides_from(rows) -> dict[datetime.date, bool]:
    return {row.day: row.is_workday for row in rows}
