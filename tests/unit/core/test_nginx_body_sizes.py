"""deploy/nginx/tenantdesk.conf refuses request bodies at the sizes the application does.

The nginx file cannot ask the URLconf, so its locations are checked here against the real
URLs (reverse) and its sizes against what tenantdesk/core/body_limit.py computes from the
settings: a route or a default that drifts fails this test.
"""

import re
from pathlib import Path

from django.urls import reverse

from tenantdesk.core.body_limit import allowance_for, upload_limit

CONF = Path(__file__).resolve().parents[3] / "deploy" / "nginx" / "tenantdesk.conf"
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _blocks(text: str) -> list[dict]:
    """The conf as a tree: each block has its header words, directives and child blocks."""
    text = re.sub(r"#[^\n]*", "", text)
    root = {"head": [], "directives": {}, "children": []}
    stack = [root]
    for token in re.findall(r"[^;{}]+[;{]|}", text):
        token = token.strip()
        if token == "}":
            stack.pop()
        elif token.endswith("{"):
            block = {"head": token[:-1].split(), "directives": {}, "children": []}
            stack[-1]["children"].append(block)
            stack.append(block)
        else:
            name, *args = token[:-1].split()
            stack[-1]["directives"][name] = args
    assert len(stack) == 1, "unbalanced braces"
    return root["children"]


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * UNITS[unit]


def _locations(block):
    for child in block["children"]:
        if child["head"][0] == "location":
            yield child
            yield from _locations(child)


def _nginx_body_limit(path: str) -> int:
    """The client_max_body_size nginx applies to `path` (exact, then regex, then default)."""
    # The first server block is the site; the second only redirects to HTTPS.
    server = next(b for b in _blocks(CONF.read_text()) if b["head"] == ["server"])
    default = _size(server["directives"]["client_max_body_size"][0])
    locations = list(_locations(server))
    for location in locations:
        if location["head"][1:] == ["=", path]:
            return _size(location["directives"].get("client_max_body_size", [str(default)])[0])
    for location in locations:
        if location["head"][1] == "~" and re.search(location["head"][2], path):
            return _size(location["directives"].get("client_max_body_size", [str(default)])[0])
    return default


def _app_limit(path: str) -> int:
    from django.conf import settings

    upload = upload_limit(allowance_for(path))
    return settings.REQUEST_BODY_MAX_BYTES if upload is None else upload


def test_upload_routes_get_the_applications_upload_limits_in_nginx():
    for path in (
        reverse("service_requests:new"),
        reverse("chat:messages", args=[4711]),
        reverse("incidents:join", args=[4711]),
    ):
        assert _app_limit(path) > _app_limit("/"), path
        assert _nginx_body_limit(path) == _app_limit(path), path


def test_every_other_route_gets_the_small_limit_in_nginx(settings):
    for path in (
        reverse("accounts:login"),
        reverse("accounts:register"),
        reverse("chat:delivered", args=[4711]),
        reverse("service_requests:change_status", args=[4711]),
        "/chat/4711/messages/extra",
        "/request/newer",
        "/incidents/4711/join/extra",
        reverse("incidents:update", args=[4711]),
        "/admin/",
    ):
        assert _nginx_body_limit(path) == settings.REQUEST_BODY_MAX_BYTES, path
        assert _app_limit(path) == settings.REQUEST_BODY_MAX_BYTES, path
