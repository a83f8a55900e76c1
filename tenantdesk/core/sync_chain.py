"""One thread for a request's whole middleware chain under ASGI.

Django runs each middleware in the mode of the handler inside it. WhiteNoise is sync-only,
and every middleware inside it used to run in async mode, where Django's MiddlewareMixin
hands each process_request and process_response to the request thread and back: about
fifteen thread hops for one page, most of a trivial page's CPU (make bench). With this
sync-only middleware innermost, every middleware that can run sync does, in the thread the
chain started in; the view and CSRF's process_view cost a hop each, as under ASGI anyway.
"""


class SyncChain:
    """Last in MIDDLEWARE; passes the request on unchanged."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
