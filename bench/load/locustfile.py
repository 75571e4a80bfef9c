"""A district's exam morning, against the production shape (bench/load/run.py).

- 社工 (ExamTaker): sign in (spread over the spawn time), read two items, take
  the annual exam answering one question every 15 s (each answer is an
  autosave), and hand it in with the page's form, which carries every answer
  again, as a browser's 交卷 does; then the result page. They answer right, so
  every submit grades a pass and queues EXAM_PASS for the task worker: the
  awards are really exercised.
- 管理者 (Manager): sign in, then open the rankings and the admin dashboard.
- 访客 (Visitor): the public /verify/ page, the baseline the others are
  measured against.

The right answers come from the database, as the server stored the attempt
(this process runs with the server's settings and secret), and are sent under
the page's opaque option ids, as a browser would.
"""

import os
import random
import re
import threading

import django
from locust import HttpUser, between, constant, events, task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.production")
django.setup()

from django.db import close_old_connections, connection  # noqa: E402

from quizzes.models import Attempt  # noqa: E402
from quizzes.responses import option_id  # noqa: E402

PASSWORD = os.environ.get("LOAD_PASSWORD", "Shegong@2026")
WORKERS = os.environ.get("LOAD_WORKERS", "").split(",")
MANAGERS = os.environ.get("LOAD_MANAGERS", "GC0001,GC0002,GC0003").split(",")
ITEMS = os.environ.get("LOAD_ITEMS", "").split(",")
SERIALS = os.environ.get("LOAD_SERIALS", "").split(",")
SAVE_EVERY = float(os.environ.get("LOAD_SAVE_EVERY", 15))
# Managers and visitors come in fixed numbers; every other user takes the exam.
FIXED_MANAGERS, FIXED_VISITORS = (
    int(n) for n in os.environ.get("LOAD_FIXED", "10,20").split(",")
)

_next = 0
_lock = threading.Lock()


def _next_worker() -> str:
    global _next
    with _lock:
        username = WORKERS[_next % len(WORKERS)]
        _next += 1
    return username


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else ""


def _log_in(user, username: str) -> bool:
    page = user.client.get("/login/", name="/login/ [GET]")
    done = user.client.post(
        "/login/",
        {
            "csrfmiddlewaretoken": _csrf(page.text),
            "username": username,
            "password": PASSWORD,
        },
        headers={"Referer": f"{user.host}/login/"},
        name="/login/ [POST]",
        allow_redirects=False,
    )
    return done.status_code == 302


def _answers(token: str) -> dict[int, tuple[str, object]]:
    """position → (question type, the right answer), as the page would send
    it. Each simulated user is a greenlet, and Django gives each its own
    connection: it is closed at once, or a thousand would exhaust the server's."""
    try:
        attempt = Attempt.objects.get(token=token)
        answers = {}
        for row in attempt.questions.select_related("version__question"):
            key, qtype = row.version.answer, row.version.question.qtype
            if qtype in ("single", "multi", "ordering"):
                key = [option_id(attempt.token, row.position, k) for k in key]
            answers[row.position] = (qtype, key)
    finally:
        connection.close()
    return answers


def _form(answers: dict[int, tuple[str, object]]) -> dict:
    """The attempt page's form as the browser posts it on 交卷: every answer
    again, under the page's field names (they were autosaved already)."""
    form = {}
    for position, (qtype, answer) in answers.items():
        name = f"q{position}"
        if qtype == "judge":
            form[name] = "true" if answer else "false"
        elif qtype == "scenario":
            form[f"{name}_eligible"] = "true" if answer.get("eligible") else "false"
            form[f"{name}_condition"] = answer.get("condition") or ""
        elif qtype == "ordering":
            for rank, option in enumerate(answer, start=1):
                form[f"{name}_rank_{option}"] = str(rank)
        else:
            form[name] = answer
    return form


class ExamTaker(HttpUser):
    wait_time = constant(SAVE_EVERY)

    def on_start(self):
        self.username = _next_worker()
        self.ok = _log_in(self, self.username)
        self.todo = None
        if not self.ok:
            return
        for item in random.sample(ITEMS, min(2, len(ITEMS))):
            self.client.get(item, name="item page")
        exam = self.client.get("/quiz/exam/", name="/quiz/exam/")
        started = self.client.post(
            exam.url,
            {"csrfmiddlewaretoken": _csrf(exam.text)},
            headers={"Referer": exam.url},
            name="exam start",
        )
        match = re.search(r"/quiz/attempt/([0-9a-f-]{36})/", started.url)
        if match is None:
            self.ok = False
            return
        self.token = match.group(1)
        self.csrf = self.client.cookies.get("csrftoken", "")
        self.referer = started.url
        self.answers = _answers(self.token)
        self.todo = sorted(self.answers.items())
        self.seq = 0

    @task
    def answer_next(self):
        if not self.ok:
            self.stop()
            return
        if self.todo:
            position, (_qtype, response) = self.todo.pop(0)
            self.seq += 1
            self.client.post(
                f"/quiz/attempt/{self.token}/answer/",
                json={"position": position, "response": response, "seq": self.seq},
                headers={"X-CSRFToken": self.csrf, "Referer": self.referer},
                name="autosave",
            )
            return
        # The hand-in and the result page it leads to are timed apart: the
        # target is on the hand-in, and the result page is one more page view.
        handed_in = self.client.post(
            f"/quiz/attempt/{self.token}/submit/",
            {
                "csrfmiddlewaretoken": self.csrf,
                "confirmed": "1",
                **_form(self.answers),
            },
            headers={"Referer": self.referer},
            name="submit",
            allow_redirects=False,
        )
        if handed_in.status_code == 302:
            self.client.get(handed_in.headers["Location"], name="result page")
        self.ok = False
        self.stop()


class Manager(HttpUser):
    fixed_count = FIXED_MANAGERS
    wait_time = between(5, 15)

    def on_start(self):
        self.ok = _log_in(self, random.choice(MANAGERS))

    @task(2)
    def rankings(self):
        self.client.get("/admin/rankings/", name="rankings")

    @task(1)
    def dashboard(self):
        self.client.get("/admin/", name="dashboard")


class Visitor(HttpUser):
    fixed_count = FIXED_VISITORS
    wait_time = between(2, 5)

    @task
    def verify(self):
        self.client.get(f"/verify/{random.choice(SERIALS)}/", name="/verify/")


@events.quitting.add_listener
def _close(environment, **kwargs):
    close_old_connections()
