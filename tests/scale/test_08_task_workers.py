"""Two task workers (db_worker, the command line of deploy/systemd/tenantdesk-tasks@.service)
on the site's PostgreSQL send the digests: each person gets exactly one, not one per worker.

Managers write in 20 requests through nginx (the web workers enqueue the digest jobs, as in
production). The web workers run with the production delay (300 s): instead of waiting five
minutes, the scenario brings those jobs forward and, to make the workers race for the same
e-mails, enqueues two more digest jobs for every request. Both task workers poll at once;
an aiosmtpd server on 127.0.0.1 is their mail server (EMAIL_URL smtp://).
"""

from __future__ import annotations

import threading
import time
import uuid

from aiosmtpd.controller import Controller

from harness.stack import free_port
from harness.taskworkers import TaskWorker
from tests.scale.clients import post_message
from tests.scale.conftest import ARTIFACTS, seed

SCENARIO = "task workers: digests"
ROOMS = 20


class Inbox:
    def __init__(self):
        self.recipients: list[str] = []
        self.times: list[float] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
            self.times.append(time.monotonic())
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.recipients)


def test_two_task_workers_send_each_digest_once(site, figures, tmp_path):
    data = seed(site, ROOMS, "tasks")
    # The seeded people have no address; the customers get one (managers stay without,
    # so only the customers' digests are e-mailed).
    site.stack.python(
        "from tests.scale.task_jobs import give_addresses\n"
        "print(json.dumps(give_addresses('scale-tasks-c')))"
    )
    for room in data["rooms"]:
        answer = post_message(
            site.nginx.port,
            room["id"],
            room["manager"],
            "The electrician comes at 3 pm.",
            str(uuid.uuid4()),
        )
        assert answer.status == 201, answer.body[:300]
    ids = [room["id"] for room in data["rooms"]]
    jobs = site.stack.python(
        "from tests.scale.task_jobs import bring_forward_and_double\n"
        f"print(json.dumps(bring_forward_and_double({ids!r}, 2)))"
    )
    assert jobs == ROOMS  # one waiting digest job per request, not one per message

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        **site.stack.env,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "NOTIFY_DELAY_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }
    workers = [TaskWorker(env, str(n), tmp_path) for n in (1, 2)]
    time.sleep(1.2)  # the messages are older than the workers' delay
    started = time.monotonic()
    try:
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 90
        while inbox.count() < ROOMS and time.monotonic() < deadline:
            time.sleep(0.2)
        all_in = time.monotonic() - started
        time.sleep(5)  # anything more would arrive by now
    finally:
        codes = [worker.stop() for worker in workers]
        smtp.stop()
    logs = "\n".join(w.log()[-3000:] for w in workers)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for worker in workers:  # to read how the time went
        (ARTIFACTS / f"scale-task-worker-{worker.instance}.log").write_text(worker.log())
    assert codes == [0, 0], logs

    customers = sorted(f"scale-tasks-c{n}@example.com" for n in range(ROOMS))
    assert sorted(inbox.recipients) == customers, logs  # one each, none twice

    runs = site.stack.python(
        f"from tests.scale.task_jobs import outcome\nprint(json.dumps(outcome({ids!r})))"
    )
    assert runs["claimed_twice"] == 0
    assert runs["deliveries"] == {"sent": ROOMS}
    assert set(runs["statuses"]) == {"SUCCESSFUL"}, runs
    figures.add(SCENARIO, "requests with an unread message", ROOMS)
    figures.add(SCENARIO, "digest jobs (1 enqueued by the site + 2 extra each)", 3 * ROOMS)
    figures.add(SCENARIO, "e-mails accepted by SMTP", inbox.count())
    for worker in workers:
        figures.add(
            SCENARIO,
            f"jobs run by task worker {worker.instance}",
            runs["by_worker"].get(worker.worker_id, 0),
        )
    figures.add(SCENARIO, "workers started -> first e-mail accepted s", inbox.times[0] - started)
    figures.add(SCENARIO, "workers started -> all e-mails accepted s", all_in)
