"""The sign-in lock-out behind nginx counts the address nginx saw: four failures from
127.0.0.1, each with a different forged X-Forwarded-For, block the address (the fourth is
answered with the block, a fifth with the right password too), while a client at 127.0.0.2
is not blocked. The sign-in log names the real addresses and none of the forged ones."""

from __future__ import annotations

from tests.scale.clients import sign_in
from tests.scale.conftest import seed

SCENARIO = "lock-out via nginx"
WRONG = b"Username or password is incorrect"

RECORDED = """
from tenantdesk.accounts.models import SignInEvent
rows = SignInEvent.objects.filter(username={username!r})
print(json.dumps(sorted({{f"{{e.ip_address}} {{e.kind}}" for e in rows}})))
"""


def test_the_lockout_counts_the_address_nginx_passes_not_a_forged_one(site, figures):
    data = seed(site, 1, "lock")
    username, password = data["outsider_name"], data["password"]
    port = site.nginx.port

    answers = [
        sign_in(port, username, "wrong", source="127.0.0.1", forged=f"10.0.0.{n}").status
        for n in range(4)
    ]
    # The fourth failure fills the last slot: it is answered with the block itself.
    assert answers == [200, 200, 200, 429], answers
    blocked = sign_in(port, username, password, source="127.0.0.1", forged="10.0.0.99")
    assert blocked.status == 429, blocked.status
    assert "retry-after" in blocked.headers

    # Another client address, through the same nginx: not blocked.
    other_wrong = sign_in(port, username, "wrong", source="127.0.0.2")
    assert other_wrong.status == 200 and WRONG in other_wrong.body
    other = sign_in(port, username, password, source="127.0.0.2", forged="127.0.0.1")
    assert other.status == 302 and "sessionid=" in other.headers.get("set-cookie", "")

    events = site.stack.python(RECORDED.format(username=username))
    addresses = {event.split()[0] for event in events}
    assert addresses == {"127.0.0.1", "127.0.0.2"}, events
    assert "127.0.0.1 locked_out" in events and "127.0.0.2 signed_in" in events
    figures.add(SCENARIO, "4 failures, forged XFF varied", " ".join(map(str, answers)))
    figures.add(SCENARIO, "5th (right password, new forged XFF)", f"{blocked.status} blocked")
    figures.add(SCENARIO, "other client 127.0.0.2", f"{other_wrong.status} then {other.status}")
    figures.add(SCENARIO, "addresses in the sign-in log", ", ".join(sorted(addresses)))
