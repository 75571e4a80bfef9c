"""Refuse to run with a setup that would print certificates as empty boxes."""

import shutil
import subprocess
from ctypes.util import find_library

from django.conf import settings
from django.core import checks

HINT_FONT = (
    "Debian/Ubuntu：apt-get install fonts-noto-cjk（以 root 运行 make demo 或 "
    "make test 时会自动安装），或修改 CERTIFICATE_FONT_FAMILY 为已安装的中文字体。"
)


def cjk_font_families() -> set[str] | None:
    """Families fontconfig offers for Chinese; None when fontconfig is missing."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    output = subprocess.run(
        [fc_list, "--format", "%{family}\\n", ":lang=zh"],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
    ).stdout
    return {name.strip() for line in output.splitlines() for name in line.split(",")}


def check_certificate_font(app_configs=None, **kwargs):
    family = settings.CERTIFICATE_FONT_FAMILY
    families = cjk_font_families()
    if families is None:
        return [
            checks.Error(
                "找不到 fontconfig（fc-list），无法确认证书用的中文字体已安装。",
                hint="Debian/Ubuntu：apt-get install fontconfig fonts-noto-cjk",
                id="points.E001",
            )
        ]
    if family not in families:
        return [
            checks.Error(
                f"证书字体“{family}”没有安装：WeasyPrint 会把汉字印成空白方框，"
                "且不报任何错误。",
                hint=HINT_FONT,
                id="points.E002",
            )
        ]
    return []


def check_pdf_libraries(app_configs=None, **kwargs):
    """Looks the libraries up instead of importing WeasyPrint, which would add
    seconds to every management command and every server start."""
    missing = [name for name in ("pango-1.0", "pangoft2-1.0") if not find_library(name)]
    if missing:
        return [
            checks.Error(
                "WeasyPrint 无法加载系统库：找不到 "
                + "、".join(f"lib{name}" for name in missing),
                hint="Debian/Ubuntu：apt-get install libpango-1.0-0 libpangoft2-1.0-0",
                id="points.E003",
            )
        ]
    if not find_library("harfbuzz-subset"):
        return [
            checks.Warning(
                "缺少 libharfbuzz-subset0：证书字体无法快速子集化，每张证书要十几秒、"
                "文件也更大。",
                hint="Debian/Ubuntu：apt-get install libharfbuzz-subset0",
                id="points.W001",
            )
        ]
    return []
