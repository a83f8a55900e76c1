"""`make lighthouse`: Lighthouse (mobile preset) on every page of the production shape.

The shape is the one the tests and `make scale-test` start (harness.stack): uvicorn with the
command line of the systemd unit, `config.settings.production`, `collectstatic` (WhiteNoise
serves the hashed, compressed files), a PostgreSQL database of its own (DATABASE_URL's
server) and Redis (REDIS_URL). The database gets the demo's data (seed_demo, whose
DEMO_DATA guard is lifted for this private database only) and a dozen more requests, so the
lists have rows; the signed-in pages are opened with a session made by Django's session
engine for the demo's customer and manager, put in the browser's cookie jar before
Lighthouse drives it (see `chromium` below).

Lighthouse is the npm package pinned in tools/lighthouse/package-lock.json, installed with
`npm ci` into test-artifacts/cache/lighthouse (gitignored) the first time and whenever the
lock changes; Chromium is Debian's, /usr/bin/chromium (CHROMIUM_PATH), with the browser
tests' flags. Writes the table to test-artifacts/lighthouse.md (and every report, JSON and
HTML, to test-artifacts/lighthouse/) and prints it. docs/measuring-the-look.md says more.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python -m tools.lighthouse
        [--pages chat-customer,list-manager] [--runs 3] [--language ru]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.browser import CHROMIUM, CHROMIUM_FLAGS, EVERY_PAGE  # noqa: E402
from harness.stack import Unavailable, free_port, running_stack, wait_for_port  # noqa: E402

PACKAGE = ROOT / "tools" / "lighthouse"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))
CACHE = ARTIFACTS / "cache" / "lighthouse"
REPORTS = ARTIFACTS / "lighthouse"
TABLE = ARTIFACTS / "lighthouse.md"
# The new headless mode Lighthouse expects.
BROWSER_FLAGS = ["--headless=new", *CHROMIUM_FLAGS]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

# Every page but the password reset and the error page, as make screenshots renders them.
PAGES = [page for page in EVERY_PAGE if page[0] not in ("password-reset", "error-404")]

# Run under the stack's production settings (Stack.python); prints the cookies and ids.
SEED = """
import io
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from tenantdesk.accounts.models import User
from tenantdesk.chat.models import Message
from tenantdesk.service_requests.management.commands.seed_demo import (
    DEMO_CUSTOMER, DEMO_MANAGER, _demo_photo,
)
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.create import service_request_create

# This database is the tool's own and is dropped afterwards: the demo's guard is lifted here.
with override_settings(DEMO_DATA=True):
    call_command("seed_demo", stdout=io.StringIO())
customer = User.objects.get(username=DEMO_CUSTOMER[0])
manager = User.objects.get(username=DEMO_MANAGER[0])
demo = ServiceRequest.objects.filter(author=customer).order_by("pk").first()
lines = [
    (customer, False, "Hello! The lamp is still flickering this morning."),
    (manager, True, "Good morning. An electrician will come to office 101 at 15:00."),
    (customer, False, "Thank you, someone will be there."),
    (manager, True, "The electrician is on the way."),
]
for author, by_manager, text in lines:
    Message.objects.create(service_request=demo, author=author, by_manager=by_manager, text=text)
titles = [
    "Water drips from the ceiling in the kitchen", "The front door lock sticks",
    "No hot water on the third floor", "The air conditioner rattles",
    "A window in office 204 does not close", "The lift stops between floors",
    "Lights in the corridor are off", "The heating is too strong in room 12",
    "A broken tile in the lobby", "The parking barrier does not open",
    "Mould on the bathroom wall", "The intercom does not ring",
]
kinds = list(ServiceRequest.Type)
for number, title in enumerate(titles):
    made = service_request_create(
        author=customer, type=kinds[number % len(kinds)], title=title,
        description="Noticed this morning; please have a look.", office=str(100 + number),
        photos=[_demo_photo()],
    )
    Message.objects.create(
        service_request=made, author=customer, by_manager=False, text="Any news on this one?"
    )
cookies = {}
for role, user in (("customer", customer), ("manager", manager)):
    client = Client()
    client.force_login(user)
    cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
print(json.dumps({
    "request": demo.pk,
    "cookie_name": settings.SESSION_COOKIE_NAME,
    "language_cookie": settings.LANGUAGE_COOKIE_NAME,
    "cookies": cookies,
}))
"""


def install_lighthouse() -> Path:
    """Lighthouse's CLI from the committed lock, installed once per lock (npm ci)."""
    lock = (PACKAGE / "package-lock.json").read_bytes()
    stamp = CACHE / ".lock-sha256"
    digest = hashlib.sha256(lock + (PACKAGE / "package.json").read_bytes()).hexdigest()
    cli = CACHE / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not (cli.exists() and stamp.exists() and stamp.read_text() == digest):
        if shutil.which("npm") is None:
            raise SystemExit("make lighthouse needs Node.js 18.20+ and npm (Debian: nodejs npm)")
        CACHE.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PACKAGE / name, CACHE / name)
        print("Installing Lighthouse (npm ci) into", CACHE, flush=True)
        npm = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(npm, cwd=CACHE, check=True)  # noqa: S603, S607  (fixed argv)
        stamp.write_text(digest)
    return cli


@contextmanager
def chromium(base: str, cookies: dict[str, str]):
    """A Chromium of its own (a fresh profile: cold cache) holding the page's cookies.

    Lighthouse's --extra-headers Cookie reached the page but not every request it made
    (the chat's fetches answered 401), so the cookies are put in the browser's jar, through
    the DevTools protocol (Playwright), and Lighthouse drives that browser (--port). Its
    storage reset leaves cookies alone. Not Secure: the site is plain HTTP on loopback."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="td-lighthouse-chromium-") as profile:
        process = subprocess.Popen(  # noqa: S603  (our argv)
            [CHROMIUM, *BROWSER_FLAGS, f"--remote-debugging-port={port}"]
            + [f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, process=process)
            with sync_playwright() as playwright:
                browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                browser.contexts[0].add_cookies(
                    [{"name": name, "value": value, "url": base} for name, value in cookies.items()]
                )
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def audit(cli: Path, name: str, url: str, cookies: dict[str, str]) -> dict:
    """One Lighthouse run of one page; its figures from the JSON report."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    command = [
        "node",
        str(cli),
        url,
        "--quiet",
        "--output=json",
        "--output=html",
        f"--output-path={REPORTS / name}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--max-wait-for-load=30000",
    ]
    base = "/".join(url.split("/", 3)[:3])
    # A trace Lighthouse failed to record (NO_NAVSTART, seen on a loaded machine) is
    # measured again, twice at most; a page that answers an error is not.
    # Lighthouse saves the report and then exits 1 on a runtime error: the report says which.
    path = REPORTS / f"{name}.report.json"
    for attempt in range(3):
        path.unlink(missing_ok=True)
        with chromium(base, cookies) as port:
            done = subprocess.run([*command, f"--port={port}"], timeout=300)  # noqa: S603
        if not path.exists():
            raise RuntimeError(f"{name}: Lighthouse exited {done.returncode} without a report")
        report = json.loads(path.read_text())
        error = report.get("runtimeError")
        if not error or attempt == 2 or error.get("code") == "ERRORED_DOCUMENT_REQUEST":
            break
        print(f"{name}: {error.get('code')}, measuring again", flush=True)
    if error:
        raise RuntimeError(f"{name}: {error}")
    audits = report["audits"]
    console = audits["errors-in-console"].get("details") or {}
    return {
        **{c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES},
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "kib": audits["total-byte-weight"]["numericValue"] / 1024,
        "console": len(console.get("items", [])),
        "console_text": [item.get("description", "") for item in console.get("items", [])],
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median performance score (Lighthouse's own advice for variance)."""
    ordered = sorted(runs, key=lambda run: run["performance"])
    return ordered[(len(ordered) - 1) // 2] if len(ordered) > 1 else ordered[0]


def table(results: list[tuple[str, str, dict]], *, runs: int, language: str) -> str:
    lines = [
        f"Lighthouse {lighthouse_version()}, mobile preset, production shape (uvicorn, WhiteNoise, "
        f"PostgreSQL, Redis), language {language}, "
        + (f"median of {runs} runs" if runs > 1 else "1 run")
        + f" per page; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end.",
        "",
        "| page | path | perf | a11y | best pr. | SEO | LCP s | KiB | console errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path, r in results:
        lines.append(
            f"| {name} | `{path}` | {r['performance']} | {r['accessibility']} | "
            f"{r['best-practices']} | {r['seo']} | {r['lcp']:.2f} | {r['kib']:.0f} | "
            f"{r['console']} |"
        )
    scores = [r[c] for _n, _p, r in results for c in CATEGORIES]
    lines += [
        "",
        f"Lowest score {min(scores)}; largest LCP {max(r['lcp'] for _n, _p, r in results):.2f} s; "
        f"heaviest page {max(r['kib'] for _n, _p, r in results):.0f} KiB.",
    ]
    for name, _path, r in results:
        for text in r["console_text"]:
            lines.append(f"- console error on {name}: {text}")
    return "\n".join(lines) + "\n"


def lighthouse_version() -> str:
    package = CACHE / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text())["version"] if package.exists() else "?"


def measure(stack, cli: Path, pages, options) -> list[tuple[str, str, dict]]:
    seeded = stack.python(SEED)
    base = f"http://127.0.0.1:{stack.workers[0].port}"
    results = []
    for name, role, path in pages:
        path = path.format(request=seeded["request"])
        cookies = {seeded["language_cookie"]: options.language}
        if role:
            cookies[seeded["cookie_name"]] = seeded["cookies"][role]
        runs = [
            audit(cli, f"{name}-{options.language}", base + path, cookies)
            for _ in range(options.runs)
        ]
        result = median_run(runs)
        if options.runs > 1:
            result["lcp"] = statistics.median(run["lcp"] for run in runs)
        print(
            f"{name}: {result['performance']}/{result['accessibility']}/"
            f"{result['best-practices']}/{result['seo']}, LCP {result['lcp']:.2f} s",
            flush=True,
        )
        results.append((name, path.replace(str(seeded["request"]), "N"), result))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", help="comma-separated page names (default: all)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median counts")
    parser.add_argument("--language", default="en", choices=["en", "ru"])
    options = parser.parse_args(argv)
    wanted = set(options.pages.split(",")) if options.pages else None
    pages = [page for page in PAGES if wanted is None or page[0] in wanted]
    if wanted and len(pages) != len(wanted):
        known = ", ".join(page[0] for page in PAGES)
        parser.error(f"unknown page in {options.pages!r}; the pages are: {known}")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (Debian: chromium; or CHROMIUM_PATH)")
    cli = install_lighthouse()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="td-lighthouse-") as directory,
            running_stack(Path(directory), static=True, workers=1) as stack,
        ):
            try:
                results = measure(stack, cli, pages, options)
            except BaseException:
                print(stack.logs()[-4000:], file=sys.stderr)
                raise
    except Unavailable as error:
        raise SystemExit(f"make lighthouse: {error}") from None
    text = table(results, runs=options.runs, language=options.language)
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_text(text)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
