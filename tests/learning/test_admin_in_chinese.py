"""A manager reads the admin in Chinese: Wagtail's strings its own catalogue
leaves in English, booleans as 是/否, and dates as dates, not "9 年 之前"."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from learning.roles import Role
from points.models import LedgerEntry
from points.services import points_award
from tests.factories import StaffFactory
from tests.points.pages import visible_text

pytestmark = pytest.mark.django_db

# Names and formats that stay as they are in a Chinese office.
ALLOWED_WORDS = {"Wagtail", "JavaScript", "Excel", "CSV", "XLSX", "PDF", "Ctrl"}
ALLOWED_WORDS |= {"Alt", "Shift", "Esc", "GIFT", "Aiken", "Moodle", "GBK", "UTF"}
REPORTED = ["Pages", "Search all pages", "Moved up", " of ", "True", "False", "None"]


@pytest.fixture
def desk(org, manual, street_manager):
    worker = StaffFactory(
        org_unit=org["衢州路社区"],
        role=Role.WORKER,
        hired_on=datetime.date(2017, 1, 2),
    )
    points_award(
        user=worker,
        rule_code="EXAM_PASS",
        source=("exam", 1),
        occurred_at=timezone.make_aware(datetime.datetime(2026, 3, 5, 9, 30)),
    )
    return worker


def _english(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED_WORDS}


def test_the_main_admin_pages_show_no_english(
    client, desk, manual, street_manager, trainer
):
    entry = LedgerEntry.objects.get(user=desk)
    # The page tree is the trainers'; managers read the manual on the site.
    pages = [
        reverse("wagtailadmin_explore", args=[manual["root"].pk]),
        reverse("wagtailadmin_explore", args=[manual["social"].pk]),
        "switch",
        reverse("ledger:inspect", args=[entry.pk]),
        reverse("staff:inspect", args=[desk.pk]),
        "/admin/",
        reverse("staff:index"),
        reverse("ledger:index"),
        reverse("adjustments:index"),
        reverse("trainings:index"),
        reverse("rulebooks:index"),
        reverse("points_rankings"),
        reverse("certificates:index"),
        reverse("certificate_batches:index"),
    ]
    client.force_login(trainer)
    for url in pages:
        if url == "switch":
            client.force_login(street_manager)
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response)
        assert not _english(text), (url, _english(text))
        for phrase in REPORTED:
            assert phrase not in text, (url, phrase)


def test_dates_and_booleans_read_as_written(client, desk, street_manager):
    client.force_login(street_manager)

    staff = visible_text(client.get(reverse("staff:index")))
    ledger = visible_text(client.get(reverse("ledger:index")))
    rulebooks = visible_text(client.get(reverse("rulebooks:index")))

    assert "入职日期" in staff and "2017-01-02" in staff
    assert re.search(r"在职 .*是", staff)
    assert "2026-03-05 09:30" in ledger
    entry = LedgerEntry.objects.get(user=desk)
    inspect = visible_text(client.get(reverse("ledger:inspect", args=[entry.pk])))
    assert "发生时间 2026-03-05 09:30" in inspect and "经办人 系统自动记分" in inspect
    assert "2017-01-01" in rulebooks
    for text in (staff, ledger, rulebooks):
        assert "之前" not in text


def test_the_catalogue_translates_what_the_user_test_found():
    with translation.override("zh-hans"):
        moved = translation.ngettext(
            "Moved up 1 place.", "Moved up %(counter)s places.", 1
        ) % {"counter": 1}
        paging = translation.gettext(
            "%(start_index)s-%(end_index)s of %(items_count)s %(model_name)s"
        ) % {"start_index": 1, "end_index": 10, "items_count": 10, "model_name": "页面"}
        assert moved == "上移了 1 位。"
        assert paging == "共 10 个页面，当前第 1–10 个"
        assert translation.gettext("Search all pages…") == "搜索全部页面…"


def _po_entries(path: Path) -> dict[str, str]:
    entries, key, fields = {}, None, {}
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if fields.get("msgid"):
                entries[fields["msgid"]] = fields.get("msgstr", "")
            fields, key = {}, None
        elif line.startswith(("msgid ", "msgstr ", "msgstr[0] ", "msgid_plural ")):
            key, _sep, value = line.partition(" ")
            key = "msgstr" if key.startswith("msgstr") else key
            fields[key] = value[1:-1]
        elif line.startswith('"') and key:
            fields[key] += line[1:-1]
    return {
        k.encode().decode("unicode_escape").encode("latin-1").decode(): v.encode()
        .decode("unicode_escape")
        .encode("latin-1")
        .decode()
        for k, v in entries.items()
    }


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_catalogue_is_compiled_from_its_source(domain):
    import gettext

    folder = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
    with open(folder / f"{domain}.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    translated = {
        (k[0] if isinstance(k, tuple) else k): v for k, v in compiled.items() if k
    }
    assert _po_entries(folder / f"{domain}.po") == translated


def test_the_admin_login_names_the_product_not_wagtail(client):
    html = client.get("/admin/login/").content.decode()

    assert "登录社工学堂管理后台" in html
    assert "Wagtail" not in html.split("<body", 1)[1].split("<script", 1)[0]
