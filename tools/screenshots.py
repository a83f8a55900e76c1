"""`make screenshots`, second half: the README's four pictures, from the full set.

The first half (the Makefile) runs tests/e2e/test_every_page with SCREENSHOTS=all: every page
in English and Russian, light and dark, desktop (1366×768) and phone (390×844), into
test-artifacts/screenshots/all/ (about 120 PNGs, 10+ MB: not for the repository, where every
redesign would add them again for good). This copies the four the README shows into
docs/screenshots/, reduced to a 256-colour palette (a third of the size, no visible loss on
flat interface colours).
"""

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
ALL = ROOT / "test-artifacts" / "screenshots" / "all"
DOCS = ROOT / "docs" / "screenshots"
# docs/screenshots/<name>.png ← test-artifacts/screenshots/all/<page>-<lang>-<scheme>-<size>.png
README_SHOTS = {
    "chat-phone-light": "chat-customer-en-light-phone",
    "list-desktop-dark": "list-manager-en-dark-desktop",
    "chat-manager-desktop-light-ru": "chat-manager-ru-light-desktop",
    "sign-in-phone-dark": "sign-in-en-dark-phone",
}


def main() -> int:
    missing = [source for source in README_SHOTS.values() if not (ALL / f"{source}.png").exists()]
    if missing:
        print(f"not in {ALL}: {', '.join(missing)} (run make screenshots)", file=sys.stderr)
        return 1
    DOCS.mkdir(parents=True, exist_ok=True)
    for name, source in README_SHOTS.items():
        image = Image.open(ALL / f"{source}.png").convert("RGB")
        small = image.quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        target = DOCS / f"{name}.png"
        small.save(target, optimize=True)
        print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB")
    shots = len(list(ALL.glob("*.png")))
    print(f"{shots} screenshots in {ALL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
