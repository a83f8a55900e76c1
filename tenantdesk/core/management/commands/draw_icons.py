"""Draws the app's icons (static/icons/*.png, for the web app manifest) from the same shape
as static/favicon.svg: a chat bubble on the accent colour. Run after changing the mark:

    python manage.py draw_icons

"any" icons are a rounded square; "maskable" ones fill the whole square and keep the bubble
inside the central 80 % safe zone, since the launcher cuts its own shape out of them."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

ACCENT = (58, 79, 216)  # tokens.css --td-accent
WHITE = (255, 255, 255)
SIZES = (192, 512)
SUPERSAMPLE = 4  # drawn 4x larger, then scaled down: smooth edges without an SVG renderer


def _bubble(draw: ImageDraw.ImageDraw, size: int, scale: float) -> None:
    """The favicon's bubble (a 32-unit grid), scaled by `scale` around the centre."""
    unit = size / 32 * scale
    offset = size * (1 - scale) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return (offset + x * unit, offset + y * unit)

    draw.rounded_rectangle([at(5.5, 8.5), at(26.5, 22)], radius=2.5 * unit, fill=WHITE)
    draw.polygon([at(10.5, 21), at(16, 21), at(10.5, 26.5)], fill=WHITE)
    for x in (11, 16, 21):
        cx, cy = at(x, 15.3)
        r = 1.7 * unit
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=ACCENT)


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle([0, 0, big, big], fill=ACCENT)
        _bubble(draw, big, 0.7)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 8 / 32, fill=ACCENT)
        _bubble(draw, big, 1.0)
    return image.resize((size, size), Image.Resampling.LANCZOS)


class Command(BaseCommand):
    help = "Draws static/icons/icon-{192,512}.png and maskable-{192,512}.png."

    def handle(self, *args, **options):
        folder = Path(settings.APPS_DIR) / "static" / "icons"
        folder.mkdir(exist_ok=True)
        for size in SIZES:
            for maskable in (False, True):
                name = f"{'maskable' if maskable else 'icon'}-{size}.png"
                draw_icon(size, maskable=maskable).save(folder / name, optimize=True)
                self.stdout.write(f"{folder / name}")
