"""The outbound guard (core/outbound.py, SPEC "Outbound requests"), from outside: which
addresses it refuses, and, against HTTPS servers on this machine, that it connects to the
address it checked with the host name in TLS, follows no redirect, keeps its timeouts and
caps what it reads. Names are answered at the guard's one seam (`outbound.lookup`);
127.0.0.x is reached only where OUTBOUND_ALLOW lets the test reach it."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from django.core import checks
from django.utils import translation

from tenantdesk.core import outbound
from tenantdesk.core.outbound import OutboundRefused
from tests.outbound_helpers import (
    Answer,
    connections_before_mine,
    fake_dns,
    https_server,
    listener,
    make_certificates,
)
from tests.unit.test_config import DEPLOYMENT_ENV, _run_production

PUBLIC_V4 = "142.250.74.10"
PUBLIC_V6 = "2a00:1450:4001:80b::200a"

# Literal hosts that must never be reached, each a form named in SPEC "Outbound requests".
FORBIDDEN_LITERALS = [
    "127.0.0.1:18443",  # the audit's example
    "127.9.9.9",
    "[::1]",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space (carrier NAT)
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "[::]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:169.254.169.254]",
    "[::ffff:10.0.0.1]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[2002:7f00:1::1]",  # 6to4 of 127.0.0.1
    "[2002:a9fe:a9fe::1]",  # 6to4 of 169.254.169.254
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    "[fc00::1]",  # unique local
    "[fd12:3456::1]",
    "[fe80::1]",  # link-local
    "[fec0::1]",  # site-local
    "[ff02::1]",  # multicast
    "[2001:db8::1]",  # documentation
]


@pytest.mark.parametrize("host", FORBIDDEN_LITERALS)
def test_a_literal_address_that_is_not_public_is_refused(host):
    with pytest.raises(OutboundRefused) as refused:
        outbound.check(f"https://{host}/x")
    assert refused.value.kind == OutboundRefused.ADDRESS


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "::ffff:127.0.0.1", "fd00::1"],
)
def test_a_name_that_resolves_to_an_address_that_is_not_public_is_refused(monkeypatch, address):
    fake_dns(monkeypatch, {"hooks.example.com": [address]})
    with pytest.raises(OutboundRefused) as refused:
        outbound.check("https://hooks.example.com/x")
    assert refused.value.kind == OutboundRefused.ADDRESS
    # The check alone looks nothing up again and connects nowhere.


def test_a_name_with_one_public_and_one_private_answer_is_refused_whole(monkeypatch):
    fake_dns(monkeypatch, {"hooks.example.com": [PUBLIC_V4, "127.0.0.1"]})
    with pytest.raises(OutboundRefused) as refused:
        outbound.check("https://hooks.example.com/x")
    assert refused.value.kind == OutboundRefused.ADDRESS


@pytest.mark.parametrize(
    "answer",
    [
        [PUBLIC_V4],
        [PUBLIC_V6],
        [PUBLIC_V4, PUBLIC_V6],
        ["2002:8efa:4a0a::1"],
        ["64:ff9b::8efa:4a0a"],
    ],
)
def test_a_public_address_passes(monkeypatch, answer):
    # 6to4 and NAT64 forms are judged by the IPv4 address they carry (here a public one).
    dns = fake_dns(monkeypatch, {"hooks.example.com": answer})
    outbound.check("https://hooks.example.com/x")
    assert dns.asked == ["hooks.example.com"]


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    fake_dns(monkeypatch, {})
    with pytest.raises(OutboundRefused) as refused:
        outbound.check("https://nowhere.example.com/x")
    assert refused.value.kind == OutboundRefused.NAME


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/x", "ftp://hooks.example.com/x", "//hooks.example.com", ""]
)
def test_only_https(monkeypatch, url):
    dns = fake_dns(monkeypatch, {"hooks.example.com": [PUBLIC_V4]})
    with pytest.raises(OutboundRefused) as refused:
        outbound.check(url)
    assert refused.value.kind == OutboundRefused.SCHEME
    assert dns.asked == []


HOSTS = ["fcm.googleapis.com", "*.push.apple.com"]


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("fcm.googleapis.com", True),
        ("FCM.GoogleAPIs.com", True),
        ("web.push.apple.com", True),
        ("push.apple.com", False),  # "*." is the names below it
        ("evilpush.apple.com", False),
        ("fcm.googleapis.com.evil.example", False),
        ("googleapis.com", False),
    ],
)
def test_a_host_list_admits_only_its_hosts(monkeypatch, host, allowed):
    fake_dns(monkeypatch, {host.lower(): [PUBLIC_V4]})
    url = f"https://{host}/send/1"
    if allowed:
        outbound.check(url, hosts=HOSTS)
        return
    with pytest.raises(OutboundRefused) as refused:
        outbound.check(url, hosts=HOSTS)
    assert refused.value.kind == OutboundRefused.HOST


def test_outbound_allow_admits_its_networks_and_nothing_else(monkeypatch, settings):
    fake_dns(monkeypatch, {"intranet.example": ["10.20.0.7"], "other.example": ["10.30.0.7"]})
    settings.OUTBOUND_ALLOW = ["10.20.0.0/24"]
    outbound.check("https://intranet.example/hook")
    with pytest.raises(OutboundRefused):
        outbound.check("https://other.example/hook")
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(OutboundRefused):
        outbound.check("https://intranet.example/hook")


def test_refusals_are_told_in_the_persons_language():
    refused = OutboundRefused(OutboundRefused.ADDRESS, "127.0.0.0/8 is Loopback")
    with translation.override("ru"):
        assert refused.message == (
            "Этот адрес не ведёт в публичный интернет, поэтому его нельзя использовать."
        )
    assert "127.0.0.0/8" in str(refused)  # the log's version says what was refused


# --- connections, against servers on this machine ------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("tls"), ["hooks.test"])


def guarded(certificates, hosts=()) -> requests.Session:
    session = outbound.session(hosts=hosts)
    session.verify = str(certificates.ca_file)  # the test CA instead of the system's
    return session


def test_it_connects_to_the_checked_address_with_the_host_name_in_tls(
    monkeypatch, settings, certificates
):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    with https_server(certificates) as server:
        dns = fake_dns(monkeypatch, {"hooks.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
        response = guarded(certificates).post(f"https://hooks.test:{server.port}/in", data=b"hi")
        assert response.status_code == 201
        assert dns.asked == ["hooks.test"]
        # The name, not the address, in SNI, in Host, and in the certificate check.
        assert server.server_names == ["hooks.test"]
        assert [(s.path, s.host, s.body) for s in server.seen] == [
            ("/in", f"hooks.test:{server.port}", b"hi")
        ]
        # The same address under a name the certificate does not carry: refused by TLS.
        with pytest.raises(requests.exceptions.SSLError):
            guarded(certificates).get(f"https://other.test:{server.port}/in")
        assert len(server.seen) == 1


def test_a_refused_name_gets_no_connection(monkeypatch, settings, certificates):
    with listener() as sock:
        port = sock.getsockname()[1]
        fake_dns(monkeypatch, {"hooks.test": ["127.0.0.1"]})
        for url in [f"https://hooks.test:{port}/x", f"http://hooks.test:{port}/x"]:
            with pytest.raises(OutboundRefused):
                guarded(certificates).get(url)
        assert connections_before_mine(sock) == 0
        # The proof can fail: a connection made without the guard is counted.
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        assert connections_before_mine(sock) == 1


def test_dns_rebinding_gets_nowhere(monkeypatch, settings, certificates):
    # hooks.test answers 127.0.0.2 (allowed here, as a public address would be) once, then
    # 127.0.0.1 (not allowed), where a listener waits on the same port. A guard that looked
    # the name up again to connect would land there.
    settings.OUTBOUND_ALLOW = ["127.0.0.2"]
    with (
        https_server(certificates, host="127.0.0.2") as server,
        listener("127.0.0.1", server.port) as inside,
    ):
        dns = fake_dns(monkeypatch, {"hooks.test": [["127.0.0.2"], ["127.0.0.1"]]})
        response = guarded(certificates).get(f"https://hooks.test:{server.port}/a")
        assert response.status_code == 201 and len(server.seen) == 1
        assert dns.asked == ["hooks.test"]  # one lookup, and it connected there
        # The next connection looks up again, gets 127.0.0.1, and is refused.
        with pytest.raises(OutboundRefused) as refused:
            guarded(certificates).get(f"https://hooks.test:{server.port}/b")
        assert refused.value.kind == OutboundRefused.ADDRESS
        assert connections_before_mine(inside) == 0
        assert len(server.seen) == 1


def test_a_redirect_is_not_followed(monkeypatch, settings, certificates):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    fake_dns(monkeypatch, {"hooks.test": ["127.0.0.1"]})
    with listener() as elsewhere:
        target = f"https://hooks.test:{elsewhere.getsockname()[1]}/inside"
        answer = Answer(status=302, headers={"Location": target})
        with https_server(certificates, answer=answer) as server:
            for follow in (True, False):
                with pytest.raises(OutboundRefused) as refused:
                    guarded(certificates).post(
                        f"https://hooks.test:{server.port}/start", allow_redirects=follow
                    )
                assert refused.value.kind == OutboundRefused.REDIRECT
            assert [s.path for s in server.seen] == ["/start", "/start"]
        assert connections_before_mine(elsewhere) == 0


@pytest.mark.parametrize(
    ("answer", "allowed"),
    [
        (Answer(body=b"x" * 1000), True),
        (Answer(body=b"x" * 1001), False),
        (Answer(chunks=[b"x" * 600, b"x" * 400]), True),
        (Answer(chunks=[b"x" * 600] * 50), False),  # no length said beforehand
    ],
)
def test_the_response_is_read_up_to_the_cap(monkeypatch, settings, certificates, answer, allowed):
    monkeypatch.setattr(outbound, "MAX_RESPONSE_BYTES", 1000)
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    fake_dns(monkeypatch, {"hooks.test": ["127.0.0.1"]})
    with https_server(certificates, answer=answer) as server:
        url = f"https://hooks.test:{server.port}/"
        if allowed:
            assert guarded(certificates).get(url).content == b"x" * 1000
        else:
            with pytest.raises(outbound.ResponseTooLarge):
                guarded(certificates).get(url)


def test_a_server_that_does_not_answer_is_given_up_on_after_the_read_timeout(
    monkeypatch, settings, certificates
):
    monkeypatch.setattr(outbound, "READ_TIMEOUT", 0.5)
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    fake_dns(monkeypatch, {"hooks.test": ["127.0.0.1"]})
    with https_server(certificates, answer=Answer(hold=threading.Event())) as server:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):
            # The caller's 60 s is not the guard's: a caller may only shorten it.
            guarded(certificates).get(f"https://hooks.test:{server.port}/", timeout=60)
        assert time.monotonic() - started < 10
        assert len(server.seen) == 1


@pytest.mark.parametrize(
    ("asked", "used"),
    [
        (None, (5.0, 10.0)),
        (60, (5.0, 10.0)),
        (2, (2, 2)),
        ((1, 30), (1, 10.0)),
        ((0, -1), (5.0, 10.0)),
    ],
)
def test_a_caller_may_shorten_the_timeouts_never_lengthen_them(asked, used):
    assert outbound._bounded(asked) == used


def test_a_connection_that_does_not_open_is_given_up_on_after_the_connect_timeout(
    monkeypatch, settings, certificates
):
    monkeypatch.setattr(outbound, "CONNECT_TIMEOUT", 0.5)
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    fake_dns(monkeypatch, {"hooks.test": ["127.0.0.1"]})
    # A listener whose one-place queue is taken: the kernel drops further connection
    # attempts, so the next connect waits until its timeout.
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    port = full.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectTimeout):
            guarded(certificates).get(f"https://hooks.test:{port}/", timeout=60)
        assert time.monotonic() - started < 10
    finally:
        filler.close()
        full.close()


def test_a_proxy_from_the_environment_is_not_used(monkeypatch, settings, certificates):
    # A proxy would look the name up itself, past the guard; the guard connects directly.
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    fake_dns(monkeypatch, {"hooks.test": ["127.0.0.1"]})
    with listener() as proxy, https_server(certificates) as server:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
        monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
        assert guarded(certificates).get(f"https://hooks.test:{server.port}/").status_code == 201
        assert connections_before_mine(proxy) == 0


# --- OUTBOUND_ALLOW in the system checks ------------------------------------------------------


def _ids(**kwargs) -> list[str]:
    return [message.id for message in checks.run_checks(**kwargs)]


def test_an_unusable_outbound_allow_entry_is_an_error_at_start(settings):
    settings.OUTBOUND_ALLOW = ["10.0.0.0/8", "intranet.example"]
    assert "core.E001" in _ids()
    settings.OUTBOUND_ALLOW = ["64:ff9b::/96"]  # would open NAT64 to every IPv4 address
    assert "core.E001" in _ids()
    settings.OUTBOUND_ALLOW = ["10.0.0.0/8"]
    assert "core.E001" not in _ids()


def test_check_deploy_warns_while_outbound_allow_is_set(settings):
    settings.OUTBOUND_ALLOW = []
    assert "core.W001" not in _ids(include_deployment_checks=True)
    settings.OUTBOUND_ALLOW = ["10.20.0.0/24"]
    assert "core.W001" in _ids(include_deployment_checks=True)
    assert "core.W001" not in _ids()  # a deployment check only


def test_production_check_deploy_names_the_warning():
    result = _run_production(
        {**DEPLOYMENT_ENV, "OUTBOUND_ALLOW": "10.20.0.0/24"}, "check", "--deploy"
    )
    said = result.stdout + result.stderr
    assert "(core.W001) OUTBOUND_ALLOW lets the server" in said and "10.20.0.0/24" in said, said
