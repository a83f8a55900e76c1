"""Static bundles: several stylesheets (or classic scripts) served as one file.

Every <link rel="stylesheet"> is a request the first paint waits for, and on a phone's
network each costs a round trip (a new connection, when six are busy). The request page
linked nine stylesheets; Lighthouse's mobile preset put its first paint at 1.5 s where the
sign-in page, with three, painted at 1.06 s (docs/measuring-the-look.md). So a page links
`bundles/site.css` (the layout's three) and at most one bundle of its own, while the
sources stay small files with one subject each.

`BundleFinder` is a staticfiles finder: the development server, the tests' static handler
and WhiteNoise's finders ask it like any other, and `collectstatic` lists the bundles, so
production gets them hashed and compressed like every file. A bundle is built from its
sources (found by the other finders) when asked for, into a directory of its own outside
the source tree; `url()`s in a stylesheet are rewritten to stay right from the bundle's
folder (the manifest storage then hashes them).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# Name -> sources, in the order they cascade. A source may sit in several bundles.
BUNDLES: dict[str, tuple[str, ...]] = {
    # The layout's: every page links it (templates/base.html).
    "bundles/site.css": ("css/tokens.css", "css/ui.css", "css/shell.css"),
    # The layout's small classic scripts, all deferred; each keeps to its own scope.
    "bundles/site.js": (
        "js/language.js",
        "js/notices.js",
        "js/submit-once.js",
        "js/offline.js",
        "js/relative-times.js",
    ),
    # A request's page: header, details, closure and rating, the list pane and the chat.
    "bundles/request-page.css": (
        "service_requests/requests.css",
        "service_requests/closure.css",
        "service_requests/workspace.css",
        "service_requests/request-page.css",
        "service_requests/list.css",
        "chat/css/chat.css",
    ),
    "bundles/list-manager.css": (
        "service_requests/requests.css",
        "service_requests/workspace.css",
        "service_requests/list.css",
    ),
    "bundles/list-customer.css": (
        "service_requests/requests.css",
        "service_requests/closure.css",
        "service_requests/list.css",
    ),
}

URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")


def _rebase_urls(css: str, source: str, bundle: str) -> str:
    """`url("../img/x.svg")` in chat/css/chat.css, read from bundles/, is chat/img/x.svg."""

    def rebase(match: re.Match) -> str:
        quote, target = match.groups()
        if target.startswith(("data:", "/", "#", "http:", "https:", "blob:")):
            return match.group(0)
        absolute = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
        relative = posixpath.relpath(absolute, posixpath.dirname(bundle))
        return f"url({quote}{relative}{quote})"

    return URL.sub(rebase, css)


def bundle_text(name: str) -> str:
    """The bundle's content: its sources in order, each after a comment naming it."""
    parts = [f"/* {name}: built from its sources by tenantdesk/core/static_bundles.py */\n"]
    for source in BUNDLES[name]:
        path = finders.find(source)
        if path is None:
            raise FileNotFoundError(f"{name}: its source {source} is not a static file")
        text = Path(path).read_text(encoding="utf-8")
        if name.endswith(".css"):
            text = _rebase_urls(text, source, name)
        parts.append(f"\n/* --- {source} --- */\n{text.rstrip()}\n")
        if name.endswith(".js"):
            parts.append(";\n")  # a source that ends without one cannot join the next
    return "".join(parts)


def bundles_dir() -> Path:
    """Outside the source tree (which may be read-only), one per checkout."""
    configured = getattr(settings, "STATIC_BUNDLES_DIR", None)
    if configured:
        return Path(configured)
    key = hashlib.sha256(str(settings.BASE_DIR).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"tenantdesk-static-bundles-{key}"


def build(name: str) -> Path:
    """Writes the bundle when its content changed (a stable file for the dev server's
    caching headers otherwise); atomic, as processes may build it side by side."""
    text = bundle_text(name)
    target = bundles_dir() / name
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".build-")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    return target


class BundleFinder(BaseFinder):
    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)  # Django 5.2 still passes `all`
        if path not in BUNDLES:
            return []  # not None: staticfiles.finders.find would return [None]
        built = str(build(path))
        return [built] if find_all else built

    def list(self, ignore_patterns):
        storage = FileSystemStorage(location=str(bundles_dir()))
        for name in BUNDLES:
            build(name)
            yield name, storage
