"""The sign-in lock-out under the production shape: two uvicorn workers, PostgreSQL,
production's PBKDF2 hasher (a password check costs real time, which widens any race).

20 attempts from one client fired at once, spread over both workers, must not get more
than LOGIN_FAILURE_LIMIT failed password checks, and once they have failed nothing signs
in; the counts are read from what the server stored (axes' AccessAttempt and our sign-in
log), not from the answers alone.

Each scenario comes from its own client address: production trusts one proxy
(TRUSTED_PROXY_COUNT=1), so the X-Forwarded-For that nginx would append names the client.
"""

from __future__ import annotations

import http.client
import secrets
import threading
import time
from urllib.parse import urlencode

import pytest

from tests.integration.stack import production_stack

pytestmark = pytest.mark.services

LIMIT = 4
# Long enough for a whole burst to fall inside one cool-off (asserted below), short
# enough to wait out in the sequential scenario.
COOLOFF = 12
ATTEMPTS = 20
WRONG = "Username or password is incorrect."

SEED = """
from django.contrib.auth.hashers import get_hasher
from tests.factories import CustomerFactory, PASSWORD
from tenantdesk.accounts.models import User
customer = CustomerFactory(username="tenant")
User.objects.create_superuser("root", "root@example.com", PASSWORD)
print(json.dumps({"password": PASSWORD, "hasher": get_hasher().algorithm}))
"""

# What the server recorded for one client address: password checks that failed (axes'
# count and our log), sign-ins, and lock-out entries.
RECORDED = """
from django.db.models import Sum
from axes.models import AccessAttempt
from tenantdesk.accounts.models import SignInEvent
ip = {ip!r}
events = SignInEvent.objects.filter(ip_address=ip)
print(json.dumps({{
    "axes_failures": AccessAttempt.objects.filter(ip_address=ip)
        .aggregate(n=Sum("failures_since_start"))["n"] or 0,
    "failed": events.filter(kind="failed").count(),
    "signed_in": events.filter(kind="signed_in").count(),
    "locked_out": events.filter(kind="locked_out").count(),
}}))
"""


class Answer:
    def __init__(self, status: int, headers: dict, body: str):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def signed_in(self) -> bool:
        return self.status == 302 and "sessionid=" in self.headers.get("set-cookie", "")


def request(port: int, method: str, path: str, *, client: str, form: dict | None = None):
    """One HTTP request as nginx would pass it on (no redirects followed)."""
    csrf = secrets.token_hex(16)  # any 32-character secret: cookie and form field must agree
    headers = {
        "X-Forwarded-For": client,
        "Cookie": f"csrftoken={csrf}",
        "User-Agent": "lockout-test",
    }
    body = None
    if form is not None:
        body = urlencode({**form, "csrfmiddlewaretoken": csrf})
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        found = {name.lower(): value for name, value in response.getheaders()}
        found["set-cookie"] = "; ".join(response.headers.get_all("Set-Cookie") or [])
        return Answer(response.status, found, text)
    finally:
        connection.close()


def sign_in(port, username, password, *, client, path="/accounts/login"):
    return request(
        port, "POST", path, client=client, form={"username": username, "password": password}
    )


def burst(stack, path, username, wrong, right, *, client):
    """ATTEMPTS sign-ins released at the same moment, alternating between the workers;
    the right password is the one in the middle. Returns (answers, right answer, seconds)."""
    ports = [worker.port for worker in stack.workers]
    answers: list[Answer | None] = [None] * ATTEMPTS
    middle = ATTEMPTS // 2
    start = threading.Barrier(ATTEMPTS)

    def attempt(number: int) -> None:
        password = right if number == middle else f"{wrong}-{number}"
        start.wait()
        answers[number] = sign_in(
            ports[number % len(ports)], username, password, client=client, path=path
        )

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return answers, answers[middle], time.monotonic() - began


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with production_stack(
        tmp_path_factory.mktemp("lockout"),
        workers=2,
        static=True,
        extra_env={"LOGIN_FAILURE_LIMIT": str(LIMIT), "LOGIN_COOLOFF_SECONDS": str(COOLOFF)},
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def seeded(stack):
    data = stack.python(SEED)
    # The race needs a password check that takes time, as in production.
    assert data["hasher"] == "pbkdf2_sha256"
    return data


def recorded(stack, client: str) -> dict:
    return stack.python(RECORDED.format(ip=client))


def check_burst(stack, answers, right, seconds, client):
    statuses = [answer.status for answer in answers]
    seen = recorded(stack, client)
    report = f"statuses {sorted(statuses)}, recorded {seen}, {seconds:.1f} s\n{stack.logs()}"
    assert seconds < COOLOFF, "the burst outlasted the cool-off: " + report
    assert "Traceback" not in stack.logs(), report
    # Password checks that really happened: every failure both axes and our log counted,
    # plus the sign-in if the right password was among them. At most LIMIT checks failed;
    # a sign-in gives back its own slot (accounts/gate.py), so with it LIMIT + 1 is the
    # most that can reach the check.
    reached = seen["failed"] + seen["signed_in"]
    assert seen["axes_failures"] == seen["failed"], report
    assert seen["failed"] <= LIMIT, report
    assert seen["signed_in"] == sum(answer.signed_in for answer in answers) <= 1, report
    # Everything that did not reach the password check was refused with 429 and logged as
    # a lock-out; the failure that started the block is answered 429 too.
    assert statuses.count(429) >= ATTEMPTS - reached, report
    assert set(statuses) <= {200, 302, 429}, report
    assert seen["locked_out"] >= ATTEMPTS - reached, report
    for answer in answers:
        if answer.status == 429:
            assert 1 <= int(answer.headers["retry-after"]) <= COOLOFF, report
    # The right password either was one of the admitted attempts, or was refused.
    assert right.signed_in or right.status == 429, report
    return seen, statuses


def test_a_parallel_burst_on_two_workers_reaches_at_most_the_limit(stack, seeded):
    client = "203.0.113.10"
    page = request(stack.workers[0].port, "GET", "/accounts/login", client=client)
    assert page.status == 200 and 'name="csrfmiddlewaretoken"' in page.body

    answers, right, seconds = burst(
        stack, "/accounts/login", "tenant", "wrong-password", seeded["password"], client=client
    )
    seen, statuses = check_burst(stack, answers, right, seconds, client)
    print(f"sign-in burst: {statuses.count(429)} x 429, recorded {seen}, right {right.status}")

    # Once LIMIT checks have failed, the address stays blocked, the right password included.
    if seen["failed"] == LIMIT:
        after = sign_in(stack.workers[1].port, "tenant", seeded["password"], client=client)
        assert after.status == 429 and not after.signed_in


def test_a_parallel_burst_on_the_admin_login_reaches_at_most_the_limit(stack, seeded):
    client = "203.0.113.11"
    answers, right, seconds = burst(
        stack, "/admin/login/", "root", "wrong-password", seeded["password"], client=client
    )
    seen, statuses = check_burst(stack, answers, right, seconds, client)
    print(f"admin burst: {statuses.count(429)} x 429, recorded {seen}, right {right.status}")
    if seen["failed"] == LIMIT:
        after = sign_in(
            stack.workers[0].port, "root", seeded["password"], client=client, path="/admin/login/"
        )
        assert after.status == 429 and not after.signed_in


def test_sequential_failures_block_and_the_block_ends_after_the_cool_off(stack, seeded):
    client = "203.0.113.12"
    port_a, port_b = (worker.port for worker in stack.workers)
    for number in range(LIMIT - 1):
        answer = sign_in((port_a, port_b)[number % 2], "tenant", "wrong-password", client=client)
        assert answer.status == 200 and WRONG in answer.body
    blocked = sign_in(port_b, "tenant", "wrong-password", client=client)
    assert blocked.status == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= COOLOFF
    # Another worker knows it, and the right password does not help.
    assert sign_in(port_a, "tenant", seeded["password"], client=client).status == 429
    page = request(port_b, "GET", "/accounts/login", client=client)
    assert page.status == 429
    # Another client behind the same proxy is not affected.
    other = sign_in(port_a, "tenant", seeded["password"], client="203.0.113.13")
    assert other.signed_in

    time.sleep(int(page.headers["retry-after"]) + 0.5)
    answer = sign_in(port_a, "tenant", seeded["password"], client=client)
    assert answer.signed_in, (answer.status, stack.logs())
    seen = recorded(stack, client)
    # The blocking failure and the right password while blocked are the two lock-outs.
    assert (seen["failed"], seen["signed_in"], seen["locked_out"]) == (LIMIT, 1, 2)


@pytest.mark.parametrize("path", ["/accounts/login", "/admin/login/"])
def test_bad_user_names_are_counted_failures_not_errors(stack, seeded, path):
    client = "203.0.113.14" if path == "/accounts/login" else "203.0.113.15"
    port = stack.workers[0].port
    for username in ("a" * 300, "mal\x00lory", "\x00"):
        answer = sign_in(port, username, "wrong-password", client=client, path=path)
        assert answer.status == 200, (answer.status, stack.logs())
    seen = recorded(stack, client)
    assert (seen["axes_failures"], seen["failed"], seen["locked_out"]) == (3, 3, 0)
    assert "Traceback" not in stack.logs()
