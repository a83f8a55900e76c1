"""What makes the site installable (docs/look.md): the web app manifest and the page the
service worker (static/js/service-worker.js) shows when a navigation fails offline."""

from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# tokens.css --td-bg (light): the splash screen's and the title bar's colour.
BACKGROUND = "#f4f5f7"


@require_GET
@cache_control(max_age=86400, public=True)
def manifest(request):
    """/manifest.webmanifest: name, start page and icons (192 and 512 px, also maskable)."""
    icons = [
        {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons += [
        {
            "src": static(f"icons/maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in (192, 512)
    ]
    data = {
        "id": "/",
        "name": "Tenant Desk",
        "short_name": "Tenant Desk",
        "description": "Maintenance requests and a live chat with your building's managers.",
        "start_url": "/request/list",
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": BACKGROUND,
        "icons": icons,
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
def offline(request):
    """The page the service worker keeps for when the network is gone. It names no person
    (it is cached once for everyone using this browser) and needs nothing but its styles."""
    return render(request, "core/offline.html")
