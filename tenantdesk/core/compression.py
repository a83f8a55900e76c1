"""Pages and JSON answers compressed (gzip), not files.

Nothing else compresses them: nginx serves the static files' precompressed copies
(gzip_static) and proxies the rest as it gets it, and uvicorn does not compress. The request
page's HTML was 27 KB on the wire, the largest single thing a phone downloaded before its
first paint (docs/measuring-the-look.md). Django's GZipMiddleware pads each compressed
answer with random bytes against BREACH (Django 4.2+), and CSRF tokens are masked per
answer. Streamed answers (photo and video downloads, with their byte ranges) and anything
that is not HTML or JSON pass untouched: already compressed, or not worth the CPU.
"""

from django.middleware.gzip import GZipMiddleware

COMPRESSED_TYPES = ("text/html", "application/json")


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if response.streaming or not response.get("Content-Type", "").startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
