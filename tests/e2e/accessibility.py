"""axe-core (from the axe-playwright-python package: no Node) run on a page in the browser
tests; serious and critical violations fail the test.

The script goes in through Playwright's evaluate, which runs over the DevTools protocol and so
is not subject to the page's Content-Security-Policy; axe itself runs no eval and loads
nothing, so the policy recorder (conftest.py) stays quiet while it works.
"""

import os

from axe_playwright_python.sync_playwright import Axe

FAILING_IMPACTS = ("serious", "critical")
_axe = Axe()


# CSS transitions still running (a button just clicked fading to its checked colour): axe
# would measure the contrast of a colour half-way, which no one reads. Infinite animations
# (a spinner) are not transitions and do not hold this up.
_TRANSITIONS_DONE = """() => document.getAnimations().every(
    (animation) => !(animation instanceof CSSTransition) || animation.playState !== "running")"""


def violations(page, impacts=FAILING_IMPACTS) -> list[dict]:
    page.wait_for_function(_TRANSITIONS_DONE, timeout=5_000)
    # preload off: axe would otherwise copy stylesheets into <style> elements of its own,
    # which the policy rightly refuses (style-src has no 'unsafe-inline').
    results = _axe.run(page, options={"resultTypes": ["violations"], "preload": False})
    return [v for v in results.response["violations"] if v["impact"] in impacts]


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fails with axe's own words on any serious or critical violation of the page as it is."""
    found = violations(page)
    if os.environ.get("AXE_REPORT_ONLY"):  # a survey of every page, without stopping
        print(f"\nAXE {page.url}\n{describe(found)}" if found else f"\nAXE {page.url} clean")
        return
    assert not found, f"axe on {page.url}:\n{describe(found)}"
