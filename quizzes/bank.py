"""Question files in and out, as pure functions: the Chinese template, GIFT, Aiken.

Every problem is reported as (column or line, message) in Chinese; nothing here
touches the database. The caller supplies what it knows about items.
"""

import io
import re
import unicodedata
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from learning.tables import is_formula_like
from quizzes.grading import JUDGE, MULTI, ORDERING, SCENARIO, SINGLE

LETTERS = "ABCDEF"
OPTION_COLUMNS = [f"选项{letter}" for letter in LETTERS]
COLUMNS = [
    "题型",
    "题干",
    *OPTION_COLUMNS,
    "正确答案",
    "解析",
    "事项编码",
    "条件编号",
    "难度",
]
REQUIRED_COLUMNS = ["题型", "题干", "正确答案", "事项编码"]

# The 填写说明 sheet of the template: what each column takes, with an example
# (together the examples make one 单选 question).
COLUMN_NOTES = [
    ("题型", "必填：单选、多选、判断、情景题或排序。", "单选"),
    ("题干", "必填，题目正文；同一事项下题干不能重复。", "申请低保由哪一级审批？"),
    ("选项A", "单选、多选、排序题的第一个选项；判断题和情景题留空。", "社区"),
    ("选项B", "第二个选项；单选、多选、排序题至少填 A、B 两项。", "区民政部门"),
    ("选项C", "选填；选项须从 A 起连续填写，中间不要留空。", "街道"),
    ("选项D", "选填。", "市民政局"),
    ("选项E", "选填。", ""),
    ("选项F", "选填，最多 6 个选项。", ""),
    (
        "正确答案",
        "必填。单选填一个字母，如 B；多选填全部字母，如 ACD；判断填 对 或 错；"
        "情景题填 符合 或 不符合；排序题把各步骤填在选项中（顺序随意），"
        "这里按正确顺序填字母，如 BCAD。",
        "B",
    ),
    ("解析", "选填，社工答错后看到的说明。", "低保由区民政部门审批。"),
    ("事项编码", "必填，手册中服务事项的编码，如 SH-01。", "SH-01"),
    (
        "条件编号",
        "选填，本题考查的受理条件：c3、3 或 ③，多个用逗号隔开；"
        "也可填 材料、决定层级、办理流程、承诺时限、处理方式。"
        "情景题必填，第一个条件即起决定作用的那一条。",
        "决定层级",
    ),
    ("难度", "选填：易、中或难，留空为中。", "中"),
]
# Excel widths count Latin characters; a column is at least this wide to type in.
COLUMN_MIN_WIDTHS = {
    "题干": 40,
    "解析": 30,
    "条件编号": 14,
    **dict.fromkeys(OPTION_COLUMNS, 16),
    "说明": 60,
    "示例": 20,
}
MAX_COLUMN_WIDTH = 60
NOTES_HEADERS = ["列", "说明", "示例"]
QUESTIONS_SHEET = "题目"
NOTES_SHEET = "填写说明"

TYPE_BY_LABEL = {
    "单选": SINGLE,
    "单选题": SINGLE,
    "多选": MULTI,
    "多选题": MULTI,
    "判断": JUDGE,
    "判断题": JUDGE,
    "情景": SCENARIO,
    "情景题": SCENARIO,
    "排序": ORDERING,
    "排序题": ORDERING,
}
LABEL_BY_TYPE = {
    SINGLE: "单选",
    MULTI: "多选",
    JUDGE: "判断",
    SCENARIO: "情景题",
    ORDERING: "排序",
}
TRUE_WORDS = {"对", "正确", "√", "t", "true", "是", "y"}
FALSE_WORDS = {"错", "错误", "×", "x", "f", "false", "否", "n"}
ELIGIBLE_WORDS = {"符合", "可以", "能", "可办", "符合条件"}
INELIGIBLE_WORDS = {"不符合", "不可以", "不能", "不可办", "不符合条件"}
DIFFICULTY_BY_LABEL = {
    "易": 1,
    "简单": 1,
    "1": 1,
    "中": 2,
    "中等": 2,
    "2": 2,
    "": 2,
    "难": 3,
    "困难": 3,
    "3": 3,
}
LABEL_BY_DIFFICULTY = {1: "易", 2: "中", 3: "难"}
# What a question may test besides a numbered condition.
FIELD_KEYS = {
    "材料": "materials",
    "申请材料": "materials",
    "materials": "materials",
    "决定层级": "decided_at",
    "decided_at": "decided_at",
    "处理方式": "handling_type",
    "handling_type": "handling_type",
    "流程": "steps",
    "办理流程": "steps",
    "steps": "steps",
    "时限": "promised_days",
    "承诺时限": "promised_days",
}
LABEL_BY_FIELD_KEY = {
    "materials": "材料",
    "decided_at": "决定层级",
    "handling_type": "处理方式",
    "steps": "办理流程",
    "promised_days": "承诺时限",
}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


@dataclass(frozen=True)
class ItemInfo:
    pk: int
    code: str
    condition_codes: tuple[str, ...]


@dataclass
class QuestionData:
    item_code: str
    qtype: str
    stem: str
    options: list[dict]
    answer: object
    explanation: str = ""
    condition_codes: list[str] = field(default_factory=list)
    difficulty: int = 2


Problems = list[tuple[str, str]]


def _letters(text: str) -> list[str]:
    return list(re.sub(r"[\s,，、;；]+", "", text.upper()))


def parse_condition_codes(
    text: str, item: ItemInfo | None
) -> tuple[list[str], Problems]:
    codes, problems = [], []
    for part in re.split(r"[\s,，、;；]+", (text or "").strip()):
        if not part:
            continue
        if part in FIELD_KEYS:
            codes.append(FIELD_KEYS[part])
            continue
        if part in CIRCLED:
            code = f"c{CIRCLED.index(part) + 1}"
        elif re.fullmatch(r"[cC]?\d+", part):
            code = f"c{int(part.lstrip('cC'))}"
        else:
            problems.append(
                ("条件编号", f"“{part}”不是有效的条件编号，请写成 c3、3 或 ③。")
            )
            continue
        if item is not None and code not in item.condition_codes:
            problems.append(("条件编号", f"事项 {item.code} 没有有效的条件 {code}。"))
            continue
        codes.append(code)
    return codes, problems


def parse_answer(
    qtype: str, text: str, option_keys: list[str]
) -> tuple[object, Problems]:
    """The answer cell as the value grading expects, or a problem on 正确答案."""
    raw = str(text or "").strip()
    if not raw:
        return None, [("正确答案", "不能为空。")]
    if qtype in (SINGLE, MULTI, ORDERING):
        letters = _letters(raw)
        unknown = [x for x in letters if x not in option_keys]
        if unknown:
            given = "、".join(option_keys) or "无"
            return None, [
                (
                    "正确答案",
                    f"答案“{'、'.join(unknown)}”不在选项中（已填选项：{given}）。",
                )
            ]
        if qtype == SINGLE:
            if len(letters) != 1:
                return None, [("正确答案", "单选题只能有一个答案。")]
            return letters, []
        if qtype == MULTI:
            if len(set(letters)) != len(letters):
                return None, [("正确答案", "答案中有重复的字母。")]
            return sorted(letters), []
        if sorted(letters) != sorted(option_keys):
            return None, [("正确答案", "排序题的答案须把每个选项各排一次。")]
        return letters, []
    if qtype == JUDGE:
        word = raw.lower()
        if word in TRUE_WORDS:
            return True, []
        if word in FALSE_WORDS:
            return False, []
        return None, [("正确答案", f"“{raw}”无法识别，判断题请填“对”或“错”。")]
    if qtype == SCENARIO:
        if raw in INELIGIBLE_WORDS:
            return {"eligible": False}, []
        if raw in ELIGIBLE_WORDS:
            return {"eligible": True}, []
        return None, [("正确答案", f"“{raw}”无法识别，情景题请填“符合”或“不符合”。")]
    return None, [("题型", "未知题型。")]


def parse_row(
    row: dict, items: dict[str, ItemInfo]
) -> tuple[QuestionData | None, Problems]:
    """One template row → question data, or every problem found in it."""
    problems: Problems = []
    qtype = TYPE_BY_LABEL.get(str(row.get("题型", "")).strip())
    if qtype is None:
        problems.append(
            (
                "题型",
                f"“{row.get('题型', '')}”不是有效题型，"
                "请填单选、多选、判断、情景题或排序。",
            )
        )
    stem = str(row.get("题干", "") or "").strip()
    if not stem:
        problems.append(("题干", "不能为空。"))
    code = str(row.get("事项编码", "") or "").strip().upper()
    item = items.get(code)
    if not code:
        problems.append(("事项编码", "不能为空。"))
    elif item is None:
        problems.append(("事项编码", f"找不到事项编码“{code}”。"))

    options, gap = [], False
    for letter, column in zip(LETTERS, OPTION_COLUMNS, strict=True):
        text = str(row.get(column, "") or "").strip()
        if text and gap:
            problems.append((column, "前面有空选项，请把选项连续填写。"))
        if text:
            options.append({"key": letter, "text": text})
        else:
            gap = True
    keys = [o["key"] for o in options]
    if qtype in (SINGLE, MULTI, ORDERING) and len(options) < 2:
        problems.append(("选项A", "至少需要两个选项。"))
    if qtype in (JUDGE, SCENARIO):
        options = []

    codes, code_problems = parse_condition_codes(str(row.get("条件编号", "")), item)
    problems += code_problems
    answer = None
    if qtype is not None:
        answer, answer_problems = parse_answer(qtype, row.get("正确答案", ""), keys)
        problems += answer_problems
        if qtype == SCENARIO and answer is not None:
            deciding = next((c for c in codes if c.startswith("c")), None)
            if deciding is None:
                problems.append(
                    ("条件编号", "情景题须在条件编号中写出起决定作用的条件。")
                )
            else:
                answer["condition"] = deciding

    difficulty = DIFFICULTY_BY_LABEL.get(str(row.get("难度", "") or "").strip())
    if difficulty is None:
        problems.append(("难度", f"“{row.get('难度')}”无法识别，请填易、中或难。"))
    if problems:
        return None, problems
    return (
        QuestionData(
            item_code=code,
            qtype=qtype,
            stem=stem,
            options=options,
            answer=answer,
            explanation=str(row.get("解析", "") or "").strip(),
            condition_codes=codes,
            difficulty=difficulty,
        ),
        [],
    )


def relettered(qtype: str, options: list[dict], answer):
    """Options keyed A, B, C… in stored order, with the answer following suit."""
    letter_of = {o["key"]: letter for o, letter in zip(options, LETTERS, strict=False)}
    options = [{"key": letter_of[o["key"]], "text": o["text"]} for o in options]
    if qtype in (SINGLE, MULTI, ORDERING):
        answer = [letter_of.get(k, k) for k in answer]
        if qtype == MULTI:
            answer = sorted(answer)
    return options, answer


def row_from_question(
    *,
    qtype: str,
    item_code: str,
    difficulty: int,
    stem: str,
    options: list[dict],
    answer,
    explanation: str,
    condition_codes: list[str],
) -> dict:
    """The template row a question exports to; parse_row reads it back unchanged."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        题型=LABEL_BY_TYPE[qtype],
        题干=stem,
        解析=explanation,
        事项编码=item_code,
        难度=LABEL_BY_DIFFICULTY.get(difficulty, "中"),
    )
    keys = [o["key"] for o in options]
    # Options are re-lettered A, B, C… in their stored order.
    letter_of = dict(zip(keys, LETTERS, strict=False))
    for option, column in zip(options, OPTION_COLUMNS, strict=False):
        row[column] = option["text"]
    if qtype in (SINGLE, MULTI, ORDERING):
        row["正确答案"] = "".join(letter_of[k] for k in answer)
    elif qtype == JUDGE:
        row["正确答案"] = "对" if answer else "错"
    else:
        row["正确答案"] = "符合" if answer.get("eligible") else "不符合"
    codes = list(condition_codes)
    if qtype == SCENARIO and answer.get("condition") in codes:
        codes.remove(answer["condition"])
        codes.insert(0, answer["condition"])
    row["条件编号"] = ",".join(LABEL_BY_FIELD_KEY.get(c, c) for c in codes)
    return row


def question_row(question) -> dict:
    """The template row of a bank question's current version."""
    version = question.current
    return row_from_question(
        qtype=question.qtype,
        item_code=question.item.item_code,
        difficulty=question.difficulty,
        stem=version.stem,
        options=version.options,
        answer=version.answer,
        explanation=version.explanation,
        condition_codes=version.condition_codes,
    )


# ---------------------------------------------------------------- GIFT


_GIFT_ESCAPES = {
    "\\:": ":",
    "\\=": "=",
    "\\~": "~",
    "\\#": "#",
    "\\{": "{",
    "\\}": "}",
    "\\n": "\n",
}


def _unescape(text: str) -> str:
    for escaped, plain in _GIFT_ESCAPES.items():
        text = text.replace(escaped, plain)
    return text.strip()


def _split_unescaped(text: str, marks: str) -> list[tuple[str, str]]:
    """Split an answer block into (mark, text) pieces at unescaped = ~ marks."""
    pieces, current, mark, i = [], [], None, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch in marks:
            if mark is not None:
                pieces.append((mark, "".join(current)))
            mark, current = ch, []
        else:
            current.append(ch)
        i += 1
    if mark is not None:
        pieces.append((mark, "".join(current)))
    return pieces


Parsed = tuple[list[tuple[int, QuestionData]], list[tuple[int, str]]]


def parse_gift(text: str, default_item: str = "") -> Parsed:
    """Moodle GIFT: single choice {=a ~b}, multiple {~%50%a ~%50%b ~%-100%c}, {T}/{F}.

    `$CATEGORY: SH-01` lines set the item code for the questions after them.
    Returns (line number, question) pairs and (line number, problem) pairs.
    """
    questions, problems = [], []
    item_code = default_item.strip().upper()
    blocks, buffer, start = [], [], 1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.upper().startswith("$CATEGORY:"):
            if buffer:
                blocks.append((start, "\n".join(buffer), item_code))
                buffer = []
            item_code = stripped.split(":", 1)[1].strip().split("/")[-1].upper()
            continue
        if not stripped:
            if buffer:
                blocks.append((start, "\n".join(buffer), item_code))
                buffer = []
            continue
        if not buffer:
            start = number
        buffer.append(line)
    if buffer:
        blocks.append((start, "\n".join(buffer), item_code))

    for line_no, block, code in blocks:
        match = re.match(
            r"^\s*(?:::(.*?)::)?(.*?)(?<!\\)\{(.*)(?<!\\)\}(.*)$", block, re.S
        )
        if not match:
            problems.append((line_no, "找不到答案部分 {…}。"))
            continue
        stem = _unescape((match.group(2) + " " + match.group(4)).strip())
        body = match.group(3).strip()
        general = ""
        if "####" in body:
            body, general = body.split("####", 1)
        if not code:
            problems.append(
                (
                    line_no,
                    "没有事项编码：请在文件中写 $CATEGORY: 事项编码，"
                    "或在上传时选择事项。",
                )
            )
            continue
        upper = body.strip().upper()
        if upper.split("#")[0].strip() in ("T", "TRUE", "F", "FALSE"):
            parts = body.split("#")
            feedback = _unescape(parts[-1]) if len(parts) > 1 else ""
            questions.append(
                (
                    line_no,
                    QuestionData(
                        item_code=code,
                        qtype=JUDGE,
                        stem=stem,
                        options=[],
                        answer=upper.split("#")[0].strip() in ("T", "TRUE"),
                        explanation=_unescape(general) or feedback,
                    ),
                )
            )
            continue
        pieces = _split_unescaped(body, "=~")
        if len(pieces) < 2:
            problems.append((line_no, "选择题至少需要两个选项。"))
            continue
        options, right, feedback = [], [], []
        weighted = False
        for index, (mark, piece) in enumerate(pieces):
            if index >= len(LETTERS):
                problems.append((line_no, "选项不能超过 6 个。"))
                break
            weight = None
            weight_match = re.match(r"^\s*%(-?\d+(?:\.\d+)?)%(.*)$", piece, re.S)
            if weight_match:
                weighted = True
                weight, piece = float(weight_match.group(1)), weight_match.group(2)
            option_text, _, fb = piece.partition("#")
            key = LETTERS[index]
            options.append({"key": key, "text": _unescape(option_text)})
            if fb.strip():
                feedback.append(_unescape(fb))
            if mark == "=" or (weight is not None and weight > 0):
                right.append(key)
        if not right:
            problems.append((line_no, "没有标出正确答案（= 或正分值）。"))
            continue
        qtype = MULTI if weighted or len(right) > 1 else SINGLE
        questions.append(
            (
                line_no,
                QuestionData(
                    item_code=code,
                    qtype=qtype,
                    stem=stem,
                    options=options,
                    answer=sorted(right),
                    explanation=_unescape(general) or "；".join(feedback),
                ),
            )
        )
    return questions, problems


# ---------------------------------------------------------------- Aiken


def parse_aiken(text: str, item_code: str) -> Parsed:
    """Aiken: a stem, options "A." or "A)", then "ANSWER: B"; single choice only."""
    questions, problems = [], []
    item_code = item_code.strip().upper()
    stem_lines, options, start = [], [], None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if start is None:
            start = number
        option = re.match(r"^([A-Fa-f])[.)．、]\s*(.+)$", stripped)
        answer = re.match(r"^ANSWER\s*[:：]\s*([A-Fa-f])\s*$", stripped, re.I)
        if answer:
            key = answer.group(1).upper()
            if not item_code:
                problems.append((start, "Aiken 文件没有事项编码，请在上传时选择事项。"))
            elif len(options) < 2:
                problems.append((start, "至少需要两个选项。"))
            elif key not in [o["key"] for o in options]:
                problems.append((number, f"答案“{key}”不在选项中。"))
            else:
                questions.append(
                    (
                        start,
                        QuestionData(
                            item_code=item_code,
                            qtype=SINGLE,
                            stem=" ".join(stem_lines),
                            options=options,
                            answer=[key],
                        ),
                    )
                )
            stem_lines, options, start = [], [], None
        elif option and stem_lines:
            options.append(
                {"key": option.group(1).upper(), "text": option.group(2).strip()}
            )
        elif options:
            problems.append((number, "选项之后应是“ANSWER: 字母”。"))
            stem_lines, options, start = [], [], None
        else:
            stem_lines.append(stripped)
    if stem_lines or options:
        problems.append((start or 0, "最后一题缺少“ANSWER: 字母”。"))
    return questions, problems


# ---------------------------------------------------------------- XLSX


def text_width(text: str) -> int:
    """Width in Excel's units, which count Latin characters: a Chinese character
    takes two, so sizing by len() leaves 题干 in a column 2–6 characters wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def xlsx_workbook(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """Sheets of (title, headers, rows) as one XLSX a trainer can read as opened.

    Each column is as wide as its longest cell (at least COLUMN_MIN_WIDTHS for
    the columns people type long text into, at most MAX_COLUMN_WIDTH, wrapping
    beyond). Text starting with = stays text, never a formula.
    """
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if is_formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                if text_width(str(cell.value or "")) > MAX_COLUMN_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers):
            widest = max(
                (text_width(str(row[index] or "")) for row in rows),
                default=0,
            )
            width = max(widest, text_width(header), COLUMN_MIN_WIDTHS.get(header, 8))
            sheet.column_dimensions[get_column_letter(index + 1)].width = (
                min(width, MAX_COLUMN_WIDTH) + 2
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
