"""Reduced motion (issue 23): with prefers-reduced-motion: reduce, the shell's surfaces open
without moving — the phone's "More" sheet, the list's filter sheet, the request page's
details sheet and its header menus: no running animation, no transition on them or inside.
The same steps without the preference must find motion (the details sheet slides in, the
links fade their colour), or the probe would prove nothing."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_console_sweep_browser import demo, open_as  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}

# What moves in and under `root`: elements with a transition or an animation that lasts,
# and the animations the document is running.
MOTION = """(selector) => {
  const root = document.querySelector(selector);
  const lasts = (value) => value.split(",").some((part) => parseFloat(part) > 0);
  const moving = [];
  for (const el of [root, ...root.querySelectorAll("*")]) {
    const style = getComputedStyle(el);
    const animated = style.animationName !== "none" && lasts(style.animationDuration);
    if (animated || lasts(style.transitionDuration)) moving.push(el.className || el.tagName);
  }
  const running = document.getAnimations().map((a) => a.animationName || a.transitionProperty);
  return { moving, running };
}"""


def open_surfaces(page, base, request_id):
    """Opens each surface; returns what moved in each, by name."""
    found = {}
    page.goto(f"{base}/request/list")
    page.locator('button[data-td-menu="td-sheet"]').click()
    expect(page.locator("#td-sheet")).to_be_visible()
    found["more-sheet"] = page.evaluate(MOTION, "#td-sheet")
    page.keyboard.press("Escape")
    page.get_by_test_id("filters-button").click()
    expect(page.locator("dialog.filter-sheet[open]")).to_be_visible()
    found["filter-sheet"] = page.evaluate(MOTION, "dialog.filter-sheet[open]")
    page.keyboard.press("Escape")

    page.goto(f"{base}/request/{request_id}")
    page.locator("[data-details-open]").first.click()
    expect(page.get_by_test_id("request-details-sheet")).to_be_visible()
    found["details-sheet"] = page.evaluate(MOTION, "#request-details-sheet")
    page.keyboard.press("Escape")
    page.locator("details[data-menu] > summary").first.click()
    expect(page.locator("details[data-menu][open]")).to_have_count(1)
    found["header-menu"] = page.evaluate(MOTION, "details[data-menu][open]")
    return found


def test_the_shells_sheets_and_menus_do_not_move_under_reduced_motion(
    asgi_server,
    new_context,
    demo,  # noqa: F811  (the fixture imported above)
):
    base, request_id = asgi_server.url, demo["request"].pk
    still = open_as(new_context, base, demo["manager"], viewport=PHONE, reduced_motion="reduce")
    found = open_surfaces(still.new_page(), base, request_id)
    assert found == {name: {"moving": [], "running": []} for name in found}

    moving = open_as(new_context, base, demo["manager"], viewport=PHONE)
    found = open_surfaces(moving.new_page(), base, request_id)
    # The sheet's own animation (a control's colour may be fading beside it: CI saw
    # background-color too).
    assert "rq-sheet-in" in found["details-sheet"]["running"]
    assert found["more-sheet"]["moving"]
