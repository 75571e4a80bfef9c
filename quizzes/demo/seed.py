"""Demo question bank, quiz pages and a season of attempts, through the services."""

import datetime
import random
from zoneinfo import ZoneInfo

from manuals.models import (
    CategoryPage,
    HandlingType,
    Level,
    ManualIndexPage,
    ServiceItemPage,
    StudyRecord,
)
from quizzes.demo.examples import EXAMPLES
from quizzes.models import (
    AnnualExamPage,
    Attempt,
    CategoryQuizPage,
    DrawRuleRow,
    PracticeQuizPage,
    Question,
    QuizIndexPage,
    stem_fingerprint,
)
from quizzes.services import (
    QuizRefused,
    answer_save,
    attempt_start,
    attempt_submit,
    question_save,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LETTERS = "ABCDEF"
# Conditions workers often get wrong in real life; the simulation makes them hard.
TRAPS = {
    ("SH-01", "c3"),
    ("BM-04", "c3"),
    ("JS-04", "c3"),
    ("RS-06", "c2"),
    ("DQ-04", "c1"),
    ("JS-02", "c2"),
}


def _opts(texts):
    return [{"key": LETTERS[n], "text": t} for n, t in enumerate(texts)]


def _generated(item: ServiceItemPage, other_materials: list[str], rng) -> list[dict]:
    """Questions any item supports: level, handling type, materials, a condition…"""
    title = item.title
    levels = [str(label) for _, label in Level.choices]
    handling = [str(label) for _, label in HandlingType.choices]
    found = [
        {
            "qtype": "single",
            "codes": ["decided_at"],
            "difficulty": 1,
            "stem": f"“{title}”由哪一级作出决定？",
            "options": _opts(levels),
            "answer": [LETTERS[levels.index(item.get_decided_at_display())]],
            "explanation": f"由{item.get_decided_at_display()}级决定，"
            f"在{item.get_accepted_at_display()}受理。",
        },
        {
            "qtype": "single",
            "codes": ["handling_type"],
            "difficulty": 2,
            "stem": f"在片区公共服务中心，“{title}”属于哪一类？",
            "options": _opts(handling),
            "answer": [LETTERS[handling.index(item.get_handling_type_display())]],
            "explanation": f"本事项按{item.get_handling_type_display()}办理。",
        },
    ]
    conditions = item.active_conditions
    required = [c for c in conditions if c.kind == "required"]
    if required:
        first = required[0]
        found.append(
            {
                "qtype": "judge",
                "codes": [first.code],
                "difficulty": 1,
                "stem": f"办理“{title}”的条件之一是：{first.text}",
                "answer": True,
                "explanation": f"见办理条件第{item.condition_number(first.code)}条。",
            }
        )
    target = next((c for c in conditions if c.parameter), None) or (
        required[-1] if required else (conditions[0] if conditions else None)
    )
    if target is not None:
        situation = (
            f"但存在以下情形：“{target.text}”"
            if target.kind == "exclusion"
            else f"唯独不满足：“{target.text}”"
        )
        found.append(
            {
                "qtype": "scenario",
                "codes": [target.code],
                "difficulty": 2,
                "stem": f"居民咨询“{title}”：其他条件都满足，{situation}。能否办理？",
                "answer": {"eligible": False, "condition": target.code},
                "explanation": (
                    f"第{item.condition_number(target.code)}条不满足，不能办理。"
                ),
            }
        )
    materials = [m.name for m in item.materials.all()]
    if len(materials) >= 2:
        real = materials[:3]
        fakes = [m for m in other_materials if not _overlaps(m, materials)]
        picked = rng.sample(fakes, 2)
        texts = real + picked
        rng.shuffle(texts)
        found.append(
            {
                "qtype": "multi",
                "codes": ["materials"],
                "difficulty": 2,
                "stem": f"居民办理“{title}”，下列哪些材料需要准备？",
                "options": _opts(texts),
                "answer": sorted(LETTERS[texts.index(t)] for t in real),
                "explanation": "需要的材料：" + "、".join(materials) + "。",
            }
        )
    steps = [s.name for s in item.steps.all()]
    if len(steps) >= 3 and len(set(steps)) == len(steps) and len(steps) <= 6:
        # Listed out of order, so the key is never simply A, B, C…
        listed = steps[:]
        while listed == steps:
            rng.shuffle(listed)
        found.append(
            {
                "qtype": "ordering",
                "codes": ["steps"],
                "difficulty": 2,
                "stem": f"请把“{title}”的办理流程按先后排好。",
                "options": _opts(listed),
                "answer": [LETTERS[listed.index(step)] for step in steps],
                "explanation": "流程：" + " → ".join(steps) + "。",
            }
        )
    return found


def _overlaps(candidate: str, materials: list[str]) -> bool:
    """A distractor sharing three characters with a real material would be unfair."""
    pieces = {candidate[i : i + 3] for i in range(len(candidate) - 2)} or {candidate}
    return any(piece in real for piece in pieces for real in materials)


def _save(item, spec, author) -> None:
    if Question.objects.filter(
        fingerprint=stem_fingerprint(item.pk, spec["stem"])
    ).exists():
        return
    answer = spec["answer"]
    if spec["qtype"] == "scenario" and "condition" not in answer:
        answer = {**answer, "condition": spec["codes"][0]}
    options = spec.get("options", [])
    if options and isinstance(options[0], str):
        options = _opts(options)
    question_save(
        question=None,
        item=item,
        qtype=spec["qtype"],
        stem=spec["stem"],
        options=options,
        answer=answer,
        explanation=spec["explanation"],
        condition_codes=spec["codes"],
        difficulty=spec["difficulty"],
        user=author,
    )


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def seed_quizzes(*, units, people, rng: random.Random, stdout, now=None) -> None:
    now = now or datetime.datetime.now(tz=SHANGHAI)
    author = people["trainers"][0]
    items = list(
        ServiceItemPage.objects.order_by("path").prefetch_related(
            "conditions", "materials", "steps"
        )
    )
    all_materials = sorted({m.name for i in items for m in i.materials.all()})
    by_code = {i.item_code: i for i in items}
    for item in items:
        for spec in _generated(item, all_materials, rng):
            _save(item, spec, author)
    for spec in EXAMPLES:
        _save(by_code[spec["item"]], spec, author)

    root = ManualIndexPage.objects.get()
    for item in items:
        if not item.get_children().type(PracticeQuizPage).exists():
            _publish(
                item,
                PracticeQuizPage(
                    title=f"{item.title}·随学随练",
                    slug="lianxi",
                    item=item,
                    question_count=5,
                    intro="5 道题，交卷后立即看答案与解析，不限次数。",
                ),
            )
    for category in CategoryPage.objects.order_by("path"):
        if not category.get_children().type(CategoryQuizPage).exists():
            quiz = CategoryQuizPage(
                title=f"{category.title}测验",
                slug="ceyan",
                category=category,
                intro=(
                    "从本类别题库随机抽 10 题，80 分及格；"
                    "每次间隔至少 30 分钟，共 3 次机会。"
                ),
            )
            quiz.draw_rules = [DrawRuleRow(count=10)]
            _publish(category, quiz)
    index = QuizIndexPage.objects.first() or _publish(
        root,
        QuizIndexPage(title="测验中心", slug="ceyan", intro="分类测验与年度考试。"),
    )
    if not AnnualExamPage.objects.exists():
        # Last year's exam (closed) and this year's, open in November and December.
        for year in (now.year - 1, now.year):
            exam = AnnualExamPage(
                title=f"{year}年度全能社工考试",
                slug=f"kaoshi-{year}",
                intro="每个类别抽 3 题，共 21 题，60 分钟，60 分及格，只有一次机会。",
                opens_at=datetime.datetime(year, 11, 1, 8, 0, tzinfo=SHANGHAI),
                closes_at=datetime.datetime(year, 12, 31, 23, 59, tzinfo=SHANGHAI),
            )
            exam.draw_rules = [
                DrawRuleRow(category=category, count=3)
                for category in CategoryPage.objects.order_by("path")
            ]
            _publish(index, exam)

    if not Attempt.objects.exists():
        _model_workers(_one_per_centre(people["workers"]), now)
        _simulate_attempts(people["workers"], rng, now)
        _rushed_attempt(people["workers"], now)
    stdout.write(
        f"  题库：{Question.objects.count()} 题；测验 "
        f"{PracticeQuizPage.objects.count()} 个随学随练、"
        f"{CategoryQuizPage.objects.count()} 个分类测验、"
        f"{AnnualExamPage.objects.count()} 场年度考试；"
        f"作答 {Attempt.objects.count()} 次"
    )


def _wrong(qtype, answer, options, item, rng):
    keys = [o["key"] for o in options]
    if qtype == "single":
        return [rng.choice([k for k in keys if k not in answer])]
    if qtype == "multi":
        if len(answer) > 1 and rng.random() < 0.6:
            return sorted(rng.sample(answer, len(answer) - 1))
        extra = [k for k in keys if k not in answer]
        return sorted([*answer, rng.choice(extra)]) if extra else answer[:1]
    if qtype == "judge":
        return not answer
    if qtype == "scenario":
        others = [
            c.code for c in item.active_conditions if c.code != answer["condition"]
        ]
        if others and rng.random() < 0.6:
            return {"eligible": answer["eligible"], "condition": rng.choice(others)}
        return {"eligible": not answer["eligible"], "condition": answer["condition"]}
    order = list(answer)
    i = rng.randrange(len(order) - 1)
    order[i], order[i + 1] = order[i + 1], order[i]
    return order


def _sit(user, quiz, start, skill, rng) -> Attempt | None:
    try:
        attempt = attempt_start(user=user, quiz=quiz, now=start, rng=rng)
    except QuizRefused:
        return None
    moment = start
    for row in attempt.questions.select_related("version__question__item"):
        version, question = row.version, row.version.question
        item = question.item
        chance = skill - (question.difficulty - 2) * 0.1
        if any((item.item_code, c) in TRAPS for c in version.condition_codes):
            chance -= 0.35
        moment += datetime.timedelta(seconds=rng.randint(20, 70))
        if rng.random() < 0.03:
            continue  # left blank
        response = (
            version.answer
            if rng.random() < chance
            else _wrong(question.qtype, version.answer, version.options, item, rng)
        )
        answer_save(
            attempt=attempt, position=row.position, response=response, now=moment
        )
    return attempt_submit(
        attempt=attempt, now=moment + datetime.timedelta(seconds=30), award_now=True
    )


def _one_per_centre(workers) -> list:
    """The first worker of each 片区 (by the demo's order): the demo's best, who
    have studied every 高频事项, passed its quiz and last year's exam, so that
    初级社工 certificates exist to show in every centre."""
    chosen = {}
    for worker in workers:
        centre = worker.org_unit.path[: 3 * worker.org_unit.steplen]
        chosen.setdefault(centre, worker)
    return list(chosen.values())


def _ace(user, quiz, start, *, per_question=60) -> Attempt | None:
    """Sit a quiz and answer everything right, a question a minute."""
    try:
        attempt = attempt_start(user=user, quiz=quiz, now=start)
    except QuizRefused:
        return None
    moment = start
    for row in attempt.questions.select_related("version"):
        moment += datetime.timedelta(seconds=per_question)
        answer_save(
            attempt=attempt,
            position=row.position,
            response=row.version.answer,
            now=moment,
        )
    return attempt_submit(
        attempt=attempt, now=moment + datetime.timedelta(seconds=30), award_now=True
    )


def _model_workers(workers, now) -> None:
    from manuals.demo.seed import _read

    frequent = list(
        ServiceItemPage.objects.live()
        .filter(high_frequency=True, discontinued=False)
        .order_by("path")
    )
    practice = {q.item_id: q for q in PracticeQuizPage.objects.live()}
    last_exam = (
        AnnualExamPage.objects.live()
        .filter(closes_at__lt=now)
        .order_by("-closes_at")
        .first()
    )
    for n, worker in enumerate(workers):
        if last_exam is not None:
            _ace(worker, last_exam, last_exam.opens_at + datetime.timedelta(days=9 + n))
        for k, item in enumerate(frequent):
            start = (now - datetime.timedelta(days=90 - 2 * k - n)).replace(
                hour=10, minute=0, second=0, microsecond=0
            )
            _read(worker, item, start)
            if item.pk in practice:
                _ace(worker, practice[item.pk], start + datetime.timedelta(hours=2))


def _rushed_attempt(workers, now) -> None:
    """One worker clicks through the busiest category quiz in a few seconds a
    question: right, but far faster than everyone else, so the award waits in
    暂扣积分 for a manager."""
    from django.db.models import Count

    busiest = (
        CategoryQuizPage.objects.live()
        .annotate(n=Count("attempts"))
        .order_by("-n", "path")
        .first()
    )
    if busiest is None:
        return
    sat = set(busiest.attempts.values_list("user_id", flat=True))
    rusher = next((w for w in workers[1:] if w.pk not in sat), None)
    if rusher is not None:
        _ace(rusher, busiest, now - datetime.timedelta(days=2), per_question=4)


def _simulate_attempts(workers, rng: random.Random, now) -> None:
    practice = {q.item_id: q for q in PracticeQuizPage.objects.live()}
    # Ordered queries only: --seed N must give the same demo on every database.
    categories = list(CategoryQuizPage.objects.live().order_by("path"))
    exam = AnnualExamPage.objects.live().order_by("-opens_at").first()
    for worker in workers:
        skill = rng.uniform(0.5, 0.95)
        studied = list(
            StudyRecord.objects.filter(user=worker)
            .order_by("page__path")
            .values_list("page_id", flat=True)
        )
        for page_id in rng.sample(studied, min(1, len(studied))):
            if page_id in practice:
                day = now - datetime.timedelta(
                    days=rng.randint(10, 60), hours=rng.randint(0, 5)
                )
                _sit(worker, practice[page_id], day, skill, rng)
        for quiz in rng.sample(categories, 1):
            day = now - datetime.timedelta(
                days=rng.randint(5, 40), hours=rng.randint(0, 5)
            )
            attempt = _sit(worker, quiz, day, skill, rng)
            if attempt is not None and not attempt.passed:
                _sit(worker, quiz, day + datetime.timedelta(days=1), skill + 0.1, rng)
        if exam is not None and exam.is_open(now) and rng.random() < 0.75:
            day = max(exam.opens_at, now - datetime.timedelta(days=rng.randint(1, 20)))
            _sit(worker, exam, day, skill, rng)
