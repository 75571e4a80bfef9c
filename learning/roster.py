"""The staff roster's columns; reading the file itself is learning.tables' job."""

from learning.tables import (  # noqa: F401 - re-exported for the roster's callers
    MSG_UNSUPPORTED_FORMAT,
    RowError,
    Table,
    TableFileError,
    read_table,
)

COLUMNS = [
    "工号",
    "姓名",
    "手机号",
    "所属单位",
    "岗位",
    "入职日期",
    "角色",
    "在职",
    "初始密码",
]
REQUIRED_COLUMNS = ["工号", "姓名", "所属单位", "角色"]
