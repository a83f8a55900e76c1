"""harness/nginx.py renders the shipped nginx site for loopback by replacing only the lines
that name a machine; everything else is served as shipped (nginx itself checks the result
in `make scale-test`)."""

from pathlib import Path

import pytest

from harness.nginx import SITE, Ports, render_site

MEDIA = Path("/tmp/scale/media")


def test_the_loopback_rendering_changes_only_the_machine_lines():
    shipped = SITE.read_text()
    rendered = render_site(workers=[9101, 9102], media=MEDIA, ports=Ports(9200, 9201))
    upstream = rendered[rendered.index("upstream tenantdesk_workers") :].split("}", 1)[0]
    servers = [line.strip() for line in upstream.splitlines() if line.strip().startswith("server")]
    assert servers == [
        "server 127.0.0.1:9101 max_fails=0;",
        "server 127.0.0.1:9102 max_fails=0;",
    ]
    assert "listen 127.0.0.1:9200;" in rendered and "listen 127.0.0.1:9201;" in rendered
    assert "listen 443" not in rendered and "ssl_certificate" not in rendered
    assert f"alias {MEDIA}/;" in rendered
    assert f"alias {MEDIA.parent / 'static'}/;" in rendered
    # The rest is the shipped text: every header, timeout and body limit line is kept.
    for line in shipped.splitlines():
        if line.strip().startswith(("proxy_", "client_max_body_size", "location", "internal")):
            assert line in rendered, line


def test_the_tls_rendering_keeps_the_shipped_listen_lines():
    cert, key = Path("/tmp/c.pem"), Path("/tmp/k.pem")
    rendered = render_site(workers=[9101], media=MEDIA, certificate=(cert, key))
    assert "listen 443 ssl http2;" in rendered and "listen 80;" in rendered
    assert f"ssl_certificate {cert};" in rendered and f"ssl_certificate_key {key};" in rendered


def test_a_shipped_file_that_moved_a_rendered_line_fails_loudly():
    changed = SITE.read_text().replace("listen 443 ssl http2;", "listen 443 ssl;")
    with pytest.raises(AssertionError, match="listen 443 ssl http2"):
        render_site(workers=[9101], media=MEDIA, ports=Ports(9200, 9201), source=changed)


def test_the_shipped_site_passes_its_request_id_and_forwarded_headers_to_the_workers():
    shipped = SITE.read_text()
    for location in ("location /ws/ {", "location / {"):
        block = shipped[shipped.index(location) :].split("\n    }\n", 1)[0]
        assert "proxy_set_header X-Request-ID $request_id;" in block, location
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in block
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in block
