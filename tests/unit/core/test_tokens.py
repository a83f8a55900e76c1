"""The design tokens (static/css/tokens.css): the dark theme is written twice (chosen, and
the system's when nothing is chosen) and the two must not drift; every text colour reads at
WCAG AA (4.5:1) on the surfaces it is used on, in both themes."""

import re
from pathlib import Path

import pytest

TOKENS = Path(__file__).resolve().parents[3] / "tenantdesk" / "static" / "css" / "tokens.css"
DECLARATION = re.compile(r"(--td-[a-z0-9-]+)\s*:\s*([^;]+);")


def _block(css: str, opening: str) -> dict[str, str]:
    start = css.index(opening) + len(opening)
    depth, end = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(css[end], 0)
        end += 1
    return dict(DECLARATION.findall(css[start:end]))


def _themes() -> dict[str, dict[str, str]]:
    css = TOKENS.read_text()
    light = _block(css, ":root {")
    dark = {**light, **_block(css, ':root[data-theme="dark"] {')}
    return {"light": light, "dark": dark}


def test_the_systems_dark_theme_is_the_chosen_dark_theme():
    css = TOKENS.read_text()
    chosen = _block(css, ':root[data-theme="dark"] {')
    system = _block(css, ':root:not([data-theme="light"]) {')
    assert chosen == system


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _resolve(theme: dict[str, str], name: str) -> str:
    value = theme[name].strip()
    while value.startswith("var("):
        value = theme[value[4:-1].strip()].strip()
    return value


PAIRS = [
    (text, background)
    for text in ("--td-text", "--td-text-muted", "--td-accent-text")
    for background in ("--td-bg", "--td-surface", "--td-surface-2")
] + [
    ("--td-on-accent", "--td-accent"),
    ("--td-on-accent", "--td-accent-hover"),
    ("--td-text", "--td-accent-soft"),
    ("--td-accent-text", "--td-accent-soft"),
    ("--td-success", "--td-success-soft"),
    ("--td-warning", "--td-warning-soft"),
    ("--td-danger", "--td-danger-soft"),
    ("--td-info", "--td-info-soft"),
    ("--td-note", "--td-note-soft"),
    ("--td-text", "--td-note-soft"),
    ("--td-status-pending", "--td-status-pending-soft"),
    ("--td-status-in-progress", "--td-status-in-progress-soft"),
    ("--td-status-closed", "--td-status-closed-soft"),
    ("--td-danger", "--td-surface"),
    ("--td-success", "--td-surface"),
    ("--td-warning", "--td-surface"),
    ("--td-text", "--td-surface-sunken"),
]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_reads_at_wcag_aa(theme, text, background):
    colours = _themes()[theme]
    ratio = _contrast(_resolve(colours, text), _resolve(colours, background))
    assert ratio >= 4.5, f"{theme}: {text} on {background} is {ratio:.2f}:1"
