"""The one guard for every connection the server opens to an address someone gave it: the
push services' endpoints that browsers send (notifications/push.py), and webhooks later.
SPEC.md "Outbound requests" is the contract; without the guard a signed-in customer could
make the task worker connect to 127.0.0.1, the private network or 169.254.169.254.

What it enforces, for `check()` and for every request of a `session()`:

- `https` only, to any port (a port opens nothing an address check has not allowed).
- The host resolves to public addresses only, every answer of the one lookup checked: no
  loopback, private, link-local, shared (100.64/10), multicast, reserved, unspecified or
  documentation address, no ULA or site-local IPv6, and IPv4 carried inside IPv6 (mapped
  ::ffff:a.b.c.d, IPv4-compatible, 6to4 2002::/16, NAT64 64:ff9b::/96, Teredo) is decoded
  and judged as the IPv4 address it carries. A name with any refused answer is refused
  whole: one public and one private answer is what DNS rebinding looks like.
- The connection goes to an address that was checked: the lookup and the check happen where
  the connection opens its socket (urllib3's `_new_conn`), which then connects to the
  checked address itself, so a DNS answer that changes between a check and the connection
  changes nothing. TLS still sends the host name (SNI) and checks the certificate against it.
- No redirects: a 3xx raises OutboundRefused; its target is never contacted.
- Short timeouts (a caller may ask for shorter, never longer) and a cap on the body read.
- No proxy from the environment (`trust_env` off): a proxy would resolve the name itself.
- OUTBOUND_ALLOW (settings; empty by default, `check --deploy` warns when set, core.W001)
  names networks that may be reached although they are not public: tests, or an intranet
  deployment whose webhooks go to an internal system. Networks, not host names: an allowed
  name would let whoever answers for that name in DNS choose the address.

The library: ssrfguard, whose requests Session does the lookup, the checks and the pinned
connection; this module adds the https-only rule, no redirects, the timeouts, the size cap,
OUTBOUND_ALLOW and one exception with a reason people can read. Read before choosing:
- requests-hardened (Saleor's): pins the address through the pool key and sets SNI, Host
  and the certificate's name itself, but checks only the first DNS answer, relies on
  Python's `is_private`, which on Python 3.11 lets IPv4-compatible ::127.0.0.1 and
  site-local fec0::/10 through (tried), and has no allow list of networks and no seam for
  a test's resolver.
- advocate: unmaintained since 2020 and needs urllib3 < 2.
- drawbridge, egressweave: httpx clients; pywebpush sends through a requests session.
ssrfguard is young (0.4, one maintainer), so the lock file pins it and
tests/unit/core/test_outbound.py proves every property above against local servers: an
upgrade that broke one fails the tests.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ssrfguard import (
    BlockedAddressError,
    BlockedURLError,
    Policy,
    SSRFGuardError,
    TooManyRedirectsError,
    resolve,
)
from ssrfguard.requests import SafeAdapter
from ssrfguard.requests import Session as GuardedSession

# Seconds to open a connection, and to wait for each read. Push services answer in well
# under a second; a task worker held for longer is a worker not sending anything else.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
# A push service answers with an empty or short body; nothing we send to wants more.
MAX_RESPONSE_BYTES = 64 * 1024
EVERY_PORT = frozenset(range(1, 65536))


class OutboundRefused(Exception):
    """The guard did not connect: `kind` names the rule (one of KINDS), `reason` says what
    was refused in English for the logs, `message` says it to people in their language."""

    SCHEME, URL, HOST, ADDRESS, NAME, REDIRECT = (
        "scheme",
        "url",
        "host",
        "address",
        "name",
        "redirect",
    )
    MESSAGES = {
        SCHEME: _("Only https addresses can be used."),
        URL: _("This address cannot be used."),
        HOST: _("This host is not allowed here."),
        ADDRESS: _("This address does not lead to the public internet, so it cannot be used."),
        NAME: _("The host name in this address could not be found."),
        REDIRECT: _("The server answered with a redirect, and redirects are not followed."),
    }

    def __init__(self, kind: str, reason: str):
        super().__init__(f"{kind}: {reason}")
        self.kind, self.reason = kind, reason

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.kind])


class ResponseTooLarge(requests.RequestException):
    """The answer's body is longer than MAX_RESPONSE_BYTES; nothing more of it is read."""


def lookup(host, port, family=0, type=0, proto=0, flags=0):
    """The guard's only name lookup (socket.getaddrinfo's signature and answer). Tests
    replace this function to make a name resolve where they want; nothing else resolves."""
    return socket.getaddrinfo(host, port, family, type, proto, flags)


def _lookup(*args):
    # Looked up at call time, so a test's replacement reaches sessions made before it.
    return lookup(*args)


def policy(*, hosts: Iterable[str] = ()) -> Policy:
    """The rules, from settings: https to any port, public addresses or OUTBOUND_ALLOW's
    networks, and, when `hosts` names any, only those hosts ("*.example.com" matches the
    names below example.com). Raises ValueError for an OUTBOUND_ALLOW entry that is no
    network or that would open a translation prefix (core.E001 reports it at start)."""
    return Policy(
        allowed_schemes=frozenset({"https"}),
        allowed_networks=tuple(settings.OUTBOUND_ALLOW),
        allowed_ports=EVERY_PORT,
        allowed_hosts=frozenset(hosts),
        max_redirects=0,
    )


def _checked_url(url: str, rules: Policy):
    """What can be decided without a lookup: the scheme, the URL's shape, the host list and
    a literal address. Returns ssrfguard's target (the host normalised) for the lookup."""
    if not isinstance(url, str) or urlsplit(url).scheme.lower() != "https":
        raise OutboundRefused(OutboundRefused.SCHEME, "not an https URL")
    try:
        # First without the host list, so that a refusal of the list is told apart below.
        target = Policy(
            allowed_schemes=rules.allowed_schemes,
            allowed_networks=rules.allowed_networks,
            allowed_ports=EVERY_PORT,
        ).check_url(url)
    except BlockedURLError as refused:
        # A literal address that is not public comes as a URL refusal caused by the address's.
        literal = isinstance(refused.__cause__, BlockedAddressError)
        kind = OutboundRefused.ADDRESS if literal else OutboundRefused.URL
        raise OutboundRefused(kind, refused.reason) from refused
    try:
        rules.check_host(target.host)
    except BlockedURLError as refused:
        raise OutboundRefused(OutboundRefused.HOST, refused.reason) from refused
    return target


def check(url: str, *, hosts: Iterable[str] = (), lookup_host: bool = True) -> None:
    """Raise OutboundRefused unless the guard would connect to `url` now. With
    `lookup_host`, the host is looked up (once) and every answer checked; without, only
    what needs no lookup (a refusal then stays true whatever DNS answers later)."""
    rules = policy(hosts=hosts)
    target = _checked_url(url, rules)
    if not lookup_host:
        return
    try:
        resolve(target, policy=rules, resolver=_lookup)
    except BlockedAddressError as refused:
        raise OutboundRefused(OutboundRefused.ADDRESS, refused.reason) from refused
    except (OSError, UnicodeError) as failed:
        raise OutboundRefused(OutboundRefused.NAME, str(failed)) from failed


def _bounded(timeout) -> tuple[float, float]:
    """(connect, read): the caller's where shorter, else ours (None or anything else too)."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)

    def bound(value, limit: float) -> float:
        number = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        return min(value, limit) if number else limit

    return bound(connect, CONNECT_TIMEOUT), bound(read, READ_TIMEOUT)


def _read_capped(response: requests.Response) -> None:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        response.close()
        raise ResponseTooLarge(f"{declared} bytes declared", response=response)
    body = bytearray()
    # Decoded bytes are counted; urllib3 2 inflates no more than it is asked for per read.
    for chunk in response.iter_content(chunk_size=16 * 1024):
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            response.close()
            raise ResponseTooLarge(f"over {MAX_RESPONSE_BYTES} bytes", response=response)
    response._content = bytes(body)


class _Adapter(SafeAdapter):
    """ssrfguard's pinned transport, with our timeouts and the size cap."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        response = super().send(
            request,
            stream=True,
            timeout=_bounded(timeout),
            verify=verify,
            cert=cert,
            proxies=proxies,
        )
        _read_capped(response)
        return response


class _Session(GuardedSession):
    def __init__(self, *, hosts: frozenset[str]):
        rules = policy(hosts=hosts)
        super().__init__(policy=rules, resolver=_lookup)
        self.hosts = hosts
        adapter = _Adapter(policy=rules, resolver=_lookup)
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        # No proxy, .netrc or CA bundle from the environment: the guard decides alone.
        self.trust_env = False

    def send(self, request, **kwargs):
        # The rules that need no lookup first, so a refusal says which rule (the address
        # is checked again, after the one lookup, where the socket opens).
        _checked_url(request.url, self.policy)
        try:
            return super().send(request, **kwargs)
        except TooManyRedirectsError as refused:
            raise OutboundRefused(OutboundRefused.REDIRECT, str(refused)) from refused
        except BlockedAddressError as refused:
            raise OutboundRefused(OutboundRefused.ADDRESS, refused.reason) from refused
        except SSRFGuardError as refused:
            raise OutboundRefused(OutboundRefused.URL, str(refused)) from refused


def session(*, hosts: Iterable[str] = ()) -> requests.Session:
    """A requests session through the guard (module docstring): only https, only public
    addresses (or OUTBOUND_ALLOW's), only `hosts` when any are named, connected to the
    address that was checked, no redirects, short timeouts, capped bodies. A refusal
    raises OutboundRefused before any connection to the refused address is made."""
    return _Session(hosts=frozenset(hosts))
