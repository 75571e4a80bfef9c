"""The bank in the Wagtail admin: trainers edit, managers read, checks on the server."""

import io
import re

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from quizzes.bank import COLUMNS
from quizzes.models import ExtraAttemptGrant, Question
from quizzes.services import answer_save, attempt_start, attempt_submit
from tests.factories import StaffFactory


def _form(item, **values):
    data = {
        "item": item.pk,
        "qtype": "single",
        "difficulty": "2",
        "status": "active",
        "stem": "低保申请由哪一级审批？",
        "option_a": "社区",
        "option_b": "区民政",
        "option_c": "",
        "option_d": "",
        "option_e": "",
        "option_f": "",
        "answer_text": "B",
        "explanation": "区民政审批。",
        "condition_text": "",
    }
    data.update(values)
    return data


def test_trainer_adds_a_question_through_the_admin(client, manual, trainer):
    client.force_login(trainer)
    response = client.post(reverse("questions:add"), _form(manual["dibao"]))
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.current.answer == ["B"] and question.current.created_by == trainer


def test_the_admin_form_rejects_an_answer_not_among_the_options(
    client, manual, trainer
):
    client.force_login(trainer)
    response = client.post(
        reverse("questions:add"), _form(manual["dibao"], answer_text="D")
    )
    assert response.status_code == 200
    assert "答案“D”不在选项中" in response.content.decode()
    assert not Question.objects.exists()


def test_editing_an_answered_question_in_the_admin_adds_a_version(
    client, manual, bank, practice, trainer, worker
):
    attempt_submit(attempt=attempt_start(user=worker, quiz=practice))
    question = bank["single"]
    client.force_login(trainer)
    response = client.post(
        reverse("questions:edit", args=[question.pk]),
        _form(
            manual["dibao"],
            stem=question.current.stem,
            option_a="符合",
            option_b="不符合，家庭财产超出规定",
            option_c="只能领一半",
            answer_text="B",
            condition_text="c3",
            explanation="解析改写了。",
        ),
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.versions.count() == 2
    assert question.current.explanation == "解析改写了。"


def test_a_manager_reads_the_bank_but_cannot_add(client, manual, bank, centre_manager):
    client.force_login(centre_manager)
    assert client.get(reverse("questions:index")).status_code == 200
    response = client.post(
        reverse("questions:add"), _form(manual["dibao"], stem="新题")
    )
    assert response.status_code in (302, 403)
    assert not Question.objects.filter(current__stem="新题").exists()


def test_a_worker_cannot_open_the_bank(client, bank, worker):
    client.force_login(worker)
    assert client.get(reverse("questions:index")).status_code == 302
    assert client.get(reverse("questions:export")).status_code in (302, 403)


def test_upload_previews_then_imports_all(client, manual, trainer):
    book = openpyxl.Workbook()
    book.active.append(COLUMNS)
    book.active.append(
        [
            "判断",
            "外区户籍可以申请低保。",
            "",
            "",
            "",
            "",
            "",
            "",
            "错",
            "须本区户籍",
            "T-01",
            "c1",
            "易",
        ]
    )
    content = io.BytesIO()
    book.save(content)
    upload = io.BytesIO(content.getvalue())
    upload.name = "题库.xlsx"
    client.force_login(trainer)

    preview = client.post(
        reverse("questions:import"), {"fmt": "template", "file": upload}
    )
    assert "检查通过" in preview.content.decode()
    assert not Question.objects.exists()
    done = client.post(reverse("questions:import"), {"confirm": "1"})
    assert done.status_code == 302
    assert Question.objects.get().current.answer is False


def test_statistics_page_shows_the_condition_workers_get_wrong(
    client, manual, bank, practice, org, trainer
):
    for _ in range(3):
        person = StaffFactory(org_unit=org["衢州路社区"])
        attempt = attempt_start(user=person, quiz=practice)
        row = next(
            r for r in attempt.questions.all() if r.version.question.qtype == "scenario"
        )
        answer_save(
            attempt=attempt,
            position=row.position,
            response={"eligible": True, "condition": "c1"},
        )
        attempt_submit(attempt=attempt)
    client.force_login(trainer)

    html = client.get(reverse("questions:stats")).content.decode()

    assert "T-01" in html and "第2条" in html
    assert "衢州路社区 3/3" in html


def test_manager_grants_an_extra_attempt_only_to_their_own_staff(
    client, category_test, org, community_manager, worker
):
    outsider = StaffFactory(org_unit=org["瓜山社区"])
    client.force_login(community_manager)

    refused = client.post(
        reverse("extra_attempts:add"),
        {"user": outsider.pk, "quiz": category_test.pk, "reason": "病假"},
    )
    granted = client.post(
        reverse("extra_attempts:add"),
        {"user": worker.pk, "quiz": category_test.pk, "reason": "病假"},
    )

    assert refused.status_code == 200
    assert granted.status_code == 302
    grant = ExtraAttemptGrant.objects.get()
    assert grant.user == worker and grant.granted_by == community_manager


def test_managers_list_only_grants_for_their_own_staff(
    client, category_test, org, community_manager, street_manager, worker
):
    from quizzes.services import extra_attempt_grant

    outsider = StaffFactory(org_unit=org["瓜山社区"])
    extra_attempt_grant(
        manager=street_manager, user=outsider, quiz=category_test, reason="外片区"
    )
    extra_attempt_grant(
        manager=street_manager, user=worker, quiz=category_test, reason="本社区"
    )
    client.force_login(community_manager)

    html = client.get(reverse("extra_attempts:index")).content.decode()

    assert "本社区" in html and "外片区" not in html


def test_bank_filters_by_category_type_and_status(
    client, manual, bank, trainer, template_context
):
    bank["judge"].status = "needs_review"
    bank["judge"].save()
    client.force_login(trainer)
    index = reverse("questions:index")

    def listed(**params):
        response = client.get(index, params)
        return {q.pk for q in response.context["object_list"]}

    assert listed(category=manual["family"].pk) == set()
    assert listed(category=manual["social"].pk) == {q.pk for q in bank.values()}
    assert listed(qtype="judge", item=manual["youhui"].pk) == {
        bank[f"youhui{n}"].pk for n in range(3)
    }
    assert listed(status="needs_review") == {bank["judge"].pk}


def test_an_oversized_upload_is_refused_unread(client, manual, trainer, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    upload = io.BytesIO(b"x" * 11)
    upload.name = "big.csv"
    client.force_login(trainer)

    response = client.post(
        reverse("questions:import"), {"fmt": "template", "file": upload}
    )

    assert "文件太大" in response.content.decode()
    assert not Question.objects.exists()


def _stem_link(html, question) -> str:
    """The href the list puts on a question's stem."""
    stem = re.escape(question.current.stem[:20])
    return re.search(rf'<a href="([^"]+)"[^>]*>\s*{stem}', html).group(1)


def test_the_stem_opens_the_editor_for_a_trainer(client, bank, trainer):
    client.force_login(trainer)
    html = client.get(reverse("questions:index")).content.decode()

    url = _stem_link(html, bank["single"])

    assert url == reverse("questions:edit", args=[bank["single"].pk])
    assert client.get(url).status_code == 200


def test_the_stem_opens_a_read_only_view_for_a_manager(
    client, manual, bank, centre_manager
):
    question = bank["multi"]
    client.force_login(centre_manager)
    html = client.get(reverse("questions:index")).content.decode()

    url = _stem_link(html, question)
    page = client.get(url).content.decode()

    assert url == reverse("questions:inspect", args=[question.pk])
    assert question.current.stem in page
    assert "A. 户口簿" in page and "AB" in page and "结婚照不需要。" in page
    assert reverse("questions:edit", args=[question.pk]) not in page


def test_a_manager_cannot_edit_a_question_on_the_server(
    client, manual, bank, centre_manager
):
    question = bank["single"]
    client.force_login(centre_manager)
    url = reverse("questions:edit", args=[question.pk])

    opened = client.get(url)
    posted = client.post(url, _form(manual["dibao"], stem="经理改的题干"))

    assert opened.status_code in (302, 403)
    assert posted.status_code in (302, 403)
    question.refresh_from_db()
    assert question.current.stem != "经理改的题干"
    assert question.versions.count() == 1


def test_the_bank_list_costs_the_same_queries_with_more_questions(
    client, manual, bank, trainer
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quizzes.services import question_save

    client.force_login(trainer)
    url = reverse("questions:index")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    queries()
    few = queries()
    for n in range(5):
        question_save(
            question=None,
            item=manual["youhui"],
            qtype="judge",
            stem=f"新增判断题{n}",
            options=[],
            answer=True,
        )
    assert queries() == few


def _workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _width(sheet, header) -> float:
    headers = [cell.value for cell in sheet[1]]
    letter = openpyxl.utils.get_column_letter(headers.index(header) + 1)
    return sheet.column_dimensions[letter].width


def test_the_template_has_a_questions_sheet_and_filling_notes(client, manual, trainer):
    client.force_login(trainer)

    book = _workbook(client.get(reverse("questions:template")))

    assert book.sheetnames == ["题目", "填写说明"]
    assert [c.value for c in book["题目"][1]] == COLUMNS
    notes = {row[0]: row[1:] for row in book["填写说明"].iter_rows(values_only=True)}
    assert set(COLUMNS) <= set(notes)
    assert "ACD" in notes["正确答案"][0] and notes["正确答案"][1] == "B"
    assert all(_width(book["题目"], column) >= 8 for column in COLUMNS)
    assert _width(book["题目"], "题干") >= 40


def test_a_filled_in_template_imports(client, manual, trainer):
    client.force_login(trainer)
    book = _workbook(client.get(reverse("questions:template")))
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        题型="判断", 题干="外区户籍可以申请低保。", 正确答案="错", 事项编码="T-01"
    )
    book["题目"].append([row[c] for c in COLUMNS])
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "题库模板.xlsx"

    preview = client.post(
        reverse("questions:import"), {"fmt": "template", "file": upload}
    )

    assert "检查通过" in preview.content.decode()


def test_the_export_columns_are_wide_enough_to_read(client, manual, bank, trainer):
    client.force_login(trainer)

    sheet = _workbook(client.get(reverse("questions:export")))["题目"]

    longest = max(len(q.current.stem) for q in bank.values())
    assert _width(sheet, "题干") >= 2 * longest
    assert _width(sheet, "事项编码") >= 8


def test_a_manager_cannot_grant_themselves_another_attempt(
    client, category_test, org, community_manager
):
    from quizzes.services import MSG_SELF_GRANT, extra_attempt_grant

    client.force_login(community_manager)
    form = client.get(reverse("extra_attempts:add")).content.decode()
    assert f'<option value="{community_manager.pk}"' not in form

    posted = client.post(
        reverse("extra_attempts:add"),
        {"user": community_manager.pk, "quiz": category_test.pk, "reason": "自己"},
    )
    assert posted.status_code == 200
    with pytest.raises(ValidationError) as refused:
        extra_attempt_grant(
            manager=community_manager,
            user=community_manager,
            quiz=category_test,
            reason="自己",
        )
    assert MSG_SELF_GRANT in str(refused.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtraAttemptGrant.objects.create(
            user=community_manager, quiz=category_test, granted_by=community_manager
        )
    assert not ExtraAttemptGrant.objects.exists()


def test_statistics_link_a_manager_to_the_read_only_question(
    client, manual, bank, practice, org, trainer, community_manager
):
    for _ in range(10):
        person = StaffFactory(org_unit=org["衢州路社区"])
        attempt_submit(attempt=attempt_start(user=person, quiz=practice))
    question = bank["scenario"]

    client.force_login(community_manager)
    as_manager = client.get(reverse("questions:stats")).content.decode()
    client.force_login(trainer)
    as_trainer = client.get(reverse("questions:stats")).content.decode()

    read_only = reverse("questions:inspect", args=[question.pk])
    editor = reverse("questions:edit", args=[question.pk])
    assert read_only in as_manager and editor not in as_manager
    assert editor in as_trainer
