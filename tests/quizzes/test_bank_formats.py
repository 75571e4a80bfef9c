from quizzes.bank import ItemInfo, parse_aiken, parse_gift, parse_row, row_from_question

ITEMS = {"SH-01": ItemInfo(pk=1, code="SH-01", condition_codes=("c1", "c2", "c3"))}


def _row(**values):
    row = {
        "题型": "单选",
        "题干": "张某有两套房，能否申请低保？",
        "选项A": "符合",
        "选项B": "不符合",
        "正确答案": "B",
        "解析": "财产超标",
        "事项编码": "SH-01",
        "条件编号": "③",
        "难度": "中",
    }
    row.update(values)
    return row


def test_a_template_row_becomes_a_question():
    data, problems = parse_row(_row(), ITEMS)
    assert problems == []
    assert data.answer == ["B"] and data.condition_codes == ["c3"]
    assert [o["text"] for o in data.options] == ["符合", "不符合"]


def test_answer_letter_not_among_the_options_is_named():
    data, problems = parse_row(_row(正确答案="D"), ITEMS)
    assert data is None
    assert problems == [("正确答案", "答案“D”不在选项中（已填选项：A、B）。")]


def test_empty_stem_unknown_item_and_unknown_condition_are_named():
    _, problems = parse_row(_row(题干="", 事项编码="XX-99"), ITEMS)
    assert ("题干", "不能为空。") in problems
    assert ("事项编码", "找不到事项编码“XX-99”。") in problems
    _, problems = parse_row(_row(条件编号="c9"), ITEMS)
    assert problems == [("条件编号", "事项 SH-01 没有有效的条件 c9。")]


def test_every_type_reads_its_answer():
    multi, _ = parse_row(_row(题型="多选", 选项C="无", 正确答案="A、C"), ITEMS)
    judge, _ = parse_row(_row(题型="判断", 正确答案="错"), ITEMS)
    scenario, _ = parse_row(_row(题型="情景题", 正确答案="不符合", 条件编号="3"), ITEMS)
    ordering, _ = parse_row(_row(题型="排序", 选项C="审批", 正确答案="CAB"), ITEMS)
    assert multi.answer == ["A", "C"]
    assert judge.answer is False and judge.options == []
    assert scenario.answer == {"eligible": False, "condition": "c3"}
    assert ordering.answer == ["C", "A", "B"]


def test_scenario_needs_its_deciding_condition():
    _, problems = parse_row(_row(题型="情景题", 正确答案="符合", 条件编号=""), ITEMS)
    assert problems == [("条件编号", "情景题须在条件编号中写出起决定作用的条件。")]


def test_exported_row_reads_back_the_same():
    data, _ = parse_row(_row(题型="情景题", 正确答案="不符合", 条件编号="c1,c3"), ITEMS)
    row = row_from_question(
        qtype=data.qtype,
        item_code="SH-01",
        difficulty=data.difficulty,
        stem=data.stem,
        options=data.options,
        answer=data.answer,
        explanation=data.explanation,
        condition_codes=["c3", "c1"],
    )
    again, problems = parse_row(row, ITEMS)
    assert problems == [] and again == data


GIFT = r"""
// 社会事务类题目
$CATEGORY: SH-01

::低保1:: 张某有出租房，申请低保的结果是？ {
  ~符合 # 还要看财产
  =不符合 # 财产超标
  ~只能领一半
}

申请低保需要哪些材料？ {
  ~%50%户口簿
  ~%50%收入申报表
  ~%-100%结婚照
  #### 结婚照不需要。
}

外区户籍家庭可以在本区申请低保。{F}

年满 60 周岁的老人可申请优待证\: 对吗？{TRUE}
"""


def test_gift_single_multiple_and_true_false():
    questions, problems = parse_gift(GIFT)
    assert problems == []
    kinds = [(q.qtype, q.answer) for _, q in questions]
    assert kinds == [
        ("single", ["B"]),
        ("multi", ["A", "B"]),
        ("judge", False),
        ("judge", True),
    ]
    single = questions[0][1]
    assert single.stem == "张某有出租房，申请低保的结果是？"
    assert single.item_code == "SH-01"
    assert [o["text"] for o in single.options] == ["符合", "不符合", "只能领一半"]
    assert questions[1][1].explanation == "结婚照不需要。"
    assert questions[3][1].stem == "年满 60 周岁的老人可申请优待证: 对吗？"


def test_gift_without_an_item_names_the_line():
    questions, problems = parse_gift("问题？{T}\n")
    assert questions == []
    assert problems[0][0] == 1 and "事项编码" in problems[0][1]


AIKEN = """居住证由哪一级签发？
A. 社区居委会
B. 街道办事处
C. 区公安机关
ANSWER: C

外省户籍小刘来杭 4 个月，能申领居住证吗？
A) 可以
B) 还不行，须居住满半年
ANSWER: B
"""


def test_aiken_questions_import_as_single_choice():
    questions, problems = parse_aiken(AIKEN, "BM-04")
    assert problems == []
    assert [(q.qtype, q.answer, len(q.options)) for _, q in questions] == [
        ("single", ["C"], 3),
        ("single", ["B"], 2),
    ]
    assert questions[1][0] == 7


def test_aiken_answer_outside_the_options_is_named():
    _, problems = parse_aiken("问题\nA. 是\nB. 否\nANSWER: D\n", "BM-04")
    assert problems == [(4, "答案“D”不在选项中。")]
