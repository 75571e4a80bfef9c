"""The embedded default carries a street's workers at once.

Twenty workers log in, start the same practice quiz, autosave twenty answers each
and hand in, all at the same moment, against a file SQLite database, while a real
background worker writes search-index updates to the same file. Before WAL and
IMMEDIATE transactions about a third of such saves failed with "database is
locked"; a lost autosave is an answer graded 未作答.
"""

import json
import re
import subprocess
import threading
import time

import pytest
import requests
from django.db import connection

from manuals.models import ServiceItemPage
from quizzes.models import Attempt
from quizzes.responses import option_ids
from tests.factories import PASSWORD, StaffFactory
from tests.workers import db_worker

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]

CLIENTS = 20
SAVES_PER_CLIENT = 20


def _queue_index_work(rounds: int) -> int:
    """Search-index updates for every page, as publishing in the admin queues."""
    from modelsearch.tasks import insert_or_update_object_task

    queued = 0
    pks = list(ServiceItemPage.objects.values_list("pk", flat=True))
    for _ in range(rounds):
        for pk in pks:
            insert_or_update_object_task.using(backend="database").enqueue(
                "manuals", "serviceitempage", str(pk)
            )
            queued += 1
    return queued


def _answers_for(qtype: str, step: int, ids: list[str]):
    """A different answer on every save of a question, by its type, naming the
    options by the ids the page gave them."""
    if qtype == "judge":
        return step % 2 == 0
    if qtype == "single":
        return [ids[step % len(ids)]]
    if qtype == "multi":
        return [ids[:1], ids[:2], ids[1:3]][step % 3]
    if qtype == "scenario":
        return {"eligible": step % 2 == 0, "condition": f"c{1 + step % 3}"}
    return [ids[:2], ids[1::-1]][step % 2]


def _option_ids(html: str, position: int) -> list[str]:
    """The option ids of one question, in page order."""
    return re.findall(rf'name="q{position}(?:" value="|_rank_)(o[0-9a-f]+)"', html)


def _in_keys(attempt, sent: dict) -> dict:
    """The responses as sent (option ids) in the bank's keys, as they are stored."""
    rows = {
        q.position: q for q in attempt.questions.select_related("version__question")
    }
    expected = {}
    for position, response in sent.items():
        row = rows[position]
        if isinstance(response, list):
            ids = option_ids(attempt.token, position, row.option_order)
            keys = [ids[i] for i in response]
            if row.version.question.qtype == "multi":
                keys.sort()
            response = keys
        expected[position] = response
    return expected


def _csrf(session: requests.Session, html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else session.cookies.get("csrftoken", "")


def _one_worker(base: str, username: str, quiz_url: str, record: dict) -> None:
    s = requests.Session()
    failures = record.setdefault("failures", [])
    page = s.get(f"{base}/login/", timeout=60)
    login = s.post(
        f"{base}/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf(s, page.text),
        },
        headers={"Referer": f"{base}/login/"},
        timeout=60,
    )
    if login.status_code >= 400 or "/login/" in login.url:
        failures.append(("login", login.status_code))
        return
    quiz = s.get(f"{base}{quiz_url}", timeout=60)
    started = s.post(
        f"{base}{quiz_url}",
        data={"csrfmiddlewaretoken": _csrf(s, quiz.text)},
        headers={"Referer": f"{base}{quiz_url}"},
        timeout=60,
    )
    token = re.search(r"/quiz/attempt/([0-9a-f-]{36})/", started.url)
    if started.status_code >= 400 or token is None:
        failures.append(("start", started.status_code))
        return
    record["token"] = token.group(1)
    positions = [
        (int(p), t)
        for p, t in re.findall(
            r'data-position="(\d+)" data-qtype="(\w+)"', started.text
        )
    ]
    csrf = s.cookies.get("csrftoken")
    last = {}
    for step in range(SAVES_PER_CLIENT):
        position, qtype = positions[step % len(positions)]
        response = _answers_for(qtype, step, _option_ids(started.text, position))
        saved = s.post(
            f"{base}/quiz/attempt/{record['token']}/answer/",
            data=json.dumps(
                {"position": position, "response": response, "seq": step + 1}
            ),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": csrf,
                "Referer": started.url,
            },
            timeout=60,
        )
        if saved.status_code != 200:
            failures.append(("answer", saved.status_code))
        else:
            last[position] = response
    record["last"] = last
    submitted = s.post(
        f"{base}/quiz/attempt/{record['token']}/submit/",
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": started.url},
        timeout=60,
    )
    if submitted.status_code >= 400:
        failures.append(("submit", submitted.status_code))


def test_twenty_workers_autosave_at_once_without_a_single_error(
    live_server, practice, org
):
    assert connection.vendor == "sqlite" and connection.settings_dict["NAME"]
    people = [StaffFactory(org_unit=org["衢州路社区"]) for _ in range(CLIENTS)]
    queued = _queue_index_work(rounds=40)
    worker = db_worker(interval="0.05", stderr=subprocess.PIPE)
    try:
        records = [{} for _ in people]
        threads = [
            threading.Thread(
                target=_one_worker,
                args=(live_server.url, person.username, practice.url, record),
            )
            for person, record in zip(people, records, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        # The worker was writing the whole time, and finishes its queue.
        from django_tasks_db.models import DBTaskResult

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]):
                break
            time.sleep(0.2)
        pending = DBTaskResult.objects.exclude(status="SUCCESSFUL").count()
    finally:
        worker.terminate()
        _out, worker_log = worker.communicate(timeout=30)

    assert [r.get("failures") for r in records] == [[]] * CLIENTS
    assert pending == 0, f"{pending} of {queued} index tasks did not finish"
    assert "database is locked" not in worker_log
    for person, record in zip(people, records, strict=True):
        attempt = Attempt.objects.get(token=record["token"])
        assert attempt.user == person and attempt.status == "submitted"
        held = {q.position: q.response for q in attempt.questions.all()}
        assert held == _in_keys(attempt, record["last"])
