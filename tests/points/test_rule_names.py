"""Workers and managers read a rule by its Chinese name; its code shows only
where a manager edits the rulebook, next to the name."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from points.models import LedgerEntry, RulebookVersion
from points.services import (
    adjustment_decide,
    adjustment_propose,
    points_award,
    rulebook_version_draft,
)
from tests.points.pages import visible_text

pytestmark = pytest.mark.django_db

CODES = ("READ_ITEM", "EXAM_PASS", "COMPLAINT_UPHELD", "Rule code")


@pytest.fixture
def posted(worker, community_manager, centre_manager):
    points_award(user=worker, rule_code="READ_ITEM", source=("item", 1))
    points_award(user=worker, rule_code="EXAM_PASS", source=("exam", 1))
    deduction = adjustment_propose(
        actor=community_manager,
        user=worker,
        rule_code="COMPLAINT_UPHELD",
        occurred_on=timezone.localdate(),
        reason="投诉属实",
    )
    adjustment_decide(adjustment=deduction, actor=centre_manager, approve=True)
    return deduction


def _no_codes(text, where):
    for code in CODES:
        assert code not in text, (code, where)


def test_the_worker_reads_rule_names_on_their_points_page(client, worker, posted):
    client.force_login(worker)

    text = visible_text(client.get(reverse("points:mine")))

    assert "学习手册事项" in text and "年度考试合格" in text
    _no_codes(text, "/points/")


def test_managers_read_rule_names_in_the_ledger_and_approvals(
    client, street_manager, posted
):
    client.force_login(street_manager)
    entry = LedgerEntry.objects.get(rule_code="EXAM_PASS")
    pages = [
        reverse("ledger:index"),
        reverse("ledger:index") + "?rule_code=EXAM_PASS",
        reverse("ledger:inspect", args=[entry.pk]),
        reverse("adjustments:index"),
        reverse("adjustments:add"),
        reverse("adjustments:inspect", args=[posted.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _no_codes(visible_text(response), url)

    ledger = visible_text(client.get(reverse("ledger:index")))
    assert "规则" in ledger and "年度考试合格" in ledger
    assert "规则： 年度考试合格" in visible_text(client.get(pages[1]))
    assert "年度考试合格" in visible_text(client.get(pages[2]))


def test_the_ledger_export_names_rules_and_kinds(client, street_manager, posted):
    client.force_login(street_manager)

    xlsx = client.get(reverse("ledger:index") + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = [[str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    text = "\n".join(",".join(row) for row in rows)
    csv_text = b"".join(
        client.get(reverse("ledger:index") + "?export=csv").streaming_content
    ).decode()

    for exported in (text, csv_text):
        _no_codes(exported, "export")
        assert "年度考试合格" in exported and "加分" in exported
    assert rows[0][:3] == ["员工", "规则", "类型"]
    assert list(csv.reader(io.StringIO(csv_text)))[0][:3] == ["员工", "规则", "类型"]


def test_the_rulebook_shows_codes_only_where_rules_are_edited(client, street_manager):
    client.force_login(street_manager)
    current = RulebookVersion.objects.get()
    draft = rulebook_version_draft(
        based_on=current,
        name="下一版",
        effective_from=timezone.localdate() + datetime.timedelta(days=40),
        actor=street_manager,
    )

    inspect = visible_text(client.get(reverse("rulebooks:inspect", args=[current.pk])))
    edit = client.get(reverse("rulebooks:edit", args=[draft.pk])).content.decode()

    assert "学习手册事项" in inspect and "READ_ITEM" not in inspect
    assert 'value="READ_ITEM"' in edit and 'value="学习手册事项"' in edit
