"""The audit's case (issue 18) against the production shape: uvicorn under production
settings, PostgreSQL, Redis and the task worker (`manage.py db_worker`). A customer's
subscription to https://127.0.0.1:<port>/x is refused (400, nothing stored); one stored
before the guard existed is not connected to when a message is pushed: a listener on that
port sees no connection, and the row is gone."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tenantdesk.notifications.management.commands.vapid_keys import vapid_key_pair
from tests.integration.stack import SEED_CHAT, production_stack
from tests.integration.test_production_sockets import http_send
from tests.outbound_helpers import connections_before_mine, listener

pytestmark = pytest.mark.services


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# A browser's keys as PushManager.subscribe makes them: a P-256 public key (a real one, so
# that a push to it could be encrypted and sent), a 16-byte secret.
POINT = (
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
)
KEYS = {"p256dh": b64url(POINT), "auth": b64url(os.urandom(16))}


@pytest.fixture
def stack(tmp_path):
    public, private = vapid_key_pair()
    env = {"VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private}
    with production_stack(tmp_path, workers=1, extra_env=env) as stack:
        yield stack


def subscribe(port: int, cookie: str, endpoint: str):
    csrf = secrets.token_hex(16)  # any 32-character secret: cookie and header must agree
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/live/push-subscription",
        data=json.dumps({"endpoint": endpoint, "keys": KEYS}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Cookie": f"sessionid={cookie}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


COUNT = "from tenantdesk.notifications.models import PushSubscription as P\n"


def test_the_audits_endpoint_is_refused_and_a_stored_one_is_never_reached(stack):
    data = stack.python(SEED_CHAT)
    port = stack.workers[0].port
    with listener() as inside:
        target = inside.getsockname()[1]
        for endpoint in [
            f"https://127.0.0.1:{target}/x",
            f"https://[::ffff:127.0.0.1]:{target}/x",
            "https://169.254.169.254/latest/meta-data/",
            f"https://push.example.net:{target}/x",
        ]:
            status, body = subscribe(port, data["customer"], endpoint)
            assert (status, body["error"]["code"]) == (400, "endpoint_refused"), (endpoint, body)
        assert stack.python(COUNT + "print(P.objects.count())") == 0

        # As stored before the guard: the worker must not connect to it.
        stack.python(
            COUNT + "from tenantdesk.accounts.models import User\n"
            f"P.objects.create(user=User.objects.get(pk={data['customer_id']}),"
            f" endpoint='https://127.0.0.1:{target}/x', p256dh={KEYS['p256dh']!r},"
            f" auth={KEYS['auth']!r})\nprint(1)"
        )
        status, sent = http_send(
            port, data["request"], data["manager"], "The key?", str(uuid.uuid4())
        )
        assert status in (200, 201), sent
        worker = subprocess.run(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
            cwd=stack.env["PYTHONPATH"],
            env=stack.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert worker.returncode == 0, worker.stderr[-3000:]
        assert connections_before_mine(inside) == 0
    # Refused without a lookup, so it can never be sent to: deleted, and said in the log.
    assert stack.python(COUNT + "print(P.objects.count())") == 0
    assert "refused (address" in worker.stderr + worker.stdout
