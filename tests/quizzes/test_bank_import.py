"""Question files: dry run, every bad row named, all or nothing, GBK, GIFT, Aiken."""

import pytest

from quizzes.bank import COLUMNS
from quizzes.models import Question, QuestionVersion
from quizzes.services import BankRejected, bank_export, bank_import
from tests.tables import csv_bytes, xlsx_bytes

GOOD = {
    "题型": "单选",
    "题干": "低保申请由哪一级审批？",
    "选项A": "社区",
    "选项B": "街道",
    "选项C": "区民政",
    "正确答案": "C",
    "解析": "区民政审批。",
    "事项编码": "T-01",
    "条件编号": "",
    "难度": "易",
}


def _csv(rows, encoding="utf-8-sig"):
    return csv_bytes(COLUMNS, rows, encoding)


def _xlsx(rows):
    return xlsx_bytes(COLUMNS, rows)


def _import(content, filename="q.xlsx", fmt="template", dry_run=False, **kwargs):
    return bank_import(
        content=content,
        filename=filename,
        fmt=fmt,
        actor=None,
        dry_run=dry_run,
        **kwargs,
    )


def test_template_file_imports_every_type(manual):
    rows = [
        GOOD,
        {
            **GOOD,
            "题型": "判断",
            "题干": "外区户籍可在本区申请低保。",
            "正确答案": "错",
            "条件编号": "c1",
        },
        {
            **GOOD,
            "题型": "情景题",
            "题干": "收入高于标准的家庭能否申请？",
            "正确答案": "不符合",
            "条件编号": "2",
        },
    ]
    report = _import(_xlsx(rows))
    assert report.ok and report.new == 3
    scenario = Question.objects.get(qtype="scenario")
    assert scenario.current.answer == {"eligible": False, "condition": "c2"}


def test_dry_run_writes_nothing(manual):
    report = _import(_xlsx([GOOD]), dry_run=True)
    assert report.new == 1
    assert not Question.objects.exists()


def test_one_bad_row_writes_nothing_and_is_named(manual):
    rows = [
        GOOD,
        {**GOOD, "题干": "另一道题", "正确答案": "E"},
        {**GOOD, "题干": "第三题"},
    ]

    with pytest.raises(BankRejected) as rejected:
        _import(_xlsx(rows))

    errors = rejected.value.report.errors
    assert [(e.row, e.column) for e in errors] == [(3, "正确答案")]
    assert "不在选项中" in errors[0].message
    assert not Question.objects.exists()


def test_duplicate_question_in_the_file_is_an_error(manual):
    report = _import(_xlsx([GOOD, GOOD]), dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "题干")]
    assert "与第 2 行的题目重复" in report.errors[0].message


def test_unknown_item_code_is_named(manual):
    report = _import(_xlsx([{**GOOD, "事项编码": "ZZ-01"}]), dry_run=True)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "事项编码", "找不到事项编码“ZZ-01”。")
    ]


def test_gbk_csv_imports_with_its_chinese_intact(manual):
    content = _csv([GOOD], encoding="gbk")
    report = _import(content, filename="题库.csv")
    assert report.ok
    assert Question.objects.get().current.stem == "低保申请由哪一级审批？"


def test_export_then_import_changes_nothing(manual, bank):
    before = sorted(QuestionVersion.objects.values_list("pk", "stem", "answer"))
    exported = bank_export(queryset=Question.objects.all(), fmt="xlsx")

    report = _import(exported, filename="export.xlsx")

    assert report.ok and (report.new, report.updated) == (0, 0)
    assert report.unchanged == Question.objects.count()
    assert sorted(QuestionVersion.objects.values_list("pk", "stem", "answer")) == before


def test_changed_row_updates_the_question_in_place_until_answered(manual):
    _import(_xlsx([GOOD]))
    report = _import(_xlsx([{**GOOD, "解析": "由区民政部门审批。"}]))
    assert report.updated == 1
    question = Question.objects.get()
    assert question.versions.count() == 1
    assert question.current.explanation == "由区民政部门审批。"


def test_gift_file_with_single_multiple_and_true_false_imports(manual):
    gift = """$CATEGORY: T-01
低保由哪一级审批？ {=区民政 ~社区 ~街道}

低保需要哪些材料？ {~%50%户口簿 ~%50%收入证明 ~%-100%结婚照}

外区户籍可以在本区申请低保。 {F}
"""
    report = _import(gift.encode("utf-8"), filename="bank.gift", fmt="gift")
    assert report.ok and report.new == 3
    assert sorted(Question.objects.values_list("qtype", flat=True)) == [
        "judge",
        "multi",
        "single",
    ]


def test_aiken_file_imports_for_the_chosen_item(manual):
    aiken = "优待证由哪一级办理？\nA. 社区\nB. 街道\nANSWER: B\n"
    report = _import(
        aiken.encode("gbk"), filename="bank.txt", fmt="aiken", default_item="T-02"
    )
    assert report.ok
    question = Question.objects.get()
    assert question.item.item_code == "T-02" and question.current.answer == ["B"]
