"""What the outbound guard's tests (core.outbound, web push) stand on, all on this machine:
a DNS answered by the test at the guard's one seam (`outbound.lookup`), a certificate
authority of the test's own, HTTPS servers on loopback addresses, and a bare listener that
proves nobody connected to it."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tenantdesk.core import outbound

# --- DNS --------------------------------------------------------------------------------------


class FakeDNS:
    """Stands in for `outbound.lookup`: `answers[name]` is a list of addresses, or a list of
    such lists given out one per lookup (the last one repeats): a name that moves. A literal
    address answers itself, as getaddrinfo does; an unknown name does not resolve."""

    def __init__(self, answers: dict[str, list]):
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        self.asked.append(host)
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self._next(host)
        return [_addrinfo(address, port) for address in addresses]

    def _next(self, host: str) -> list[str]:
        answer = self.answers.get(host.rstrip("."))
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if isinstance(answer[0], list):
            return answer.pop(0) if len(answer) > 1 else answer[0]
        return answer


def _addrinfo(address: str, port: int):
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


def fake_dns(monkeypatch, answers: dict[str, list]) -> FakeDNS:
    dns = FakeDNS(answers)
    monkeypatch.setattr(outbound, "lookup", dns)
    return dns


# --- TLS --------------------------------------------------------------------------------------


@dataclass
class Certificates:
    """A CA (trusted by the client through `ca_file`) and a server certificate it signed
    for `names` (DNS names only: no IP address, so a check against the address fails)."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates(directory: Path, names: list[str]) -> Certificates:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenant Desk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    files = Certificates(
        directory / "ca.pem", directory / "server.pem", directory / "server-key.pem"
    )
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@dataclass
class Seen:
    """One request an HTTPS test server received."""

    method: str
    path: str
    host: str
    body: bytes


@dataclass
class Answer:
    """What an HTTPS test server answers every request with. `hold` makes it wait before
    answering until the event is set (a server that does not answer in time)."""

    status: int = 201
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    chunks: list[bytes] | None = None  # sent with Transfer-Encoding: chunked instead
    hold: threading.Event | None = None


@dataclass
class HttpsServer:
    host: str
    port: int
    answer: Answer
    seen: list[Seen] = field(default_factory=list)
    server_names: list[str] = field(default_factory=list)  # SNI of each handshake


@contextmanager
def https_server(
    certificates: Certificates, *, host: str = "127.0.0.1", port: int = 0, answer=None
) -> Iterator[HttpsServer]:
    """An HTTPS server on this machine with the test CA's certificate, in a thread."""
    state = HttpsServer(host=host, port=port, answer=answer or Answer())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.seen.append(Seen(self.command, self.path, self.headers.get("Host"), body))
            reply = state.answer
            if reply.hold is not None:
                reply.hold.wait(timeout=30)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.chunks is not None:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in reply.chunks:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        do_GET = do_POST = _any

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    context.sni_callback = lambda _sock, name, _ctx: state.server_names.append(name)
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if state.answer.hold is not None:
            state.answer.hold.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- a listener nobody may reach ---------------------------------------------------------------


@contextmanager
def listener(host: str = "127.0.0.1", port: int = 0) -> Iterator[socket.socket]:
    """A listening socket that accepts nothing by itself (see `connections_before_mine`)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(16)
    sock.settimeout(10)
    try:
        yield sock
    finally:
        sock.close()


def connections_before_mine(sock: socket.socket) -> int:
    """How many connections reached `sock` before now: connects once itself, then accepts
    in arrival order until its own connection comes out. The answer needs no waiting: a
    connection made earlier is queued ahead of ours."""
    host, port = sock.getsockname()
    mine = socket.create_connection((host, port), timeout=10)
    earlier = 0
    try:
        while True:
            accepted, peer = sock.accept()
            accepted.close()
            if peer == mine.getsockname():
                return earlier
            earlier += 1
    finally:
        mine.close()
