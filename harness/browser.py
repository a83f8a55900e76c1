"""What the browser tests and the look's tools (tools/lighthouse.py, make screenshots) share:
the Chromium they start, its flags, and the site's pages by address."""

import os

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless comes from each user: Playwright's "--headless", Lighthouse's "--headless=new".
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# (name, who is signed in, address); {request} is the demo's request.
EVERY_PAGE = [
    ("sign-in", None, "/accounts/login"),
    ("register", None, "/accounts/register"),
    ("password-reset", None, "/accounts/password-reset"),
    ("error-404", "customer", "/no-such-page"),
    ("list-customer", "customer", "/request/list"),
    ("list-manager", "manager", "/request/list"),
    ("chat-customer", "customer", "/request/{request}"),
    ("chat-manager", "manager", "/request/{request}"),
    ("create", "customer", "/request/new"),
    ("profile", "customer", "/accounts/profile"),
    ("incidents", "manager", "/incidents"),
    ("buildings", "manager", "/company/buildings"),
    ("announcements", "manager", "/announcements"),
    ("team", "manager", "/company/team"),
    ("members", "customer", "/org/members"),
]
