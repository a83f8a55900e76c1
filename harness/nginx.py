"""nginx in front of the stack, from the shipped site file deploy/nginx/tenantdesk.conf.

The shipped file stays the single source: rendering changes only the lines that name this
machine (the upstream's `server` lines, the `listen` lines, the certificate paths and the
`/static/` and `/protected/` aliases), each found by pattern and counted, so an edit of
the shipped file that moves one of them fails here instead of silently serving an
unrendered copy. Everything
else (locations, headers, timeouts, body limits) is served exactly as shipped.

Its error log is checked, not only counted: ERROR_KINDS below names the kinds of [error]
line a scale test may cause on purpose, and ErrorLog holds the windows in which each is
expected (tests/scale/README.md says why each is expected).

The site file is an http-context include (Debian puts it in sites-enabled/); the wrapper
written here plays Debian's /etc/nginx/nginx.conf, with every path under a temp prefix, so
nginx runs as root with `-p` and `-c` beside the system's own service without touching it.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness.stack import ROOT, Unavailable, free_port, wait_for_port

SITE = ROOT / "deploy" / "nginx" / "tenantdesk.conf"
NGINX = "/usr/sbin/nginx"

# A worker's line: its address, then the shipped parameters (kept as shipped).
_UPSTREAM_SERVER = re.compile(r"^([ \t]*)server 127\.0\.0\.1:\d+([^;\n]*);[^\n]*\n", re.M)
_TLS_LISTEN = re.compile(r"^([ \t]*)listen 443 ssl http2;[^\n]*$", re.M)
_PLAIN_LISTEN = re.compile(r"^([ \t]*)listen 80;[^\n]*$", re.M)
_CERTIFICATE = re.compile(r"^([ \t]*)(ssl_certificate(?:_key)?) [^;\n]+;", re.M)
_ALIAS = re.compile(r"^([ \t]*)alias /srv/tenantdesk/media/;", re.M)
_STATIC_ALIAS = re.compile(r"^([ \t]*)alias /srv/tenantdesk/static/;", re.M)


# --- The error log: every [error] line must be of a known, explained kind ------------------
# Each kind is expected only inside a window a test opens around what causes it (a worker it
# stops, a body it sends too large), and, when the line names an upstream, only for the
# worker that test stopped. Anything else fails the run (tests/scale/conftest.py), so a new
# kind of error is looked at instead of counted. Why each is expected: tests/scale/README.md.
ERROR_KINDS: dict[str, re.Pattern] = {
    # A new connection that round robin gives to a worker that is down: nginx logs the
    # refusal and passes the connection to the next worker (proxy_next_upstream error, the
    # default). max_fails=0 keeps the worker in the rotation, so this repeats for every new
    # connection it is offered until it is back (deploy/nginx/tenantdesk.conf says why).
    "upstream refused": re.compile(
        r"connect\(\) failed \(111: Connection refused\) while connecting to upstream"
    ),
    # A worker killed (SIGKILL) under open WebSockets: the kernel resets its connections
    # that had unread bytes, and nginx logs each reset of an upgraded connection it was
    # proxying (then closes the client's side). A graceful stop (SIGTERM) closes them with
    # 1012 first; a close handshake not finished when the worker exits is reset too.
    "upgraded socket reset": re.compile(
        r"recv\(\) failed \(104: Connection reset by peer\) while proxying upgraded connection"
    ),
    # A request body over client_max_body_size: answered 413 by nginx itself.
    "body too large": re.compile(r"client intended to send too large body: \d+ bytes"),
}
# The kinds that name the worker they happened with (upstream: "http://127.0.0.1:PORT/…").
UPSTREAM_KINDS = {"upstream refused", "upgraded socket reset"}
# Levels that must be explained; [warn] lines are counted in the figures only.
ERROR_LEVELS = ("emerg", "alert", "crit", "error")

_LOG_LINE = re.compile(r"^\S+ \S+ \[(?P<level>\w+)\] ")
_UPSTREAM = re.compile(r'upstream: "[a-z]+://127\.0\.0\.1:(?P<port>\d+)/')


def error_kind(line: str) -> str | None:
    """The known kind of an error-log line, or None."""
    return next((name for name, pattern in ERROR_KINDS.items() if pattern.search(line)), None)


@dataclass
class ErrorWindow:
    """Error-log bytes [start, end) in which these kinds are expected (end None: still open)."""

    log: ErrorLog
    kinds: frozenset[str]
    upstream_port: int | None
    start: int
    end: int | None = None
    seen: Counter = field(default_factory=Counter)

    def close(self) -> None:
        if self.end is None:
            self.end = self.log.size()
            for _offset, line in self.log.lines(self.start, self.end):
                self.seen[error_kind(line) or "other"] += 1

    def __enter__(self) -> ErrorWindow:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def explains(self, offset: int, line: str) -> bool:
        if offset < self.start or (self.end is not None and offset >= self.end):
            return False
        kind = error_kind(line)
        if kind not in self.kinds:
            return False
        if kind in UPSTREAM_KINDS:
            named = _UPSTREAM.search(line)
            return named is not None and int(named["port"]) == self.upstream_port
        return True


class ErrorLog:
    """nginx's error log, read by byte offset (nginx only appends to it)."""

    def __init__(self, path: Path):
        self.path = path
        self.windows: list[ErrorWindow] = []

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def lines(self, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
        """(byte offset, text) of each whole line from start to end."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as log:
            log.seek(start)
            data = log.read() if end is None else log.read(max(end - start, 0))
        found, offset = [], start
        for raw in data.splitlines(keepends=True):
            if raw.endswith(b"\n"):  # a line nginx is still writing is read next time
                found.append((offset, raw.decode(errors="replace").rstrip("\n")))
            offset += len(raw)
        return found

    def expect(self, *kinds: str, upstream_port: int | None = None) -> ErrorWindow:
        """Open a window from now in which these kinds are expected; close() (or `with`) ends
        it. Kinds naming an upstream are expected for `upstream_port` only."""
        unknown = set(kinds) - set(ERROR_KINDS)
        if unknown:
            raise ValueError(f"unknown error kinds: {sorted(unknown)}")
        if UPSTREAM_KINDS & set(kinds) and upstream_port is None:
            raise ValueError("these kinds name a worker: say which (upstream_port)")
        window = ErrorWindow(self, frozenset(kinds), upstream_port, start=self.size())
        self.windows.append(window)
        return window

    def unexplained(self, since: int = 0) -> list[str]:
        """The lines at [error] level or worse from `since` on that no window explains."""
        wrong = []
        for offset, line in self.lines(since):
            level = _LOG_LINE.match(line)
            if level is not None and level["level"] not in ERROR_LEVELS:
                continue
            if not any(window.explains(offset, line) for window in self.windows):
                wrong.append(line)
        return wrong

    def kinds(self) -> Counter:
        """How many [error] (or worse) lines of each kind ("unknown": of none)."""
        counted = Counter()
        for _offset, line in self.lines():
            level = _LOG_LINE.match(line)
            if level is None or level["level"] in ERROR_LEVELS:
                counted[error_kind(line) or "unknown"] += 1
        return counted


def binary() -> str:
    if not Path(NGINX).exists():
        raise Unavailable("nginx is not installed (Debian: apt-get install nginx)")
    return NGINX


def _substitute(pattern: re.Pattern, replacement, text: str, *, count: int) -> str:
    new, found = pattern.subn(replacement, text)
    if found != count:
        raise AssertionError(
            f"{SITE.name}: expected {count} line(s) matching {pattern.pattern!r}, found {found}"
        )
    return new


@dataclass
class Ports:
    """Where the rendered site listens: the main server (443 in the shipped file, plain
    HTTP here) and the port-80 server that redirects to HTTPS."""

    main: int
    redirect: int


def render_site(
    *,
    workers: list[int],
    media: Path,
    static: Path | None = None,
    ports: Ports | None = None,
    certificate: tuple[Path, Path] | None = None,
    source: str | None = None,
) -> str:
    """The shipped site file with this machine's values.

    ports=None keeps the shipped `listen` lines (TLS and HTTP/2 on 443, 80) and needs a
    certificate: what `nginx -t` checks. With ports, both servers listen on 127.0.0.1 in
    plain HTTP (no certificate on loopback)."""
    text = SITE.read_text() if source is None else source
    upstream = text.index("upstream tenantdesk_workers {")
    head, rest = text[:upstream], text[upstream:]
    block_end = rest.index("}")
    block, tail = rest[:block_end], rest[block_end:]
    seen = []

    def one_line_per_worker(match: re.Match) -> str:
        # The first shipped line becomes this machine's lines; the others go.
        seen.append(match)
        if len(seen) > 1:
            return ""
        return "".join(f"{match[1]}server 127.0.0.1:{port}{match[2]};\n" for port in workers)

    block = _UPSTREAM_SERVER.sub(one_line_per_worker, block)
    if not seen:
        raise AssertionError(f"{SITE.name}: no `server 127.0.0.1:PORT;` line in the upstream")
    text = head + block + tail

    text = _substitute(_ALIAS, rf"\g<1>alias {media}/;", text, count=1)
    static = static or media.parent / "static"
    text = _substitute(_STATIC_ALIAS, rf"\g<1>alias {static}/;", text, count=1)
    if ports is None:
        if certificate is None:
            raise ValueError("the TLS server needs a certificate to be checked")
        cert, key = certificate
        paths = {"ssl_certificate": cert, "ssl_certificate_key": key}
        return _substitute(_CERTIFICATE, lambda m: f"{m[1]}{m[2]} {paths[m[2]]};", text, count=2)
    text = _substitute(_CERTIFICATE, "", text, count=2)
    text = _substitute(_TLS_LISTEN, rf"\g<1>listen 127.0.0.1:{ports.main};", text, count=1)
    return _substitute(_PLAIN_LISTEN, rf"\g<1>listen 127.0.0.1:{ports.redirect};", text, count=1)


def main_conf(prefix: Path, site: Path) -> str:
    """Debian's nginx.conf in miniature, every path under the prefix."""
    return f"""# Written by harness/nginx.py for a test run; the site itself is {site.name}.
# root: the test's temp folders are root's own (0700); Debian's service runs as www-data.
user root;
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 2048;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format harness '$remote_addr "$request" $status $upstream_addr '
                       'rid=$request_id xff="$http_x_forwarded_for" rt=$request_time';
    access_log {prefix}/access.log harness;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    # For the test only: which worker answered, so a test can pin a socket to a worker.
    # (Inherited by the site's locations because they set no add_header of their own.)
    add_header X-Upstream-Addr $upstream_addr always;
    include {site};
}}
"""


def write_conf(prefix: Path, site_text: str) -> Path:
    prefix.mkdir(parents=True, exist_ok=True)
    site = prefix / "tenantdesk.conf"
    site.write_text(site_text)
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix, site))
    return conf


def config_test(conf: Path, prefix: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on a written configuration (output in .stderr)."""
    return subprocess.run(
        [binary(), "-t", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate, so `nginx -t` can check the shipped TLS server."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=desk.example.com", "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return cert, key


class Nginx:
    """The rendered site served by a private nginx master (a child of ours, stopped by PID)."""

    def __init__(
        self, prefix: Path, *, workers: list[int], media: Path, static: Path | None = None
    ):
        binary()
        self.prefix = prefix
        self.ports = Ports(main=free_port(), redirect=free_port())
        site = render_site(workers=workers, media=media, static=static, ports=self.ports)
        self.conf = write_conf(prefix, site)
        self.process: subprocess.Popen | None = None
        self.errors = ErrorLog(prefix / "error.log")

    @property
    def port(self) -> int:
        return self.ports.main

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        checked = config_test(self.conf, self.prefix)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{checked.stderr}")
        self.process = subprocess.Popen(
            [binary(), "-p", str(self.prefix), "-e", str(self.prefix / "error.log")]
            + ["-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process, log=self.prefix / "error.log")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # graceful: finish open requests
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def pids(self) -> list[int]:
        """The master and its worker processes (for CPU and memory figures)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [self.process.pid, *map(int, children.read_text().split())]
        except OSError:
            return [self.process.pid]

    def error_log(self) -> list[str]:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def access_log(self) -> list[str]:
        path = self.prefix / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def wait_for_access_log(self, needle: str, timeout: float = 5.0) -> str | None:
        """The access-log line containing needle (nginx writes it when a request ends)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.access_log():
                if needle in line:
                    return line
            time.sleep(0.05)
        return None


def remove(prefix: Path) -> None:
    shutil.rmtree(prefix, ignore_errors=True)
